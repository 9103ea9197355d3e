import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { Worker as NodeWorker, type WorkerOptions } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { BackendSetupError } from './errors.js';

/*
 * Why TF.js 4.22's threaded wasm build fails in Node, and how this file makes it run without patching it
 * (docs/backends-performance.md has the long version):
 *
 * 1. `WASM_HAS_MULTITHREAD_SUPPORT` returns false whenever `IS_NODE` (dist/flags_wasm.js), so the threaded binary
 *    is never chosen. The flag can be set to true before the backend initialises.
 * 2. The backend's `locateFile` (dist/backend_wasm.js, init()) answers emscripten's request for
 *    `tfjs-backend-wasm-threaded-simd.worker.js` with `URL.createObjectURL(blob)`, and emscripten's
 *    `PThread.allocateUnusedWorker` (dist/tf-backend-wasm.node.js:8145) passes that `blob:nodedata:` string to
 *    `new Worker(...)`. Node's worker_threads accept only file paths and file:/data: URL objects: ERR_WORKER_PATH.
 *    emscripten looks `Worker` up on globalThis, after assigning worker_threads' Worker there, so an accessor on
 *    globalThis.Worker can hand it a subclass that starts the same worker code with `eval: true`.
 * 3. The worker then loads the main script from `mainScriptUrlOrBlob`, a Blob of the node bundle's factory source:
 *    it makes a blob: URL of it and reads that with fs.readFileSync (ENOENT); the source would also refer to
 *    bundle-scope variables (`require$$0`, `commonjsGlobal`, tslib helpers) the worker lacks. The subclass swaps the
 *    Blob for the path of the self-contained `wasm-out/tfjs-backend-wasm-threaded-simd.js`.
 * 4. The C++ side caps the pool at `emscripten_num_logical_cores() / 2` (its guess at hyper-threading), computed
 *    from `os.cpus().length` when the module starts; on a 2-core machine that is 1 thread. `os.cpus` reports more
 *    entries while the backend starts, so the cap becomes the thread count asked for.
 * 5. emscripten `ref()`s a worker while its pthread runs; XNNPACK's pool threads run for ever, which would keep
 *    Node from exiting. Pool threads only work while the main thread blocks on them, so `ref()` is a no-op.
 */

const require = createRequire(import.meta.url);
const MAX_WASM_THREADS = 8; // the build pre-creates 8 pthread workers and caps XNNPACK's pool there

interface ThreadedWasmFiles {
  /** The emscripten pthread worker source (tfjs ships it as a JS string). */
  workerSource: string;
  /** The self-contained emscripten factory script the pthread workers evaluate. */
  mainScript: string;
}

let files: ThreadedWasmFiles | undefined;

function threadedWasmFiles(): ThreadedWasmFiles {
  if (files) return files;
  const entry = require.resolve('@tensorflow/tfjs-backend-wasm');
  const wasmOut = join(dirname(entry), '..', 'wasm-out');
  const workerModule = require(join(wasmOut, 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
    wasmWorkerContents?: unknown;
  };
  if (typeof workerModule.wasmWorkerContents !== 'string')
    throw new BackendSetupError(
      `@tensorflow/tfjs-backend-wasm at ${wasmOut} does not ship the pthread worker source this helper expects (written for 4.22); use the single-threaded wasm backend`,
    );
  // The string was a template literal: its "\n" escapes became real newlines inside string literals.
  files = {
    workerSource: workerModule.wasmWorkerContents.replace(/\n/g, '\\n'),
    mainScript: join(wasmOut, 'tfjs-backend-wasm-threaded-simd.js'),
  };
  return files;
}

interface LoadMessage {
  cmd: 'load';
  urlOrBlob: unknown;
}

function isLoadMessage(value: unknown): value is LoadMessage {
  return typeof value === 'object' && value !== null && (value as { cmd?: unknown }).cmd === 'load';
}

/** worker_threads' Worker, able to start emscripten's pthread workers from the blob: URLs the wasm backend makes. */
class PthreadWorker extends NodeWorker {
  constructor(script: string | URL, options?: WorkerOptions) {
    if (typeof script === 'string' && script.startsWith('blob:')) {
      URL.revokeObjectURL(script);
      // No inherited flags: `--input-type=module` would make the (CommonJS) worker source an ES module.
      super(threadedWasmFiles().workerSource, { eval: true, execArgv: [] });
    } else super(script, options);
  }

  override postMessage(message: unknown, transfer?: Parameters<NodeWorker['postMessage']>[1]): void {
    if (isLoadMessage(message) && typeof message.urlOrBlob !== 'string')
      super.postMessage({ ...message, urlOrBlob: threadedWasmFiles().mainScript }, transfer);
    else super.postMessage(message, transfer);
  }

  override ref(): void {
    // Pool threads must not keep the process alive (see the note at the top of this file).
  }
}

let shimInstalled = false;

function installWorkerShim(): void {
  if (shimInstalled) return;
  const existing = Object.getOwnPropertyDescriptor(globalThis, 'Worker');
  if (existing && !existing.configurable)
    throw new BackendSetupError(
      'globalThis.Worker is defined and not configurable, so the wasm backend cannot be given Node-compatible pthread workers; use the single-threaded wasm backend',
    );
  Object.defineProperty(globalThis, 'Worker', {
    configurable: true,
    enumerable: false,
    get: () => PthreadWorker,
    set(value: unknown) {
      // emscripten assigns worker_threads' Worker here on start; anyone else gets what they assign.
      if (value === NodeWorker) return;
      Object.defineProperty(globalThis, 'Worker', { configurable: true, writable: true, value });
    },
  });
  shimInstalled = true;
}

interface WasmModule {
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
}

async function importWasm(): Promise<WasmModule> {
  try {
    return (await import('@tensorflow/tfjs-backend-wasm')) as WasmModule;
  } catch (cause) {
    throw new BackendSetupError(
      `the wasm backend is not installed (${(cause as Error).message}); add @tensorflow/tfjs-backend-wasm@4.22.0 to your dependencies`,
    );
  }
}

/** Whether the wasm backend has started (its thread count is then fixed); `tf.findBackend` would start it. */
function wasmStarted(wasm: WasmModule): boolean {
  if ('wasm' in tf.engine().registry) return true;
  try {
    wasm.getThreadsCount();
    return true;
  } catch {
    return false;
  }
}

/** What {@link enableWasmThreads} set up. */
export interface WasmThreadsResult {
  /** The threads XNNPACK's pool runs with, the calling thread included. */
  readonly threads: number;
  /** The threads asked for. */
  readonly requested: number;
}

/**
 * Makes `wasm` the TF.js backend, running its XNNPACK kernels on `threads` threads (the calling thread included).
 * TF.js 4.22 never starts its threaded build in Node; this sets it up without patching the package (see
 * docs/backends-performance.md). Call it before anything initialises the wasm backend; it throws a
 * {@link BackendSetupError} if the backend already runs. Threads help convolutions and matrix products; they pay
 * off when cores are idle (on a busy 2-core machine, measure first).
 *
 * @param threads - the thread count, 1 to 8; default the machine's available parallelism, at most 8
 * @returns the thread count the backend reports, and the one asked for
 *
 * @example
 * ```ts
 * import { enableWasmThreads } from '@xai-ts/backend-node';
 * const { threads } = await enableWasmThreads(4); // tf.getBackend() === 'wasm'
 * ```
 */
export async function enableWasmThreads(threads?: number): Promise<WasmThreadsResult> {
  const requested = threads ?? Math.min(os.availableParallelism(), MAX_WASM_THREADS);
  if (!Number.isInteger(requested) || requested < 1 || requested > MAX_WASM_THREADS)
    throw new BackendSetupError(
      `enableWasmThreads needs an integer thread count from 1 to ${MAX_WASM_THREADS} (the threaded wasm build pre-creates ${MAX_WASM_THREADS} workers), got ${threads}`,
    );
  const wasm = await importWasm();
  if (wasmStarted(wasm))
    throw new BackendSetupError(
      'the wasm backend is already initialised, so its thread count is fixed; call enableWasmThreads() before tf.setBackend("wasm"), tf.ready() or selectBackend()',
    );
  if (requested > 1) {
    threadedWasmFiles();
    installWorkerShim();
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  }
  wasm.setThreadsCount(requested);
  const realCpus = os.cpus;
  const cores = realCpus();
  const shown = Array.from(
    { length: Math.max(cores.length, 2 * requested) },
    (_, i) => cores[i % cores.length]!,
  );
  os.cpus = () => shown;
  let ok: boolean;
  try {
    ok = await tf.setBackend('wasm');
  } finally {
    os.cpus = realCpus;
  }
  if (!ok)
    throw new BackendSetupError(
      `the wasm backend failed to start with ${requested} thread${requested === 1 ? '' : 's'} (TF.js logged the cause above); use tf.setBackend("cpu") or the single-threaded wasm backend`,
    );
  return { threads: wasm.getThreadsCount(), requested };
}
