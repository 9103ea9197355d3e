import type * as tf from '@tensorflow/tfjs';
import type { CompositeSpec, LRPOptions } from '@xai-ts/lrp';
import { WorkerPoolError } from './errors.js';
import { LRPPool, type WorkerEndpoint } from './pool.js';
import { type ServedLRP, type ServeLRPOptions, serveLRP } from './serve.js';

// Web Workers as pool workers: the browser's transport for LRPPool and serveLRP.

/**
 * The backends a Web Worker of an {@link LRPWebWorkerPool} can run on; the worker's script must register it
 * (`import '@tensorflow/tfjs-backend-wasm'` for `wasm`; `webgl` needs `OffscreenCanvas`).
 *
 * @example
 * ```ts
 * const backend: WebWorkerBackend = 'wasm';
 * ```
 */
export type WebWorkerBackend = 'wasm' | 'webgl' | 'webgpu' | 'cpu';

/**
 * What the pool needs of a Web Worker: what the browser's `Worker` has (and any stand-in with the same methods).
 *
 * @example
 * ```ts
 * const worker: WebWorkerLike = new Worker(new URL('./lrp-worker.js', import.meta.url), { type: 'module' });
 * ```
 */
export interface WebWorkerLike {
  /** Sends a message, moving the buffers of `transfer`. */
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
  /** Listens to the worker's `message`, `messageerror` and `error` events. */
  addEventListener(
    type: 'message' | 'messageerror' | 'error',
    listener: (event: WebWorkerEvent) => void,
  ): void;
  /** Ends the worker at once. */
  terminate(): void;
}

/**
 * The parts of a worker's events the pool reads: a `MessageEvent`'s `data`, an `ErrorEvent`'s `message`.
 *
 * @example
 * ```ts
 * worker.addEventListener('error', (event: WebWorkerEvent) => console.error(event.message));
 * ```
 */
export interface WebWorkerEvent {
  /** A message's data. */
  readonly data?: unknown;
  /** An error's message. */
  readonly message?: string;
  /** Keeps an error from being reported as uncaught in the page as well. */
  preventDefault(): void;
}

/**
 * Options of {@link LRPWebWorkerPool.create}.
 *
 * @example
 * ```ts
 * const options: LRPWebWorkerPoolOptions = {
 *   model,
 *   composite: { preset: 'EpsilonPlusFlat' },
 *   createWorker: () => new Worker(new URL('./lrp-worker.js', import.meta.url), { type: 'module' }),
 * };
 * ```
 */
export interface LRPWebWorkerPoolOptions {
  /** The model: a `tf.LayersModel` (saved to memory and sent to each worker) or its saved artifacts. */
  readonly model: tf.LayersModel | tf.io.ModelArtifacts;
  /** The composite as plain data (it must cross to the workers); default ZeroRule on every layer, as `new LRP(model)`. */
  readonly composite?: CompositeSpec;
  /** Options of each worker's `LRP` analyzer. */
  readonly lrp?: LRPOptions;
  /** The number of workers; default `navigator.hardwareConcurrency` (1 where it is unknown). */
  readonly workers?: number;
  /** Each worker's backend, which its script must register; default `wasm`. */
  readonly backend?: WebWorkerBackend;
  /**
   * Makes worker `index` (0-based): a module worker whose script calls {@link serveLRPWorker}, such as
   * `() => new Worker(new URL('./lrp-worker.js', import.meta.url), { type: 'module' })`.
   */
  readonly createWorker: (index: number) => WebWorkerLike;
}

/** A Web Worker as a pool endpoint. */
function webEndpoint(worker: WebWorkerLike): WorkerEndpoint {
  return {
    postMessage: (message, transfer) => worker.postMessage(message, transfer),
    listen(onMessage, onFailure) {
      worker.addEventListener('message', (event) => onMessage(event.data));
      worker.addEventListener('messageerror', () =>
        onFailure({ reason: 'sent a message that could not be read' }),
      );
      worker.addEventListener('error', (event) => {
        event.preventDefault();
        onFailure({
          reason: 'crashed',
          // A script that does not load raises an error event without a message.
          detail:
            event.message ||
            "its script failed to load or threw before it could say why (see the browser console); check createWorker's URL and the worker's imports",
        });
      });
    },
    terminate: () => worker.terminate(),
  };
}

function defaultWorkers(): number {
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator
    ?.hardwareConcurrency;
  return typeof cores === 'number' && cores >= 1 ? cores : 1;
}

/**
 * An {@link LRPPool} of Web Workers: the samples of a batch explained in parallel in the browser, each worker with
 * its own TF.js backend (`wasm` by default) and its own `LRP` analyzer, the results joined into one
 * {@link @xai-ts/base!Explanation} equal to `analyze(x, new LRP(model, compositeFromSpec(composite)), selection)` on
 * the page. Each worker runs a script of yours that imports its backend (and custom layers) and calls
 * {@link serveLRPWorker}; the model's artifacts and the composite spec reach it in its first message.
 *
 * @example
 * ```ts
 * // main thread
 * const pool = await LRPWebWorkerPool.create({
 *   model,
 *   composite: { preset: 'EpsilonPlusFlat' },
 *   workers: navigator.hardwareConcurrency,
 *   createWorker: () => new Worker(new URL('./lrp-worker.js', import.meta.url), { type: 'module' }),
 * });
 * const expl = await pool.analyze(x, 919);
 * await pool.close();
 *
 * // lrp-worker.js
 * import '@tensorflow/tfjs-backend-wasm';
 * import { serveLRPWorker } from '@xai-ts/workers';
 * serveLRPWorker();
 * ```
 */
export class LRPWebWorkerPool extends LRPPool {
  private constructor() {
    super();
  }

  /**
   * Starts the workers and waits until each has its backend, model and analyzer ready.
   *
   * @throws {@link @xai-ts/lrp!CompositeSpecError} for a composite spec that describes no composite
   * @throws {@link WorkerPoolError} for a bad model or worker count, or when a worker cannot start: its script did
   *   not load, its backend is not registered or failed, or the model or the analyzer failed (`remoteName` is the
   *   class of the worker's error, for example `ModelCheckError` or `CompositeError`)
   *
   * @example
   * ```ts
   * const pool = await LRPWebWorkerPool.create({ model, workers: 2, backend: 'cpu', createWorker: () => new Worker(url, { type: 'module' }) });
   * ```
   */
  static async create(options: LRPWebWorkerPoolOptions): Promise<LRPWebWorkerPool> {
    const pool = new LRPWebWorkerPool();
    await pool.open({
      model: options.model,
      ...(options.composite === undefined ? {} : { composite: options.composite }),
      ...(options.lrp === undefined ? {} : { lrp: options.lrp }),
      workers: options.workers ?? defaultWorkers(),
      backend: options.backend ?? 'wasm',
      spawn: (index) => webEndpoint(options.createWorker(index)),
      name: 'LRPWebWorkerPool',
    });
    return pool;
  }
}

interface WorkerScope {
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

/**
 * Makes the Web Worker it runs in a worker of an {@link LRPWebWorkerPool} ({@link serveLRP} over the worker's global
 * scope). Call it in the worker's script after importing the backend and any custom layers.
 *
 * @param options - a hook to run before the backend is set
 * @throws {@link WorkerPoolError} outside a Web Worker
 *
 * @example
 * ```ts
 * // lrp-worker.ts
 * import '@tensorflow/tfjs-backend-wasm';
 * import { serveLRPWorker } from '@xai-ts/workers';
 * serveLRPWorker();
 * ```
 */
export function serveLRPWorker(options: ServeLRPOptions = {}): ServedLRP {
  const scope = globalThis as unknown as WorkerScope & { WorkerGlobalScope?: abstract new () => unknown };
  if (typeof scope.WorkerGlobalScope !== 'function' || !(scope instanceof scope.WorkerGlobalScope))
    throw new WorkerPoolError(
      'serveLRPWorker() runs inside a Web Worker (the script given to createWorker of LRPWebWorkerPool); elsewhere, call serveLRP with a port of your own',
    );
  return serveLRP(
    {
      postMessage: (message, transfer) => scope.postMessage(message, transfer),
      listen: (onMessage) => scope.addEventListener('message', (event) => onMessage(event.data)),
    },
    options,
  );
}
