import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { BackendSetupError } from './errors.js';
import { enableWasmThreads } from './threads.js';

/**
 * The backends {@link selectBackend} knows: libtensorflow (tfjs-node), WebAssembly, pure JavaScript.
 *
 * @example
 * ```ts
 * const order: BackendName[] = ['wasm', 'cpu'];
 * ```
 */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** Options of {@link selectBackend}. */
export interface SelectBackendOptions {
  /** The backends to try, in order; default `['tensorflow', 'wasm', 'cpu']`. */
  readonly prefer?: readonly BackendName[];
  /**
   * Threads for the wasm backend: a count (1 to 8), or `false` for one thread; default the machine's available
   * parallelism (at most 8). If the threaded build fails to start, the single-threaded one is used.
   */
  readonly threads?: number | false;
}

const ORDER: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];
// Packages the user may install; never dependencies of xai-ts (they download libtensorflow when installed).
const TFJS_NODE = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

async function tryImport(specifier: string): Promise<boolean> {
  try {
    await import(specifier);
    return true;
  } catch {
    return false;
  }
}

async function tryTensorflow(): Promise<boolean> {
  for (const pkg of TFJS_NODE)
    if ((await tryImport(pkg)) && tf.findBackendFactory('tensorflow') !== null)
      return tf.setBackend('tensorflow');
  return false;
}

async function tryWasm(threads: number | false): Promise<boolean> {
  const wasm = (await import('@tensorflow/tfjs-backend-wasm').catch(() => null)) as {
    setThreadsCount(n: number): void;
  } | null;
  if (!wasm) return false;
  if (threads !== false && threads > 1)
    try {
      await enableWasmThreads(threads);
      return true;
    } catch (e) {
      // Already started (its thread count is then fixed) or the threaded build failed: one thread will do.
      if (!(e instanceof BackendSetupError)) throw e;
    }
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  wasm.setThreadsCount(1);
  return tf.setBackend('wasm');
}

/**
 * Makes the fastest installed backend the TF.js backend and returns its name: `tensorflow` if the user installed
 * @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node (xai-ts never depends on them), else `wasm` (multi-threaded
 * where it starts, see {@link enableWasmThreads}) if @tensorflow/tfjs-backend-wasm is installed, else `cpu`.
 *
 * @throws {@link BackendSetupError} when none of the preferred backends starts
 *
 * @example
 * ```ts
 * import { selectBackend } from '@xai-ts/backend-node';
 * const name = await selectBackend(); // 'tensorflow' | 'wasm' | 'cpu'
 * await selectBackend({ prefer: ['wasm', 'cpu'], threads: 2 });
 * ```
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendName> {
  const prefer = options.prefer ?? ORDER;
  for (const name of prefer)
    if (!ORDER.includes(name))
      throw new BackendSetupError(
        `unknown backend "${String(name)}"; selectBackend knows ${ORDER.join(', ')}`,
      );
  const threads = options.threads ?? Math.min(os.availableParallelism(), 8);
  for (const name of prefer) {
    const started =
      name === 'tensorflow'
        ? await tryTensorflow()
        : name === 'wasm'
          ? await tryWasm(threads)
          : await tf.setBackend('cpu');
    if (started) {
      await tf.ready();
      return name;
    }
  }
  throw new BackendSetupError(
    `none of the backends ${prefer.join(', ')} could start; install @tensorflow/tfjs-backend-wasm, or include "cpu"`,
  );
}
