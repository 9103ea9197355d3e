import os from 'node:os';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { checkInput, Explanation } from '@xai-ts/base';
import { type CompositeSpec, compositeFromSpec, type LRPOptions } from '@xai-ts/lrp';
import { type PoolSelection, splitBatch, toArtifacts, wireSelection } from './batch.js';
import { BackendSetupError, WorkerPoolError } from './errors.js';
import type { AnalyzeRequest, WorkerBackend, WorkerInit, WorkerReply } from './protocol.js';
import { defaultBackend, type Ready, setupUrl, waitReady, workerExecArgv, workerScript } from './spawn.js';

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
   * registered (`tf.serialization.registerClass`, `registerLayer` of @xai-ts/lrp).
   */
  readonly setup?: readonly (string | URL)[];
}

interface Pending {
  readonly worker: number;
  resolve(reply: Extract<WorkerReply, { type: 'result' }>): void;
  reject(error: Error): void;
}

/**
 * Explains the samples of a batch in parallel: the batch is split into one chunk per worker, each worker (a Node
 * worker thread with its own TF.js backend and its own `LRP` analyzer) explains its chunk, and the results are put
 * back together into one {@link Explanation}, the same as `analyze(x, new LRP(model, composite), selection)` in one
 * thread. The model travels to the workers as saved artifacts, the composite as a {@link CompositeSpec}. Idle
 * workers do not keep the process alive; {@link LRPWorkerPool.close} ends them.
 *
 * @example
 * ```ts
 * const pool = await LRPWorkerPool.create({ model, composite: { preset: 'EpsilonPlusFlat' }, workers: 2 });
 * const expl = await pool.analyze(x); // x: [8, 224, 224, 3]
 * await pool.close();
 * ```
 */
export class LRPWorkerPool {
  /** The backend the workers run on. */
  readonly backend: string;
  /** The model's input shape, batch axis included. */
  readonly inputShape: readonly (number | null)[];
  /** The model's number of outputs per sample. */
  readonly outputsPerSample: number;
  readonly #workers: Worker[];
  readonly #pending = new Map<number, Pending>();
  readonly #busy: number[];
  #nextId = 0;
  #closed: WorkerPoolError | undefined;

  private constructor(workers: Worker[], ready: Ready) {
    this.#workers = workers;
    this.#busy = workers.map(() => 0);
    this.backend = ready.backend;
    this.inputShape = ready.inputShape;
    this.outputsPerSample = ready.outputsPerSample;
    workers.forEach((w, i) => {
      w.on('message', (reply: WorkerReply) => this.#onReply(i, reply));
      w.on('error', (e) => this.#fail(new WorkerPoolError(`worker ${i} crashed: ${e.message}`, i)));
      w.on('messageerror', (e) =>
        this.#fail(new WorkerPoolError(`worker ${i} sent a message that could not be read: ${e.message}`, i)),
      );
      w.on('exit', (code) => this.#fail(new WorkerPoolError(`worker ${i} exited with code ${code}`, i)));
      w.unref();
    });
  }

  /**
   * Starts the workers and waits until each has its backend, model and analyzer ready.
   *
   * @throws {@link CompositeSpecError} for a composite spec that describes no composite
   * @throws {@link WorkerPoolError} when a worker cannot start: its backend, the model or the analyzer failed
   *   (`remoteName` is the class of the worker's error, for example `ModelCheckError` or `CompositeError`)
   *
   * @example
   * ```ts
   * const pool = await LRPWorkerPool.create({ model, composite: { preset: 'EpsilonGammaBox', options: { low: -3, high: 3 } } });
   * ```
   */
  static async create(options: LRPWorkerPoolOptions): Promise<LRPWorkerPool> {
    const composite = options.composite ?? { default: { rule: 'ZeroRule' } };
    compositeFromSpec(composite); // a bad spec fails here, before any worker starts
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
    const init: WorkerInit = {
      artifacts: await toArtifacts(options.model),
      composite,
      lrp: options.lrp ?? {},
      backend,
      setup: (options.setup ?? []).map(setupUrl),
    };
    const script = workerScript();
    const execArgv = workerExecArgv();
    const workers: Worker[] = [];
    try {
      const ready = await Promise.all(
        Array.from({ length: size }, (_, i) => {
          const w = new Worker(script, { workerData: init, execArgv });
          workers.push(w);
          return waitReady(w, i);
        }),
      );
      return new LRPWorkerPool(workers, ready[0]!);
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw e;
    }
  }

  /** The number of workers. */
  get size(): number {
    return this.#workers.length;
  }

  /** Whether the pool is closed, by {@link LRPWorkerPool.close} or because a worker failed. */
  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /**
   * Explains `x` as `analyze(x, lrp, selection)` does, its samples split across the workers.
   *
   * @param x - a batch-first float32 tensor fitting the model; not disposed
   * @param selection - omitted: each sample's largest output; a number: that output for every sample; an array: one
   *   per sample; or an IndexSelector / MaxActivationSelector (custom selectors cannot be sent to workers)
   * @returns the explanation (`val`, `output`, `outputSelection`), owned by the caller: dispose it when done
   * @throws {@link @xai-ts/base!InputShapeError} / {@link @xai-ts/base!InvalidInputError} / {@link @xai-ts/base!OutputSelectionError} for a bad input or
   *   selection, {@link WorkerPoolError} when the pool is closed or a worker fails
   *
   * @example
   * ```ts
   * const expl = await pool.analyze(x, [3, 7]);
   * ```
   */
  async analyze(x: tf.Tensor, selection?: PoolSelection): Promise<Explanation> {
    this.#assertOpen();
    checkInput(x, this.inputShape);
    const n = x.shape[0]!;
    const wired = wireSelection(selection, n, this.outputsPerSample);
    const perSample = x.size / n;
    const data = (await x.data()) as Float32Array;
    this.#assertOpen();
    const chunks = splitBatch(n, this.#workers.length);
    const replies = await Promise.all(
      chunks.map(([from, to], w) =>
        this.#request(w, {
          type: 'analyze',
          id: this.#nextId++,
          data: data.slice(from * perSample, to * perSample),
          shape: [to - from, ...x.shape.slice(1)],
          selection: wired === null || typeof wired === 'number' ? wired : wired.slice(from, to),
        }),
      ),
    );
    const outShape = [n, ...replies[0]!.outputShape.slice(1)];
    const val = new Float32Array(x.size);
    const output = new Float32Array(outShape.reduce((a, b) => a * b, 1));
    const outputSelection: number[] = [];
    replies.forEach((r, w) => {
      const from = chunks[w]![0];
      val.set(r.val, from * perSample);
      output.set(r.output, (from * output.length) / n);
      outputSelection.push(...r.selection);
    });
    return new Explanation({
      val: tf.tensor(val, x.shape),
      input: x,
      output: tf.tensor(output, outShape),
      outputSelection,
      analyzer: 'LRP',
      heatmap: 'attribution',
    });
  }

  /**
   * Ends the workers. Pending `analyze()` calls reject with a {@link WorkerPoolError}; later ones too. Calling it
   * again does nothing.
   *
   * @example
   * ```ts
   * await pool.close();
   * ```
   */
  async close(): Promise<void> {
    if (!this.#closed) this.#shutDown(new WorkerPoolError('the pool is closed; create a new LRPWorkerPool'));
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }

  #assertOpen(): void {
    if (this.#closed) throw this.#closed;
  }

  #request(worker: number, request: AnalyzeRequest): Promise<Extract<WorkerReply, { type: 'result' }>> {
    return new Promise((resolve, reject) => {
      this.#pending.set(request.id, { worker, resolve, reject });
      if (this.#busy[worker]!++ === 0) this.#workers[worker]!.ref();
      this.#workers[worker]!.postMessage(request, [request.data.buffer as ArrayBuffer]);
    });
  }

  #settle(id: number): Pending | undefined {
    const pending = this.#pending.get(id);
    if (!pending) return undefined;
    this.#pending.delete(id);
    if (--this.#busy[pending.worker]! === 0) this.#workers[pending.worker]!.unref();
    return pending;
  }

  #onReply(worker: number, reply: WorkerReply): void {
    if (reply.type === 'result') this.#settle(reply.id)?.resolve(reply);
    else if (reply.type === 'error')
      this.#settle(reply.id)?.reject(
        new WorkerPoolError(
          `worker ${worker}: ${reply.error.name}: ${reply.error.message}`,
          worker,
          reply.error.name,
        ),
      );
  }

  /** A worker failed: the pool cannot answer for its chunks any more, so it closes. */
  #fail(error: WorkerPoolError): void {
    if (this.#closed) return;
    this.#shutDown(
      new WorkerPoolError(`${error.message}; the pool is closed, create a new LRPWorkerPool`, error.worker),
    );
    for (const w of this.#workers) void w.terminate();
  }

  #shutDown(reason: WorkerPoolError): void {
    this.#closed = reason;
    for (const id of [...this.#pending.keys()]) this.#settle(id)?.reject(reason);
  }
}
