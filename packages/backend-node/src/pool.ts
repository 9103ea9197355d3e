import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type * as tf from '@tensorflow/tfjs';
import type { CompositeSpec, LRPOptions } from '@xai-ts/lrp';
import { LRPPool } from '@xai-ts/workers';
import { BackendSetupError } from './errors.js';
import {
  defaultBackend,
  nodeEndpoint,
  setupUrl,
  type WorkerBackend,
  workerExecArgv,
  workerScript,
} from './spawn.js';

/** Options of {@link LRPWorkerPool.create}. */
export interface LRPWorkerPoolOptions {
  /** The model: a `tf.LayersModel` (saved to memory and sent to each worker) or its saved artifacts. */
  readonly model: tf.LayersModel | tf.io.ModelArtifacts;
  /** The composite as plain data (it must cross to the workers); default ZeroRule on every layer, as `new LRP(model)`. */
  readonly composite?: CompositeSpec;
  /** Options of each worker's `LRP` analyzer. */
  readonly lrp?: LRPOptions;
  /** The number of workers; default the machine's available parallelism. */
  readonly workers?: number;
  /** Each worker's backend; default `wasm` where @tensorflow/tfjs-backend-wasm is installed, else `cpu`. */
  readonly backend?: WorkerBackend;
  /**
   * Modules each worker imports before it loads the model, as paths or file: URLs: where custom layers are
   * registered (`tf.serialization.registerClass`, `registerLayerKind`, `registerRule` and
   * `registerPreset` of @xai-ts/lrp), so that the composite spec can name custom rules.
   */
  readonly setup?: readonly (string | URL)[];
}

/**
 * Explains the samples of a batch in parallel: the batch is split into one chunk per worker, each worker (a Node
 * worker thread with its own TF.js backend and its own `LRP` analyzer) explains its chunk, and the results are put
 * back together into one {@link @xai-ts/base!Explanation}, the same as `analyze(x, new LRP(model, composite), selection)` in one
 * thread. The model travels to the workers as saved artifacts, the composite as a {@link @xai-ts/lrp!CompositeSpec}. Idle
 * workers do not keep the process alive; {@link LRPWorkerPool.close} ends them. The pool itself is
 * {@link @xai-ts/workers!LRPPool} of @xai-ts/workers, which runs Web Workers in browsers the same way.
 *
 * @example
 * ```ts
 * const pool = await LRPWorkerPool.create({ model, composite: { preset: 'EpsilonPlusFlat' }, workers: 2 });
 * const expl = await pool.analyze(x); // x: [8, 224, 224, 3]
 * await pool.close();
 * ```
 */
export class LRPWorkerPool extends LRPPool {
  private constructor() {
    super();
  }

  /**
   * Starts the workers and waits until each has its backend, model and analyzer ready.
   *
   * @throws {@link @xai-ts/lrp!CompositeSpecError} for a composite spec that describes no composite
   * @throws {@link BackendSetupError} for a worker count or backend the pool cannot use
   * @throws {@link @xai-ts/workers!WorkerPoolError} when a worker cannot start: its backend, the model or the analyzer failed
   *   (`remoteName` is the class of the worker's error, for example `ModelCheckError` or `CompositeError`)
   *
   * @example
   * ```ts
   * const pool = await LRPWorkerPool.create({ model, composite: { preset: 'EpsilonGammaBox', options: { low: -3, high: 3 } } });
   * ```
   */
  static async create(options: LRPWorkerPoolOptions): Promise<LRPWorkerPool> {
    const size = options.workers ?? os.availableParallelism();
    if (!Number.isInteger(size) || size < 1)
      throw new BackendSetupError(
        `LRPWorkerPool needs a whole number of workers ≥ 1, got ${options.workers}`,
      );
    const backend = options.backend ?? defaultBackend();
    if (backend !== 'wasm' && backend !== 'cpu')
      throw new BackendSetupError(
        `LRPWorkerPool runs its workers on "wasm" or "cpu", not "${String(backend)}"`,
      );
    const script = workerScript();
    const execArgv = workerExecArgv();
    const pool = new LRPWorkerPool();
    await pool.open({
      model: options.model,
      ...(options.composite === undefined ? {} : { composite: options.composite }),
      ...(options.lrp === undefined ? {} : { lrp: options.lrp }),
      workers: size,
      backend,
      setup: (options.setup ?? []).map(setupUrl),
      spawn: () => nodeEndpoint(new Worker(script, { execArgv })),
      name: 'LRPWorkerPool',
    });
    return pool;
  }
}
