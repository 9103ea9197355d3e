import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { readGraph } from '@xai-ts/canonize';
import { compositeFromSpec, LRP } from '@xai-ts/lrp';
import type { ConceptDataset } from '../dataset.js';
import { ConceptOptionError, ConceptsError } from '../errors.js';
import { attributionGraph } from '../graph.js';
import { conceptLayers, defaultConceptLayers } from '../layers.js';
import {
  type BatchFindings,
  ConceptMiner,
  type MinerOptions,
  positive,
  range,
  readSamples,
} from '../mine.js';
import { samplePng } from '../png.js';
import { receptiveFields } from '../receptive.js';
import type { ConceptStore, StoreConfig, StoredSample } from '../store.js';
import { openStoreFile, saveStoreFile } from './file.js';
import { type ProgressStream, progressReporter } from './progress.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { mineInQueue, type QueueConnection, reach, runId } from './queue.js';

/**
 * Options of {@link mineToStore}.
 *
 * @example
 * ```ts
 * const options: MineToStoreOptions = {
 *   model, modelName: 'demo', dataset: demoConceptDataset({ n: 500 }), out: 'concepts.sqlite',
 *   layers: ['conv2', 'conv3'], top: 16, workers: 2,
 * };
 * ```
 */
export interface MineToStoreOptions extends MinerOptions {
  /** The classifier (logits). */
  model: tf.LayersModel;
  /** Its name, stored with the run (a resumed run must give the same). */
  modelName: string;
  /** The samples. */
  dataset: ConceptDataset;
  /** The store's file: created, or resumed when it exists. */
  out: string;
  /**
   * Samples per shard, the unit of a commit (default 50). Each commit rewrites the store file (sql.js keeps the
   * database in memory), so for datasets of many thousands of samples take shards of several hundred.
   */
  shardSize?: number;
  /**
   * Worker threads that mine shards in parallel (default 0: mine in this thread, on its TF.js backend). With
   * workers, the parent reads the dataset, merges and commits; the workers mine.
   */
  workers?: number;
  /** The workers' TF.js backend (default `wasm` when `@tensorflow/tfjs-backend-wasm` is installed, else `cpu`). */
  backend?: 'cpu' | 'wasm';
  /** The class names (default: the dataset's, else `'0'`, `'1'`, …). */
  classNames?: readonly string[];
  /** Where progress goes: samples/s and ETA on a terminal, one JSON line per shard otherwise; none by default. */
  progress?: ProgressStream;
  /**
   * Attribution graphs to store for the atlas: for each channel of every mined layer but the lowest, the graph of
   * the channel on its most relevant sample, through the mined layers below it (`depth` levels, default 2; `width`
   * channels per node, default 3). Computed in this thread after the last shard; a resumed run computes the missing
   * ones. Default: none.
   */
  graphs?: { depth?: number; width?: number } | false;
  /** Called after each shard is committed and saved (awaited before the next commit). */
  onShard?: (event: ShardEvent) => void | Promise<void>;
  /**
   * Mine through a BullMQ queue on Redis instead of this machine's threads: the shards go to whatever workers
   * (`startConceptWorker`, `xai concepts worker`) listen on the queue, on any machine; this process reads the
   * samples, commits and saves the store as without a queue. `workers` and `backend` are then ignored. Redis is never
   * contacted without it.
   */
  queue?: QueueConnection & {
    /** Shards in the queue at once beyond those committed (default 16). */
    window?: number;
    /** Called when a shard's worker died (or hung) and BullMQ gave the shard back to the queue. */
    onStalled?: (shard: number) => void;
  };
}

/**
 * A committed shard, as {@link MineToStoreOptions.onShard} and the progress lines report it.
 *
 * @example
 * ```ts
 * onShard: (e) => console.log(`${e.shardsDone}/${e.shards} shards, ${e.samplesPerSecond.toFixed(1)} samples/s`),
 * ```
 */
export interface ShardEvent {
  /** The shard's index. */
  shard: number;
  /** Shards in the store now. */
  shardsDone: number;
  /** Shards of the run. */
  shards: number;
  /** Samples in the store now. */
  samplesDone: number;
  /** Samples of the run. */
  samples: number;
  /** Samples mined per second by this call so far. */
  samplesPerSecond: number;
  /** Seconds left at that rate. */
  etaSeconds: number;
}

/**
 * What {@link mineToStore} did.
 *
 * @example
 * ```ts
 * const { store, minedShards, seconds } = await mineToStore(options);
 * ```
 */
export interface MineToStoreResult {
  /** The store, open (its file is saved). */
  store: ConceptStore;
  /** Shards this call mined. */
  minedShards: number;
  /** Shards it found already done. */
  skippedShards: number;
  /** Wall time of the mining, in seconds. */
  seconds: number;
}

/**
 * Mines a dataset into a store file, resumably and on several threads. The dataset is split into shards of
 * `shardSize` samples; shards the store already holds are skipped, so rerunning the same call after a crash (even
 * a SIGKILL) continues where it stopped. Each shard's findings are merged and committed in one transaction and the
 * file is rewritten atomically (temporary file, then rename); commits go in shard order, so the store ends the
 * same whatever the number of workers, whichever worker finishes first, and however often the run was
 * interrupted.
 *
 * @param options - see {@link MineToStoreOptions}
 * @returns the open store and what this call did
 * @throws StoreError when the file holds a run with other settings
 * @example
 * ```ts
 * const { store } = await mineToStore({
 *   model: await loadDemoModel(), modelName: 'demo', dataset: demoConceptDataset({ n: 500 }),
 *   out: 'concepts.sqlite', layers: ['conv2', 'conv3'], workers: 2, progress: process.stderr,
 * });
 * ```
 */
export async function mineToStore(options: MineToStoreOptions): Promise<MineToStoreResult> {
  const { model, dataset, out } = options;
  const shardSize = positive(options.shardSize ?? 50, 'shardSize');
  const workers = options.workers ?? 0;
  if (!Number.isSafeInteger(workers) || workers < 0)
    throw new ConceptOptionError(`workers must be an integer ≥ 0, got ${workers}`);
  if (options.queue) await reach(options.queue.url); // before the store file is made
  const graph = readGraph(model);
  const layers = conceptLayers(graph, options.layers ?? defaultConceptLayers(graph));
  const classes = (model.outputs[0]!.shape.at(-1) as number | null) ?? 0;
  const minerOptions: MinerOptions = {
    layers: layers.map((l) => l.name),
    top: options.top ?? 16,
    composite: options.composite ?? { preset: 'EpsilonPlusFlat' },
    target: options.target ?? 'predicted',
    batchSize: options.batchSize ?? 32,
  };
  const config: StoreConfig = {
    version: 1,
    model: options.modelName,
    dataset: { name: dataset.name, size: dataset.size, inputShape: [...dataset.inputShape] },
    classNames: [
      ...(options.classNames ?? dataset.classNames ?? Array.from({ length: classes }, (_, i) => String(i))),
    ],
    layers,
    top: positive(minerOptions.top!, 'top'),
    shardSize,
    target: minerOptions.target!,
    composite: minerOptions.composite!,
  };
  const store = await openStoreFile(out);
  try {
    store.begin(config, Object.fromEntries(layers.map((l) => [l.name, receptiveFields(graph, l.name)])));
    await saveStoreFile(store, out);
    const shards = Math.ceil(dataset.size / shardSize);
    const done = new Set(store.shardsDone());
    const todo = range(0, shards).filter((s) => !done.has(s));
    const report = progressReporter(
      options.progress,
      shards,
      dataset.size,
      done.size,
      store.samples().length,
    );
    const started = performance.now();
    let mined = 0;
    const commit = async (
      shard: number,
      samples: Omit<StoredSample, 'predicted' | 'explained'>[],
      part: BatchFindings,
    ) => {
      const first = shard * shardSize;
      store.commitShard(
        { index: shard, first, count: samples.length },
        part.findings,
        samples.map((s, n) => ({ ...s, predicted: part.predicted[n]!, explained: part.explained[n]! })),
      );
      await saveStoreFile(store, out);
      mined += samples.length;
      done.add(shard);
      const event = report(shard, mined, (performance.now() - started) / 1000);
      await options.onShard?.(event);
    };
    const read = async (shard: number) => {
      const indices = range(shard * shardSize, Math.min(dataset.size, (shard + 1) * shardSize));
      const { data, samples } = await readSamples(dataset, indices);
      const size = dataset.inputShape.reduce((a, b) => a * b, 1);
      const stored = samples.map((s, n) => ({
        index: indices[n]!,
        id: s.id,
        label: s.label,
        png: samplePng(data.subarray(n * size, (n + 1) * size), dataset.inputShape, s.display),
      }));
      return { indices, data, samples: stored };
    };
    if (options.queue) {
      const artifacts = await modelArtifacts(model);
      const queue = options.queue;
      const waiting = new Map<number, Omit<StoredSample, 'predicted' | 'explained'>[]>();
      await mineInQueue({
        url: queue.url,
        ...(queue.name ? { name: queue.name } : {}),
        ...(queue.window ? { window: queue.window } : {}),
        ...(queue.onStalled ? { onStalled: queue.onStalled } : {}),
        artifacts,
        options: minerOptions,
        run: runId(artifacts, minerOptions, { ...config.dataset, shardSize }),
        inputShape: dataset.inputShape,
        todo,
        // a shard's samples wait here from its enqueueing to its commit (at most `window` shards)
        read: async (shard) => {
          const r = await read(shard);
          waiting.set(shard, r.samples);
          return { indices: r.indices, data: r.data, labels: r.samples.map((x) => x.label) };
        },
        commit: async (shard, part) => {
          const samples = waiting.get(shard)!;
          waiting.delete(shard);
          await commit(shard, samples, part);
        },
      });
    } else if (workers === 0) {
      const miner = new ConceptMiner(model, minerOptions);
      try {
        for (const shard of todo) {
          const r = await read(shard);
          const part = miner.mineArray(
            r.data,
            dataset.inputShape,
            r.indices,
            r.samples.map((s) => s.label),
          );
          await commit(shard, r.samples, part);
        }
      } finally {
        miner.dispose();
      }
    } else {
      await mineInWorkers(
        model,
        minerOptions,
        options.backend ?? defaultBackend(),
        workers,
        todo,
        dataset,
        read,
        commit,
      );
    }
    report.finish();
    if (options.graphs) await storeGraphs(store, model, dataset, config, options.graphs, out);
    return {
      store,
      minedShards: todo.length,
      skippedShards: shards - todo.length,
      seconds: (performance.now() - started) / 1000,
    };
  } catch (e) {
    store.close();
    throw e;
  }
}

/** The attribution graph of every concept above the lowest mined layer on its top RelMax sample, if not stored yet. */
async function storeGraphs(
  store: ConceptStore,
  model: tf.LayersModel,
  dataset: ConceptDataset,
  config: StoreConfig,
  options: { depth?: number; width?: number },
  out: string,
): Promise<void> {
  const have = new Set(
    store.graphs().map(({ sample, graph }) => `${graph.layer}:${graph.channel}:${sample}`),
  );
  const explained = new Map(store.samples().map((s) => [s.index, s.explained]));
  const findings = store.findings();
  const byDepth = [...config.layers].sort((a, b) => b.index - a.index);
  const lrp = new LRP(model, compositeFromSpec(config.composite));
  try {
    for (const [k, layer] of byDepth.entries()) {
      const below = byDepth.slice(k + 1).map((l) => l.name);
      if (below.length === 0) continue;
      const found = findings.layers.find((l) => l.layer === layer.name)!;
      for (let channel = 0; channel < layer.channels; channel++) {
        const best = found.relMax[channel]![0];
        if (!best || have.has(`${layer.name}:${channel}:${best.sample}`)) continue;
        const { data } = await readSamples(dataset, [best.sample]);
        const x = tf.tensor(data, [1, ...dataset.inputShape]);
        try {
          const graph = attributionGraph(lrp, x, {
            layer: layer.name,
            channel,
            below,
            depth: options.depth ?? 2,
            width: options.width ?? 3,
            target: explained.get(best.sample)!,
          });
          store.putGraph(best.sample, graph);
        } finally {
          x.dispose();
        }
      }
      await saveStoreFile(store, out);
    }
  } finally {
    lrp.dispose();
  }
}

type Read = (shard: number) => Promise<{
  indices: number[];
  data: Float32Array;
  samples: Omit<StoredSample, 'predicted' | 'explained'>[];
}>;
type Commit = (
  shard: number,
  samples: Omit<StoredSample, 'predicted' | 'explained'>[],
  part: BatchFindings,
) => Promise<void>;

/**
 * Shards go to whichever worker is free; results wait in `pending` until every lower shard is committed, so commits
 * happen in shard order whatever the workers' speed.
 */
async function mineInWorkers(
  model: tf.LayersModel,
  options: MinerOptions,
  backend: 'cpu' | 'wasm',
  count: number,
  todo: number[],
  dataset: ConceptDataset,
  read: Read,
  commit: Commit,
): Promise<void> {
  const artifacts = await modelArtifacts(model);
  const threads = Array.from({ length: Math.min(count, Math.max(1, todo.length)) }, () => spawn());
  const queue = [...todo];
  const pending = new Map<
    number,
    { samples: Omit<StoredSample, 'predicted' | 'explained'>[]; part: BatchFindings }
  >();
  let next = 0; // index into todo of the next shard to commit
  let failure: Error | undefined;
  let committing = Promise.resolve();
  const drain = async () => {
    while (next < todo.length && pending.has(todo[next]!)) {
      const shard = todo[next]!;
      const { samples, part } = pending.get(shard)!;
      pending.delete(shard);
      next++;
      await commit(shard, samples, part);
    }
  };
  try {
    await Promise.all(
      threads.map(async (worker) => {
        await request(worker, { type: 'init', artifacts, options, backend });
        while (queue.length && !failure) {
          const shard = queue.shift()!;
          const r = await read(shard);
          const reply = await request(
            worker,
            {
              type: 'shard',
              shard,
              data: r.data,
              inputShape: [...dataset.inputShape],
              indices: r.indices,
              labels: r.samples.map((s) => s.label),
            },
            [r.data.buffer as ArrayBuffer],
          );
          if (reply.type !== 'done')
            throw new ConceptsError(`a mining worker answered ${reply.type} to shard ${shard}`);
          pending.set(shard, { samples: r.samples, part: reply });
          committing = committing.then(drain);
          await committing;
        }
      }),
    ).catch((e: Error) => {
      failure = e;
      throw e;
    });
    await committing;
  } finally {
    await Promise.all(threads.map((w) => w.terminate()));
  }
}

function spawn(): Worker {
  const argv: string[] = [];
  const exec = process.execArgv;
  for (let i = 0; i < exec.length; i++) {
    // the workspace's source condition would make the worker load TypeScript sources, which it cannot run
    if ((exec[i] === '--conditions' || exec[i] === '-C') && exec[i + 1] === '@xai-ts/source') i++;
    else if (exec[i] !== '--conditions=@xai-ts/source' && exec[i] !== '-C=@xai-ts/source')
      argv.push(exec[i]!);
  }
  return new Worker(workerScript(), { execArgv: argv });
}

/** dist/node/worker.js next to this module; from the sources (tests), the built one. */
function workerScript(): URL {
  for (const candidate of ['./worker.js', '../../dist/node/worker.js']) {
    const url = new URL(candidate, import.meta.url);
    if (existsSync(fileURLToPath(url))) return url;
  }
  throw new ConceptsError(
    `the mining worker script is missing next to ${fileURLToPath(import.meta.url)}; build @xai-ts/concepts (pnpm --filter @xai-ts/concepts build)`,
  );
}

/** One request to a worker, answered by its next message; a crash or exit rejects. */
function request(worker: Worker, message: ToWorker, transfer: ArrayBuffer[] = []): Promise<FromWorker> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (reply: FromWorker) => {
      cleanup();
      if (reply.type === 'error') {
        const e = new ConceptsError(`a mining worker failed: ${reply.name}: ${reply.message}`);
        reject(e);
      } else resolve(reply);
    };
    const onError = (e: Error) => {
      cleanup();
      reject(new ConceptsError(`a mining worker crashed: ${e.message}`));
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new ConceptsError(`a mining worker exited with code ${code}`));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage(message, transfer);
  });
}

function defaultBackend(): 'cpu' | 'wasm' {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
    return 'wasm';
  } catch {
    return 'cpu';
  }
}

async function modelArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return saved!;
}
