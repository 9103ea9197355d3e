import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { BackendSetupError, WorkerPoolError } from './errors.js';
import type { WorkerBackend, WorkerReply } from './protocol.js';

// How the Node pool makes its workers: worker_threads running dist/worker.js.

/** What a worker reports once its backend, model and analyzer are ready. */
export interface Ready {
  readonly backend: string;
  readonly inputShape: readonly (number | null)[];
  readonly outputsPerSample: number;
}

const require = createRequire(import.meta.url);
const SOURCE_CONDITION = '@xai-ts/source';

export function defaultBackend(): WorkerBackend {
  try {
    require.resolve('@tensorflow/tfjs-backend-wasm');
    return 'wasm';
  } catch {
    return 'cpu';
  }
}

/** dist/worker.js next to this module; from the sources (tests), the built one in ../dist. */
export function workerScript(): URL {
  for (const candidate of ['./worker.js', '../dist/worker.js']) {
    const url = new URL(candidate, import.meta.url);
    if (existsSync(fileURLToPath(url))) return url;
  }
  throw new BackendSetupError(
    `the pool's worker script is missing next to ${fileURLToPath(import.meta.url)}; build @xai-ts/backend-node (pnpm --filter @xai-ts/backend-node build)`,
  );
}

/**
 * The parent's Node flags without the workspace's `@xai-ts/source` condition: under the test runner it would make
 * the worker resolve xai-ts packages to TypeScript sources, which worker threads cannot run.
 */
export function workerExecArgv(): string[] {
  const args: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if ((a === '--conditions' || a === '-C') && argv[i + 1] === SOURCE_CONDITION) i++;
    else if (a !== `--conditions=${SOURCE_CONDITION}` && a !== `-C=${SOURCE_CONDITION}`) args.push(a);
  }
  return args;
}

export function setupUrl(entry: string | URL): string {
  if (entry instanceof URL) return entry.href;
  if (/^(file|data):/.test(entry)) return entry;
  return pathToFileURL(isAbsolute(entry) ? entry : resolve(entry)).href;
}

export function waitReady(worker: Worker, index: number): Promise<Ready> {
  return new Promise((resolve, reject) => {
    const done = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (reply: WorkerReply) => {
      if (reply.type === 'ready') {
        done();
        resolve(reply);
      } else if (reply.type === 'init-error') {
        done();
        reject(
          new WorkerPoolError(
            `worker ${index} could not start: ${reply.error.name}: ${reply.error.message}`,
            index,
            reply.error.name,
          ),
        );
      }
    };
    const onError = (e: Error) => {
      done();
      reject(new WorkerPoolError(`worker ${index} crashed while starting: ${e.message}`, index));
    };
    const onExit = (code: number) => {
      done();
      reject(new WorkerPoolError(`worker ${index} exited with code ${code} while starting`, index));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}
