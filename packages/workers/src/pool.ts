import type * as tf from '@tensorflow/tfjs';
import { checkInput, type Explanation } from '@xai-ts/base';
import { type CompositeSpec, compositeFromSpec, type LRPOptions } from '@xai-ts/lrp';
import { joinChunks, modelArtifacts, type PoolSelection, splitBatch, wireSelection } from './batch.js';
import { WorkerPoolError } from './errors.js';
import type {
  AnalyzeRequest,
  ChunkResult,
  PoolMessage,
  WorkerInit,
  WorkerReady,
  WorkerReply,
} from './protocol.js';

/**
 * How a worker failed, as the transport saw it: `reason` completes "worker 3 …" (`crashed`, `exited with code 1`,
 * `sent a message that could not be read`), `detail` is the underlying error's message, if any.
 *
 * @example
 * ```ts
 * const failure: WorkerFailure = { reason: 'crashed', detail: 'out of memory' };
 * ```
 */
export interface WorkerFailure {
  /** What happened, completing "worker 3 …". */
  readonly reason: string;
  /** The underlying error's message, if any. */
  readonly detail?: string;
}

/**
 * One worker as the pool sees it, whatever the transport (a Web Worker, a Node worker thread, a message channel):
 * {@link LRPPool} talks to its workers only through this.
 *
 * @example
 * ```ts
 * // a Web Worker as an endpoint (LRPWebWorkerPool does this for you)
 * const endpoint = (worker: Worker): WorkerEndpoint => ({
 *   postMessage: (message, transfer) => worker.postMessage(message, transfer),
 *   listen(onMessage, onFailure) {
 *     worker.addEventListener('message', (e) => onMessage(e.data));
 *     worker.addEventListener('error', (e) => onFailure({ reason: 'crashed', detail: e.message }));
 *   },
 *   terminate: () => worker.terminate(),
 * });
 * ```
 */
export interface WorkerEndpoint {
  /** Sends a message to the worker, moving the buffers of `transfer` there instead of copying them. */
  postMessage(message: PoolMessage, transfer: ArrayBuffer[]): void;
  /**
   * Called once, before the first message is sent: `onMessage` for each message the worker sends, `onFailure` when
   * the worker crashes, exits, or sends something that cannot be read.
   */
  listen(onMessage: (message: unknown) => void, onFailure: (failure: WorkerFailure) => void): void;
  /** Ends the worker. */
  terminate(): unknown;
  /**
   * Called with `true` when the worker gets work while it had none, and with `false` when it runs out of work (also
   * once when the pool has started). Node uses it to let idle workers not hold the process open.
   */
  busy?(busy: boolean): void;
}

/**
 * Options of {@link LRPPool.start}.
 *
 * @example
 * ```ts
 * const options: LRPPoolOptions = { model, composite: { preset: 'EpsilonPlus' }, workers: 2, backend: 'cpu', spawn };
 * ```
 */
export interface LRPPoolOptions {
  /** The model: a `tf.LayersModel` (saved to memory and sent to each worker) or its saved artifacts. */
  readonly model: tf.LayersModel | tf.io.ModelArtifacts;
  /** The composite as plain data (it must cross to the workers); default ZeroRule on every layer, as `new LRP(model)`. */
  readonly composite?: CompositeSpec;
  /** Options of each worker's `LRP` analyzer. */
  readonly lrp?: LRPOptions;
  /** The number of workers, a whole number ≥ 1. */
  readonly workers: number;
  /** The TF.js backend each worker sets (it must be registered in the worker). */
  readonly backend: string;
  /** Module URLs each worker imports before it loads the model (custom layers); default none. */
  readonly setup?: readonly string[];
  /** Makes worker `index` (0-based) and returns its endpoint. */
  readonly spawn: (index: number) => WorkerEndpoint;
  /** The pool's class name, for messages ("create a new …"); default `LRPPool`. */
  readonly name?: string;
}

interface Pending {
  readonly worker: number;
  resolve(result: ChunkResult): void;
  reject(error: Error): void;
}

interface Startup {
  /** Resolves worker i's start. */
  readonly ready: ((ready: WorkerReady) => void)[];
  /** Fails the whole start. */
  readonly abort: (error: WorkerPoolError) => void;
}

function describe(worker: number, failure: WorkerFailure, when = ''): string {
  return `worker ${worker} ${failure.reason}${when}${failure.detail ? `: ${failure.detail}` : ''}`;
}

function isReply(message: unknown): message is WorkerReply {
  return (
    typeof message === 'object' &&
    message !== null &&
    typeof (message as { type?: unknown }).type === 'string'
  );
}

/**
 * Explains the samples of a batch in parallel workers, each with its own TF.js backend and its own `LRP` analyzer:
 * the batch is split into one contiguous chunk per worker, and the chunks' results are put back together into one
 * {@link @xai-ts/base!Explanation}, the same as `analyze(x, new LRP(model, compositeFromSpec(composite)), selection)`
 * in one thread. The model travels to the workers as saved artifacts, the composite as a
 * {@link @xai-ts/lrp!CompositeSpec}, both in the first message each worker gets.
 *
 * This class knows workers only as {@link WorkerEndpoint}s; {@link LRPWebWorkerPool} (Web Workers) and
 * `LRPWorkerPool` of @xai-ts/backend-node (Node worker threads) make them. {@link LRPPool.start} takes any transport;
 * its workers run {@link serveLRP}.
 *
 * @example
 * ```ts
 * const pool = await LRPPool.start({ model, composite: { preset: 'EpsilonPlusFlat' }, workers: 2, backend: 'wasm', spawn });
 * const expl = await pool.analyze(x); // x: [8, 224, 224, 3]
 * await pool.close();
 * ```
 */
export class LRPPool {
  #name = 'LRPPool';
  #ready: WorkerReady = { backend: '', inputShape: [], outputsPerSample: 0 };
  #endpoints: WorkerEndpoint[] = [];
  #startup: Startup | undefined;
  readonly #pending = new Map<number, Pending>();
  #busy: number[] = [];
  #nextId = 0;
  #closed: WorkerPoolError | undefined;

  /** A pool that is not started yet: {@link LRPPool.open} starts it. */
  protected constructor() {}

  /**
   * Starts a pool over the workers `options.spawn` makes and waits until each has its backend, model and analyzer
   * ready.
   *
   * @throws {@link @xai-ts/lrp!CompositeSpecError} for a composite spec that describes no composite
   * @throws {@link WorkerPoolError} for a bad model or worker count, or when a worker cannot start: its backend, the
   *   model or the analyzer failed (`remoteName` is the class of the worker's error, for example `ModelCheckError`)
   *
   * @example
   * ```ts
   * const pool = await LRPPool.start({ model, workers: 2, backend: 'cpu', spawn: (i) => myEndpoint(i) });
   * ```
   */
  static async start(options: LRPPoolOptions): Promise<LRPPool> {
    const pool = new LRPPool();
    await pool.open(options);
    return pool;
  }

  /**
   * Starts the workers of a pool made with `new`: what {@link LRPPool.start} does, for subclasses that make their own
   * workers.
   *
   * @throws the errors of {@link LRPPool.start}
   *
   * @example
   * ```ts
   * class MyPool extends LRPPool {
   *   static async create(model: tf.LayersModel): Promise<MyPool> {
   *     const pool = new MyPool();
   *     await pool.open({ model, workers: 2, backend: 'cpu', spawn: myEndpoint, name: 'MyPool' });
   *     return pool;
   *   }
   * }
   * ```
   */
  protected async open(options: LRPPoolOptions): Promise<void> {
    if (this.#endpoints.length > 0 || this.#closed)
      throw new WorkerPoolError(`this ${this.#name} was started already`);
    this.#name = options.name ?? 'LRPPool';
    const composite = options.composite ?? { default: { rule: 'ZeroRule' } };
    compositeFromSpec(composite); // a bad spec fails here, before any worker starts
    const size = options.workers;
    if (!Number.isInteger(size) || size < 1)
      throw new WorkerPoolError(`${this.#name} needs a whole number of workers ≥ 1, got ${String(size)}`);
    const init: WorkerInit = {
      artifacts: await modelArtifacts(options.model),
      composite,
      lrp: options.lrp ?? {},
      backend: options.backend,
      setup: [...(options.setup ?? [])],
    };
    const ready: Promise<WorkerReady>[] = [];
    let abort!: Startup['abort'];
    const aborted = new Promise<never>((_, reject) => {
      abort = reject;
    });
    aborted.catch(() => {}); // raced below; a failure before the race must not count as unhandled
    const startup: Startup = { ready: [], abort };
    this.#startup = startup;
    try {
      for (let i = 0; i < size; i++) {
        ready.push(new Promise((resolve) => startup.ready.push(resolve)));
        let endpoint: WorkerEndpoint;
        try {
          endpoint = options.spawn(i);
        } catch (e) {
          throw new WorkerPoolError(`worker ${i} could not be created: ${(e as Error).message}`, i);
        }
        this.#endpoints.push(endpoint);
        this.#busy.push(0);
        endpoint.listen(
          (message) => this.#onMessage(i, message),
          (failure) => this.#onFailure(i, failure),
        );
        endpoint.postMessage({ type: 'init', init }, []);
      }
      const [first] = await Promise.race([Promise.all(ready), aborted]);
      this.#ready = first!;
    } catch (e) {
      this.#closed = e instanceof WorkerPoolError ? e : new WorkerPoolError(String(e));
      await this.#terminateAll();
      throw e;
    } finally {
      this.#startup = undefined;
    }
    for (const endpoint of this.#endpoints) endpoint.busy?.(false);
  }

  /** The backend the workers run on. */
  get backend(): string {
    return this.#ready.backend;
  }

  /** The model's input shape, batch axis included. */
  get inputShape(): readonly (number | null)[] {
    return this.#ready.inputShape;
  }

  /** The model's number of outputs per sample. */
  get outputsPerSample(): number {
    return this.#ready.outputsPerSample;
  }

  /** The number of workers. */
  get size(): number {
    return this.#endpoints.length;
  }

  /** Whether the pool is closed, by {@link LRPPool.close} or because a worker failed. */
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
   * @throws {@link @xai-ts/base!InputShapeError} / {@link @xai-ts/base!InvalidInputError} /
   *   {@link @xai-ts/base!OutputSelectionError} for a bad input or selection, before anything is sent;
   *   {@link WorkerPoolError} when the pool is closed or a worker fails
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
    const chunks = splitBatch(n, this.#endpoints.length);
    const results = await Promise.all(
      chunks.map(([from, to], worker) => {
        const chunk = data.slice(from * perSample, to * perSample);
        return this.#request(
          worker,
          {
            type: 'analyze',
            id: this.#nextId++,
            data: chunk,
            shape: [to - from, ...x.shape.slice(1)],
            selection: wired === null || typeof wired === 'number' ? wired : wired.slice(from, to),
          },
          chunk.buffer as ArrayBuffer,
        );
      }),
    );
    return joinChunks(x, chunks, results);
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
    if (!this.#closed) this.#shutDown(new WorkerPoolError(`the pool is closed; create a new ${this.#name}`));
    await this.#terminateAll();
  }

  #assertOpen(): void {
    if (this.#closed) throw this.#closed;
  }

  async #terminateAll(): Promise<void> {
    await Promise.all(
      this.#endpoints.map(async (endpoint) => {
        try {
          await endpoint.terminate();
        } catch {
          // already gone
        }
      }),
    );
  }

  #request(worker: number, request: AnalyzeRequest, transfer: ArrayBuffer): Promise<ChunkResult> {
    return new Promise((resolve, reject) => {
      this.#pending.set(request.id, { worker, resolve, reject });
      if (this.#busy[worker]!++ === 0) this.#endpoints[worker]!.busy?.(true);
      try {
        this.#endpoints[worker]!.postMessage(request, [transfer]);
      } catch (e) {
        this.#settle(request.id);
        reject(
          new WorkerPoolError(
            `worker ${worker}: the request could not be sent: ${(e as Error).message}`,
            worker,
          ),
        );
      }
    });
  }

  #settle(id: number): Pending | undefined {
    const pending = this.#pending.get(id);
    if (!pending) return undefined;
    this.#pending.delete(id);
    if (--this.#busy[pending.worker]! === 0) this.#endpoints[pending.worker]!.busy?.(false);
    return pending;
  }

  #onMessage(worker: number, message: unknown): void {
    if (!isReply(message)) return;
    if (message.type === 'ready') {
      this.#startup?.ready[worker]?.({
        backend: message.backend,
        inputShape: message.inputShape,
        outputsPerSample: message.outputsPerSample,
      });
    } else if (message.type === 'init-error') {
      this.#startup?.abort(
        new WorkerPoolError(
          `worker ${worker} could not start: ${message.error.name}: ${message.error.message}`,
          worker,
          message.error.name,
        ),
      );
    } else if (message.type === 'result') {
      this.#settle(message.id)?.resolve(message);
    } else if (message.type === 'error') {
      this.#settle(message.id)?.reject(
        new WorkerPoolError(
          `worker ${worker}: ${message.error.name}: ${message.error.message}`,
          worker,
          message.error.name,
        ),
      );
    }
  }

  /** A worker failed: while starting, the start fails; later the pool cannot answer for its chunks, so it closes. */
  #onFailure(worker: number, failure: WorkerFailure): void {
    if (this.#startup) {
      this.#startup.abort(new WorkerPoolError(describe(worker, failure, ' while starting'), worker));
      return;
    }
    if (this.#closed) return;
    this.#shutDown(
      new WorkerPoolError(
        `${describe(worker, failure)}; the pool is closed, create a new ${this.#name}`,
        worker,
      ),
    );
    void this.#terminateAll();
  }

  #shutDown(reason: WorkerPoolError): void {
    this.#closed = reason;
    for (const id of [...this.#pending.keys()]) this.#settle(id)?.reject(reason);
  }
}
