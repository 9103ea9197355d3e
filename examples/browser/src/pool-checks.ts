// What the pool page can be asked to do from outside (the end-to-end test calls these through window.poolDemo):
// compare the pool with LRP on the page, provoke its failures, and time it.
import * as tf from '@tensorflow/tfjs';
import { analyze, OutputSelectionError } from '@xai-ts/base';
import { EpsilonPlusFlat, LRP } from '@xai-ts/lrp';
import { LRPWebWorkerPool, type WebWorkerBackend, WorkerPoolError } from '@xai-ts/workers';
import { BENCH_SIZE, benchModel } from './bench-model.js';

/** A pool of `workers` Web Workers running src/lrp-worker.ts. */
export function startPool(
  model: tf.LayersModel,
  workers: number,
  backend: WebWorkerBackend = 'wasm',
): Promise<LRPWebWorkerPool> {
  return LRPWebWorkerPool.create({
    model,
    composite: { preset: 'EpsilonPlusFlat' },
    workers,
    backend,
    createWorker: (i) =>
      new Worker(new URL('./lrp-worker.ts', import.meta.url), { type: 'module', name: `lrp-${i}` }),
  });
}

export interface Comparison {
  workers: number;
  shape: number[];
  poolBackend: string;
  pageBackend: string;
  selection: number[];
  pageSelection: number[];
  /** max |pool - page| / max |page| over the relevance, and over the outputs. */
  relevanceRelDiff: number;
  outputRelDiff: number;
  /** Each sample's relevance sum (about 1 for EpsilonPlusFlat with a one-hot start). */
  sums: number[];
  /** Tensors on the page after the pool's result and the page's own were disposed, minus before. */
  leakedTensors: number;
}

const relDiff = (a: tf.Tensor, b: tf.Tensor) =>
  tf.tidy(() => tf.sub(a, b).abs().max().div(tf.abs(b).max()).dataSync()[0]!);

/** Explains `x` in a pool of `workers` and on the page, and compares. */
export async function compare(model: tf.LayersModel, x: tf.Tensor, workers: number): Promise<Comparison> {
  const pool = await startPool(model, workers);
  try {
    const lrp = new LRP(model, new EpsilonPlusFlat());
    const before = tf.memory().numTensors;
    const page = analyze(x, lrp);
    const expl = await pool.analyze(x);
    const result: Comparison = {
      workers: pool.size,
      shape: expl.val.shape,
      poolBackend: pool.backend,
      pageBackend: tf.getBackend(),
      selection: [...expl.outputSelection],
      pageSelection: [...page.outputSelection],
      relevanceRelDiff: relDiff(expl.val, page.val),
      outputRelDiff: relDiff(expl.output, page.output),
      sums: tf.tidy(() => expl.val.sum([1, 2, 3]).arraySync() as number[]),
      leakedTensors: 0,
    };
    expl.dispose();
    page.dispose();
    result.leakedTensors = tf.memory().numTensors - before;
    lrp.dispose();
    return result;
  } finally {
    await pool.close();
  }
}

/** A failure as the test reads it. */
export interface Failure {
  /** The error's class, told by instanceof (minified bundles rename classes, and with them most errors' names). */
  kind: 'WorkerPoolError' | 'OutputSelectionError' | 'other';
  name: string;
  message: string;
  worker?: number;
  remoteName?: string | undefined;
}

function failure(e: unknown): Failure {
  if (e instanceof WorkerPoolError)
    return {
      kind: 'WorkerPoolError',
      name: e.name,
      message: e.message,
      worker: e.worker,
      remoteName: e.remoteName,
    };
  const kind = e instanceof OutputSelectionError ? 'OutputSelectionError' : 'other';
  return { kind, name: (e as Error).name, message: (e as Error).message };
}

async function rejection(promise: Promise<unknown>): Promise<Failure | null> {
  try {
    await promise;
    return null;
  } catch (e) {
    return failure(e);
  }
}

export interface Failures {
  crash: Failure | null;
  closedAfterCrash: boolean;
  afterCrash: Failure | null;
  missingScript: Failure | null;
  missingBackend: Failure | null;
  closedWhilePending: Failure | null;
  customSelector: Failure | null;
  /** Whether every pool of these checks rejected or closed without leaving a tensor on the page. */
  leakedTensors: number;
}

/** Provokes the pool's failures: each must reject with a clear error, none may hang. */
export async function failures(model: tf.LayersModel, x: tf.Tensor): Promise<Failures> {
  const before = tf.memory().numTensors;
  const crashing = await LRPWebWorkerPool.create({
    model,
    composite: { preset: 'EpsilonPlusFlat' },
    workers: 2,
    createWorker: () => new Worker(new URL('./crash-worker.ts', import.meta.url), { type: 'module' }),
  });
  const crash = await rejection(crashing.analyze(x));
  const closedAfterCrash = crashing.closed;
  const afterCrash = await rejection(crashing.analyze(x));
  await crashing.close();

  const missingScript = await rejection(
    LRPWebWorkerPool.create({
      model,
      workers: 2,
      createWorker: () => new Worker('./no-such-worker.js', { type: 'module' }),
    }),
  );
  const missingBackend = await rejection(startPool(model, 1, 'webgpu'));

  const pool = await startPool(model, 2);
  const pending = rejection(pool.analyze(x));
  await pool.close();
  const closedWhilePending = await pending;

  const open = await startPool(model, 1);
  const customSelector = await rejection(open.analyze(x, { select: () => [0] } as never));
  await open.close();
  return {
    crash,
    closedAfterCrash,
    afterCrash,
    missingScript,
    missingBackend,
    closedWhilePending,
    customSelector,
    leakedTensors: tf.memory().numTensors - before,
  };
}

export interface Timing {
  model: string;
  inputShape: number[];
  backend: string;
  runs: number;
  warmups: number;
  /** Median milliseconds per batch: in the page, and in a pool of each size. */
  pageMs: number;
  poolMs: Record<string, number>;
  /** Every run, in order. */
  times: Record<string, number[]>;
  startMs: Record<string, number>;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/**
 * Times LRP (EpsilonPlusFlat) of a batch in the page and in pools of each size, the runs of each interleaved so that
 * a slow spell of the machine falls on all of them: median of `runs` after `warmups` runs (each new worker compiles
 * the wasm module anew, and the engine optimises it in the background during the first runs).
 */
export async function bench(
  which: 'demo' | 'large',
  demo: tf.LayersModel,
  demoBatch: tf.Tensor,
  sizes: number[],
  runs: number,
  warmups = 3,
): Promise<Timing> {
  const model = which === 'demo' ? demo : benchModel();
  const x =
    which === 'demo'
      ? demoBatch
      : tf.randomUniform([demoBatch.shape[0]!, BENCH_SIZE, BENCH_SIZE, 3], 0, 1, 'float32', 3);
  const startMs: Record<string, number> = {};
  const pools: LRPWebWorkerPool[] = [];
  for (const n of sizes) {
    const t0 = performance.now();
    pools.push(await startPool(model, n));
    startMs[`pool${n}`] = Math.round(performance.now() - t0);
  }
  const lrp = new LRP(model, new EpsilonPlusFlat());
  const explain: Record<string, () => Promise<void>> = {
    page: async () => {
      const e = analyze(x, lrp);
      await e.val.data();
      e.dispose();
    },
  };
  pools.forEach((p, i) => {
    explain[`pool${sizes[i]}`] = async () => (await p.analyze(x)).dispose();
  });
  const times: Record<string, number[]> = {};
  for (let w = 0; w < warmups; w++) for (const run of Object.values(explain)) await run();
  for (const name of Object.keys(explain)) times[name] = [];
  for (let r = 0; r < runs; r++)
    for (const [name, run] of Object.entries(explain)) {
      const t0 = performance.now();
      await run();
      times[name]!.push(Math.round(performance.now() - t0));
    }
  await Promise.all(pools.map((p) => p.close()));
  lrp.dispose();
  if (which === 'large') {
    model.dispose();
    x.dispose();
  }
  const poolMs: Record<string, number> = {};
  for (const n of sizes) poolMs[`pool${n}`] = median(times[`pool${n}`]!);
  return {
    model: which,
    inputShape: x.shape,
    backend: tf.getBackend(),
    runs,
    warmups,
    pageMs: median(times.page!),
    poolMs,
    times,
    startMs,
  };
}
