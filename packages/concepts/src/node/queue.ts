import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
// the zoo registers its own layer classes (EfficientNet's Normalization), which saved models of its applications use
import '@xai-ts/zoo';
import { ConceptsError } from '../errors.js';
import { appendBatch, type BatchFindings, ConceptMiner, type MinerOptions } from '../mine.js';
import type { ClassStat, Findings } from '../topk.js';

// Concept mining over machines through a BullMQ queue on Redis. The coordinator (mineToStore with `queue`) puts the
// run's model and options under a Redis key and each shard's samples in a job; workers (startConceptWorker, `xai
// concepts worker`) on any number of machines mine the shards they take and return the findings as the job's result;
// the coordinator commits results in shard order, each once. BullMQ's stalled-job check gives the shard of a worker
// that died to another worker. bullmq and ioredis are loaded only here, so runs without `queue` never touch them.

/**
 * The default queue name, shared by coordinators and workers.
 *
 * @example
 * ```ts
 * await startConceptWorker({ url: 'redis://127.0.0.1:6379', name: DEFAULT_QUEUE_NAME });
 * ```
 */
export const DEFAULT_QUEUE_NAME = 'xai-concepts';

/**
 * How a coordinator and its workers reach the queue.
 *
 * @example
 * ```ts
 * const queue: QueueConnection = { url: 'redis://127.0.0.1:6379', name: 'xai-concepts' };
 * ```
 */
export interface QueueConnection {
  /** The Redis server, `redis://[user:password@]host:port[/db]`. */
  url: string;
  /** The queue's name (default `xai-concepts`): coordinators and workers must agree. */
  name?: string;
}

/** What the coordinator stores once per run under the run's key: everything a worker needs besides the samples. */
interface RunInit {
  artifacts: {
    modelTopology: unknown;
    weightSpecs: tf.io.WeightsManifestEntry[];
    weightData: string; // base64
    format?: string;
    generatedBy?: string;
    convertedBy?: string | null;
  };
  options: MinerOptions;
}

/** A shard as a job's data. */
interface ShardJob {
  run: string;
  shard: number;
  data: string; // base64 of the Float32Array
  inputShape: number[];
  indices: number[];
  labels: (number | null)[];
}

/** A shard's findings as JSON (Maps as entry lists, BigInts as decimal strings). */
interface SerializedFindings {
  top: number;
  layers: {
    layer: string;
    channels: number;
    relMax: Findings['layers'][number]['relMax'];
    actMax: Findings['layers'][number]['actMax'];
    classes: [number, Omit<ClassStat, 'sum'> & { sum: string }][][];
  }[];
}

interface ShardResult {
  findings: SerializedFindings;
  predicted: number[];
  explained: number[];
}

/** The Redis key of a run's model and options. */
function runKey(queueName: string, run: string): string {
  return `${queueName}:xai-run:${run}`;
}

/** A job id per run and shard, so that adding a shard twice (a resumed coordinator) finds the first job. */
function jobId(run: string, shard: number): string {
  return `${run}-shard-${shard}`;
}

/**
 * The run's identity: a hash of the model's topology and weights, the miner's options and the dataset's identity,
 * so that a resumed coordinator finds its own jobs and never another run's.
 */
export function runId(artifacts: tf.io.ModelArtifacts, options: MinerOptions, dataset: unknown): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(artifacts.modelTopology ?? null));
  hash.update(JSON.stringify(artifacts.weightSpecs ?? []));
  const weights = artifacts.weightData;
  for (const buffer of weights === undefined ? [] : Array.isArray(weights) ? weights : [weights])
    hash.update(new Uint8Array(buffer));
  hash.update(JSON.stringify(options));
  hash.update(JSON.stringify(dataset));
  return hash.digest('hex').slice(0, 16);
}

function serialize(part: BatchFindings): ShardResult {
  return {
    findings: {
      top: part.findings.top,
      layers: part.findings.layers.map((l) => ({
        layer: l.layer,
        channels: l.channels,
        relMax: l.relMax,
        actMax: l.actMax,
        classes: l.classes.map((m) => [...m.entries()].map(([k, s]) => [k, { ...s, sum: s.sum.toString() }])),
      })),
    },
    predicted: part.predicted,
    explained: part.explained,
  };
}

function deserialize(result: ShardResult): BatchFindings {
  return {
    findings: {
      top: result.findings.top,
      layers: result.findings.layers.map((l) => ({
        layer: l.layer,
        channels: l.channels,
        relMax: l.relMax,
        actMax: l.actMax,
        classes: l.classes.map(
          (entries) => new Map(entries.map(([k, s]) => [k, { ...s, sum: BigInt(s.sum) }])),
        ),
      })),
    },
    predicted: result.predicted,
    explained: result.explained,
  };
}

function toBase64(data: ArrayBufferView): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
}

function float32FromBase64(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}

function concatenated(weights: tf.io.WeightData | undefined): Uint8Array {
  if (weights === undefined) return new Uint8Array(0);
  const parts = (Array.isArray(weights) ? weights : [weights]).map((b) => new Uint8Array(b));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

function redisOptions(url: string): {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db?: number;
} {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConceptsError(`the queue ${url} is not a URL; give redis://host:port`);
  }
  if (parsed.protocol !== 'redis:')
    throw new ConceptsError(`the queue ${url} is not a redis:// URL; give redis://host:port`);
  const db = parsed.pathname.replace(/^\//, '');
  return {
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 6379,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
  };
}

async function bullmq() {
  return import('bullmq');
}

/**
 * Checks that the Redis server answers, with one connection attempt (BullMQ's own connections retry forever, so an
 * unreachable server would hang them): a clear error instead.
 */
export async function reach(url: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const probe = new Redis({
    ...redisOptions(url),
    lazyConnect: true,
    connectTimeout: 5000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => {}); // reported by connect() below
  try {
    await probe.connect();
    await probe.ping();
  } catch (e) {
    throw new ConceptsError(
      `cannot reach the queue at ${url}: ${(e as Error).message || String(e)}; start redis-server there, or mine without --queue`,
    );
  } finally {
    probe.disconnect();
  }
}

/** A shard's samples, as the coordinator reads them. */
export interface QueueShard {
  indices: number[];
  data: Float32Array;
  labels: (number | null)[];
}

/**
 * Options of {@link mineInQueue}.
 */
export interface MineInQueueOptions extends QueueConnection {
  /** The model, saved as artifacts (the coordinator stores them once per run). */
  artifacts: tf.io.ModelArtifacts;
  /** The miner's options. */
  options: MinerOptions;
  /** The run's identity ({@link runId}). */
  run: string;
  /** The sample shape. */
  inputShape: readonly number[];
  /** The shards to mine, in commit order. */
  todo: readonly number[];
  /** Shards in the queue at once, beyond those committed (default 16): bounds what Redis holds. */
  window?: number;
  /** Reads a shard's samples. */
  read: (shard: number) => Promise<QueueShard>;
  /** Commits a shard's findings (called in the order of `todo`, once per shard). */
  commit: (shard: number, part: BatchFindings) => Promise<void>;
  /** Called when BullMQ reports a shard's job stalled (its worker died or hung): it goes back to the queue. */
  onStalled?: (shard: number) => void;
}

/**
 * The coordinator's side of queue mining: stores the run's model and options, enqueues the shards (at most `window`
 * ahead of the commits), waits for each shard's result in order and commits it, then removes the job. Shards whose
 * jobs a previous coordinator of the same run enqueued are found again by their job ids, finished or not.
 *
 * @throws {@link ConceptsError} when a shard fails on every attempt (the worker's error is in the message), or the
 *   queue cannot be reached
 */
export async function mineInQueue(o: MineInQueueOptions): Promise<void> {
  await reach(o.url);
  const { Queue, QueueEvents } = await bullmq();
  const { Redis } = await import('ioredis');
  const name = o.name ?? DEFAULT_QUEUE_NAME;
  const connection = { ...redisOptions(o.url), maxRetriesPerRequest: null };
  const redis = new Redis(connection);
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection });
  const byJob = new Map(o.todo.map((s) => [jobId(o.run, s), s]));
  const onStalled = ({ jobId: id }: { jobId: string }) => {
    const shard = byJob.get(id);
    if (shard !== undefined) o.onStalled?.(shard);
  };
  events.on('stalled', onStalled);
  try {
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady(), redis.ping()]);
    const init: RunInit = {
      artifacts: {
        modelTopology: o.artifacts.modelTopology,
        weightSpecs: o.artifacts.weightSpecs ?? [],
        weightData: toBase64(concatenated(o.artifacts.weightData)),
        ...(o.artifacts.format ? { format: o.artifacts.format } : {}),
      },
      options: o.options,
    };
    await redis.set(runKey(name, o.run), JSON.stringify(init));
    const window = Math.max(1, o.window ?? 16);
    const jobs = new Map<number, Awaited<ReturnType<typeof queue.add>>>();
    const enqueue = async (k: number) => {
      const shard = o.todo[k];
      if (shard === undefined) return;
      const samples = await o.read(shard);
      const data: ShardJob = {
        run: o.run,
        shard,
        data: toBase64(samples.data),
        inputShape: [...o.inputShape],
        indices: samples.indices,
        labels: samples.labels,
      };
      jobs.set(
        shard,
        await queue.add('shard', data, {
          jobId: jobId(o.run, shard),
          attempts: 2,
          removeOnComplete: false,
          removeOnFail: false,
        }),
      );
    };
    for (let k = 0; k < Math.min(window, o.todo.length); k++) await enqueue(k);
    for (const [k, shard] of o.todo.entries()) {
      const job = jobs.get(shard)!;
      let result: ShardResult;
      try {
        result = (await job.waitUntilFinished(events)) as ShardResult;
      } catch (e) {
        throw new ConceptsError(`shard ${shard} failed in the queue ${name}: ${(e as Error).message}`);
      }
      await o.commit(shard, deserialize(result));
      jobs.delete(shard);
      await job.remove().catch(() => undefined);
      await enqueue(k + window);
    }
    await redis.del(runKey(name, o.run));
  } finally {
    events.off('stalled', onStalled);
    await Promise.allSettled([events.close(), queue.close()]);
    redis.disconnect();
  }
}

/**
 * Options of {@link startConceptWorker}.
 *
 * @example
 * ```ts
 * const options: ConceptWorkerOptions = { url: 'redis://10.0.0.5:6379', backend: 'wasm' };
 * ```
 */
export interface ConceptWorkerOptions extends QueueConnection {
  /** The TF.js backend to mine on (default: the current one). */
  backend?: string;
  /**
   * How long a shard's lock lasts without renewal, in ms (default 30 000): a worker that dies holds its shard this
   * long before another worker takes it. The worker renews the lock while it mines.
   */
  lockDurationMs?: number;
  /** How often this worker looks for shards whose worker died, in ms (default 30 000). */
  stalledIntervalMs?: number;
  /** Called as shards start and finish. */
  onEvent?: (event: ConceptWorkerEvent) => void;
}

/**
 * What a worker reports.
 *
 * @example
 * ```ts
 * onEvent: (e) => console.log(JSON.stringify(e)), // {"type":"started","run":"…","shard":3}
 * ```
 */
export interface ConceptWorkerEvent {
  /** `started`: the worker took the shard; `done`: it returned the findings; `failed`: mining threw. */
  type: 'started' | 'done' | 'failed';
  /** The run. */
  run: string;
  /** The shard. */
  shard: number;
  /** For `failed`, the error's message. */
  message?: string;
}

/**
 * A running queue worker.
 *
 * @example
 * ```ts
 * const worker = await startConceptWorker({ url: 'redis://127.0.0.1:6379' });
 * process.on('SIGTERM', () => worker.close());
 * ```
 */
export interface ConceptWorker {
  /** Shards this worker has mined. */
  readonly mined: number;
  /** Stops taking shards, finishes the current one and disconnects. */
  close(): Promise<void>;
}

/**
 * Starts a worker that mines shards from the queue until closed: for each run it meets, it loads the model and options
 * the coordinator stored, and for each shard it mines the samples `batchSize` at a time (yielding between batches, so
 * that the shard's lock is renewed) and returns the merged findings, exactly what a local mining of the shard gives.
 *
 * @throws {@link ConceptsError} when the queue cannot be reached
 *
 * @example
 * ```ts
 * // on each machine, as many as it has cores to spare
 * const worker = await startConceptWorker({ url: 'redis://10.0.0.5:6379', backend: 'wasm' });
 * process.once('SIGTERM', () => void worker.close());
 * ```
 */
export async function startConceptWorker(o: ConceptWorkerOptions): Promise<ConceptWorker> {
  await reach(o.url);
  const { Worker } = await bullmq();
  const { Redis } = await import('ioredis');
  const name = o.name ?? DEFAULT_QUEUE_NAME;
  const connection = { ...redisOptions(o.url), maxRetriesPerRequest: null };
  const redis = new Redis(connection);
  if (o.backend) {
    if (o.backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
    await tf.setBackend(o.backend);
    await tf.ready();
  }
  const miners = new Map<string, { miner: ConceptMiner; model: tf.LayersModel }>();
  const release = (run: string) => {
    const held = miners.get(run);
    held?.miner.dispose();
    held?.model.dispose();
    miners.delete(run);
  };
  const minerOf = async (run: string): Promise<ConceptMiner> => {
    const known = miners.get(run);
    if (known) return known.miner;
    const text = await redis.get(runKey(name, run));
    if (text === null)
      throw new ConceptsError(`the queue holds no model for run ${run}; its coordinator is gone`);
    const init = JSON.parse(text) as RunInit;
    const weights = Buffer.from(init.artifacts.weightData, 'base64');
    const weightData = new Uint8Array(weights.byteLength);
    weightData.set(weights);
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: init.artifacts.modelTopology as tf.io.ModelArtifacts['modelTopology'],
        weightSpecs: init.artifacts.weightSpecs,
        weightData: weightData.buffer,
      }),
    );
    let miner: ConceptMiner;
    try {
      miner = new ConceptMiner(model, init.options);
    } catch (e) {
      model.dispose();
      throw e;
    }
    // one run at a time is the common case: free the models of older runs
    for (const k of [...miners.keys()]) release(k);
    miners.set(run, { miner, model });
    return miner;
  };
  let mined = 0;
  const worker = new Worker<ShardJob, ShardResult>(
    name,
    async (job) => {
      const { run, shard, inputShape, indices, labels } = job.data;
      o.onEvent?.({ type: 'started', run, shard });
      try {
        const miner = await minerOf(run);
        const data = float32FromBase64(job.data.data);
        const size = inputShape.reduce((a, b) => a * b, 1);
        let total: BatchFindings | undefined;
        for (let start = 0; start < indices.length; start += miner.batchSize) {
          const end = Math.min(indices.length, start + miner.batchSize);
          const part = miner.mineArray(
            data.subarray(start * size, end * size),
            inputShape,
            indices.slice(start, end),
            labels.slice(start, end),
          );
          total = total ? appendBatch(total, part, miner.top) : part;
          await new Promise((resolve) => setImmediate(resolve)); // lets the lock renewal run
        }
        mined++;
        o.onEvent?.({ type: 'done', run, shard });
        return serialize(total!);
      } catch (e) {
        o.onEvent?.({ type: 'failed', run, shard, message: (e as Error).message });
        throw e;
      }
    },
    {
      connection,
      concurrency: 1,
      lockDuration: o.lockDurationMs ?? 30_000,
      stalledInterval: o.stalledIntervalMs ?? 30_000,
      maxStalledCount: 2,
    },
  );
  try {
    await Promise.all([worker.waitUntilReady(), redis.ping()]);
  } catch (e) {
    await worker.close().catch(() => undefined);
    redis.disconnect();
    throw e;
  }
  return {
    get mined() {
      return mined;
    },
    async close() {
      await worker.close();
      redis.disconnect();
      for (const k of [...miners.keys()]) release(k);
    },
  };
}
