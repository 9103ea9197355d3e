import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import {
  checkInput,
  Explanation,
  IndexSelector,
  MaxActivationSelector,
  OutputSelectionError,
  type OutputSelector,
} from '@xai-ts/base';
import type { LRPOptions } from '@xai-ts/lrp';
import { BackendSetupError, WorkerPoolError } from './errors.js';
import type { AnalyzeRequest, WorkerBackend, WorkerInit, WorkerReply } from './protocol.js';
import { type CompositeSpec, compositeFromSpec } from './spec.js';

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

/** What {@link LRPWorkerPool.analyze} accepts as a selection: what `analyze()` accepts, but no custom selectors. */
export type PoolSelection = number | readonly number[] | IndexSelector | MaxActivationSelector | undefined;

interface Pending {
  readonly worker: number;
  resolve(reply: Extract<WorkerReply, { type: 'result' }>): void;
  reject(error: Error): void;
}

interface Ready {
  readonly backend: string;
  readonly inputShape: readonly (number | null)[];
  readonly outputsPerSample: number;
}

const require = createRequire(import.meta.url);
const SOURCE_CONDITION = '@xai-ts/source';

function defaultBackend(): WorkerBackend {
  try {
    require.resolve('@tensorflow/tfjs-backend-wasm');
    return 'wasm';
  } catch {
    return 'cpu';
  }
}

/** dist/worker.js next to this module; from the sources (tests), the built one in ../dist. */
function workerScript(): URL {
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
function workerExecArgv(): string[] {
  const args: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if ((a === '--conditions' || a === '-C') && argv[i + 1] === SOURCE_CONDITION) i++;
    else if (a !== `--conditions=${SOURCE_CONDITION}` && a !== `-C=${SOURCE_CONDITION}`) args.push(a);
  }
  return args;
}

function setupUrl(entry: string | URL): string {
  if (entry instanceof URL) return entry.href;
  if (/^(file|data):/.test(entry)) return entry;
  return pathToFileURL(isAbsolute(entry) ? entry : resolve(entry)).href;
}

async function toArtifacts(model: tf.LayersModel | tf.io.ModelArtifacts): Promise<tf.io.ModelArtifacts> {
  if (typeof (model as tf.LayersModel).save === 'function') {
    const layers = model as tf.LayersModel;
    let saved: tf.io.ModelArtifacts | undefined;
    await layers.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    return saved!;
  }
  const artifacts = model as tf.io.ModelArtifacts;
  if (
    typeof artifacts !== 'object' ||
    artifacts === null ||
    !artifacts.modelTopology ||
    !artifacts.weightSpecs
  )
    throw new BackendSetupError(
      'LRPWorkerPool needs a tf.LayersModel or its saved artifacts (modelTopology, weightSpecs, weightData), as model.save(tf.io.withSaveHandler(...)) gives them',
    );
  return artifacts;
}

function splitBatch(n: number, parts: number): [number, number][] {
  const k = Math.min(n, parts);
  const chunks: [number, number][] = [];
  let start = 0;
  for (let i = 0; i < k; i++) {
    const size = Math.floor(n / k) + (i < n % k ? 1 : 0);
    chunks.push([start, start + size]);
    start += size;
  }
  return chunks;
}

function checkIndex(i: number, outputs: number): void {
  if (i >= outputs)
    throw new OutputSelectionError(
      `class index ${i} is out of range: the model has ${outputs} outputs (0-based indices 0..${outputs - 1})`,
    );
}

/** The selection as data the workers can take: null (max), one index, or one index per sample. */
function wireSelection(
  selection: PoolSelection,
  n: number,
  outputs: number,
): number | readonly number[] | null {
  if (selection === undefined || selection instanceof MaxActivationSelector) return null;
  if (!(selection instanceof IndexSelector) && typeof selection === 'object' && !Array.isArray(selection))
    throw new OutputSelectionError(
      `a worker pool cannot send the selector ${(selection as unknown as OutputSelector).constructor.name} to its workers; pass a class index, one index per sample, an IndexSelector or a MaxActivationSelector`,
    );
  const index = selection instanceof IndexSelector ? selection.index : new IndexSelector(selection).index;
  if (typeof index === 'number') {
    checkIndex(index, outputs);
    return index;
  }
  if (index.length !== n)
    throw new OutputSelectionError(
      `the selection has ${index.length} indices but the batch has ${n} samples; give one index per sample, or a single number for all`,
    );
  for (const i of index) checkIndex(i, outputs);
  return index;
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
   * @throws {@link InputShapeError} / {@link InvalidInputError} / {@link OutputSelectionError} for a bad input or
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

function waitReady(worker: Worker, index: number): Promise<Ready> {
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
