import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Worker } from 'node:worker_threads';
import type { WorkerEndpoint } from '@xai-ts/workers';
import { BackendSetupError } from './errors.js';

// How the Node pool makes its workers: worker_threads running dist/worker.js, as endpoints of @xai-ts/workers' pool.

/**
 * The backends a pool worker can run on.
 *
 * @example
 * ```ts
 * const backend: WorkerBackend = 'wasm';
 * ```
 */
export type WorkerBackend = 'wasm' | 'cpu';

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

/**
 * A worker thread as a pool endpoint. Idle workers are unref'd, so that they do not keep the process alive; a
 * worker is ref'd while it has work.
 */
export function nodeEndpoint(worker: Worker): WorkerEndpoint {
  return {
    postMessage: (message, transfer) => worker.postMessage(message, transfer),
    listen(onMessage, onFailure) {
      worker.on('message', onMessage);
      worker.on('error', (e) => onFailure({ reason: 'crashed', detail: e.message }));
      worker.on('messageerror', (e) =>
        onFailure({ reason: 'sent a message that could not be read', detail: e.message }),
      );
      worker.on('exit', (code) => onFailure({ reason: `exited with code ${code}` }));
    },
    terminate: () => worker.terminate(),
    busy: (busy) => (busy ? worker.ref() : worker.unref()),
  };
}
