import * as tf from '@tensorflow/tfjs';
import {
  analyze,
  IndexSelector,
  InputShapeError,
  MaxActivationSelector,
  OutputSelectionError,
} from '@xai-ts/base';
import { CompositeSpecError, EpsilonGammaBox, EpsilonPlusFlat, LRP } from '@xai-ts/lrp';
import { loadCase } from '@xai-ts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LRPPool, LRPWebWorkerPool, type WorkerEndpoint, WorkerPoolError } from '../src/index.js';
import { type ChannelOptions, type ChannelWorker, channelWorker } from './channel.js';

const cnn = loadCase('cnn');

/** The cnn case's two samples and three more, so a batch of 5 splits 3 + 2 across two workers. */
function batchOf5(): tf.Tensor {
  return tf.tidy(() => tf.concat([cnn.input(), tf.randomUniform([3, 16, 16, 3], -1, 1, 'float32', 7)]));
}

function maxRelDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.sub(a, b).abs().max().div(tf.abs(b).max()).dataSync()[0]!);
}

/** A pool of `n` channel workers, and the workers. */
async function channelPool(
  model: tf.LayersModel | tf.io.ModelArtifacts,
  options: Partial<Parameters<typeof LRPWebWorkerPool.create>[0]> & { channel?: ChannelOptions } = {},
  n = 2,
): Promise<{ pool: LRPWebWorkerPool; workers: ChannelWorker[] }> {
  const workers: ChannelWorker[] = [];
  const pool = await LRPWebWorkerPool.create({
    model,
    workers: n,
    backend: 'cpu',
    ...options,
    createWorker: () => {
      const w = channelWorker(options.channel);
      workers.push(w);
      return w;
    },
  });
  return { pool, workers };
}

const analyzeRequests = (w: ChannelWorker) =>
  w.sent.filter((m) => (m as { type: string }).type === 'analyze');

describe('LRPWebWorkerPool on the cnn reference model (MessageChannel workers)', () => {
  let model: tf.LayersModel;
  let pool: LRPWebWorkerPool;
  let workers: ChannelWorker[];

  beforeAll(async () => {
    model = cnn.buildModel();
    ({ pool, workers } = await channelPool(model, { composite: { preset: 'EpsilonPlusFlat' } }));
  });
  afterAll(async () => {
    await pool.close();
    model.dispose();
  });

  it('reports what it runs', () => {
    expect(pool.size).toBe(2);
    expect(pool.backend).toBe('cpu');
    expect(pool.inputShape).toEqual([null, 16, 16, 3]);
    expect(pool.outputsPerSample).toBe(10);
    expect(pool.closed).toBe(false);
    // each worker got the model and the composite in its first message
    for (const w of workers) expect(w.sent[0]).toMatchObject({ type: 'init', init: { backend: 'cpu' } });
  });

  it.each([
    ['the largest outputs', undefined],
    ['one class for all', 7],
    ['one class per sample', [0, 1, 2, 3, 9]],
    ['an IndexSelector', new IndexSelector(4)],
    ['a MaxActivationSelector', new MaxActivationSelector()],
  ])('equals single-thread LRP for %s', async (_, selection) => {
    const x = batchOf5();
    const lrp = new LRP(model, new EpsilonPlusFlat());
    const single = analyze(x, lrp, selection);
    const before = workers.map((w) => analyzeRequests(w).length);
    const expl = await pool.analyze(x, selection);
    // 3 samples went to worker 0, 2 to worker 1
    expect(workers.map((w, i) => analyzeRequests(w).length - before[i]!)).toEqual([1, 1]);
    expect((analyzeRequests(workers[0]!).at(-1) as { shape: number[] }).shape).toEqual([3, 16, 16, 3]);
    expect(expl.val.shape).toEqual(x.shape);
    expect(expl.output.shape).toEqual([5, 10]);
    expect(expl.outputSelection).toEqual(single.outputSelection);
    expect(expl.input).toBe(x);
    expect(expl.analyzer).toBe('LRP');
    expect(maxRelDiff(expl.output, single.output)).toBeLessThan(1e-6);
    expect(maxRelDiff(expl.val, single.val)).toBeLessThan(1e-5);
    const sums = tf.tidy(() => expl.val.sum([1, 2, 3]).arraySync() as number[]);
    for (const s of sums) expect(Math.abs(s)).toBeGreaterThan(0.1);
    for (const d of [expl, single, lrp, x]) d.dispose();
  });

  it('gives a batch of one sample to one worker', async () => {
    const x = tf.tidy(() => cnn.input().slice([1], [1]));
    const lrp = new LRP(model, new EpsilonPlusFlat());
    const single = analyze(x, lrp, 3);
    const before = analyzeRequests(workers[1]!).length;
    const expl = await pool.analyze(x, 3);
    expect(analyzeRequests(workers[1]!).length).toBe(before);
    expect(expl.outputSelection).toEqual([3]);
    expect(maxRelDiff(expl.val, single.val)).toBeLessThan(1e-5);
    for (const d of [expl, single, lrp, x]) d.dispose();
  });

  it('answers concurrent calls each with its own batch', async () => {
    const a = cnn.input();
    const b = batchOf5();
    const [ea, eb] = await Promise.all([pool.analyze(a, 7), pool.analyze(b, 2)]);
    expect(ea.outputSelection).toEqual([7, 7]);
    expect(eb.outputSelection).toEqual([2, 2, 2, 2, 2]);
    const firstTwo = tf.tidy(() => eb.val.slice([0], [2]));
    const again = await pool.analyze(a, 2);
    expect(maxRelDiff(firstTwo, again.val)).toBe(0);
    tf.dispose([a, b, firstTwo]);
    for (const e of [ea, eb, again]) e.dispose();
  });

  it('leaves no tensor behind, on either side', async () => {
    const x = batchOf5();
    await pool.analyze(x).then((e) => e.dispose());
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) (await pool.analyze(x, [1, 2, 3, 4, 5])).dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('checks inputs and selections before sending anything', async () => {
    const x = cnn.input();
    const sent = workers.map((w) => w.sent.length);
    await expect(pool.analyze(tf.zeros([16, 16, 3]))).rejects.toThrow(InputShapeError);
    await expect(pool.analyze(x, 10)).rejects.toThrow(
      /class index 10 is out of range: the model has 10 outputs/,
    );
    await expect(pool.analyze(x, [1, 2, 3])).rejects.toThrow(/3 indices but the batch has 2 samples/);
    const custom = { select: () => [0, 0] };
    await expect(pool.analyze(x, custom as never)).rejects.toThrow(
      /cannot send the selector Object to its workers/,
    );
    await expect(pool.analyze(x, custom as never)).rejects.toThrow(OutputSelectionError);
    expect(workers.map((w) => w.sent.length)).toEqual(sent);
    x.dispose();
  });
});

describe('LRPWebWorkerPool setup', () => {
  it('takes saved artifacts and a rule map over a preset', async () => {
    const model = cnn.buildModel();
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const x = batchOf5();
    const lrp = new LRP(model, new EpsilonGammaBox({ low: -3, high: 3 }));
    const plain = analyze(x, lrp, 7);
    const make = (rules?: Record<string, { rule: 'EpsilonRule'; epsilon: number }>) =>
      channelPool(artifacts!, {
        composite: { preset: 'EpsilonGammaBox', options: { low: -3, high: 3 }, ...(rules ? { rules } : {}) },
      });
    const same = await make();
    const changed = await make({ dense_1: { rule: 'EpsilonRule', epsilon: 0.25 } });
    const [a, b] = await Promise.all([same.pool.analyze(x, 7), changed.pool.analyze(x, 7)]);
    expect(maxRelDiff(a.val, plain.val)).toBeLessThan(1e-5);
    // dense_1 with ε = 0.25 changes the result: the rule map reached the workers.
    expect(maxRelDiff(b.val, plain.val)).toBeGreaterThan(1e-3);
    await Promise.all([same.pool.close(), changed.pool.close()]);
    for (const d of [a, b, plain, lrp, model, x]) d.dispose();
  });

  it('frees what the workers built when it closes', async () => {
    const model = cnn.buildModel();
    const x = batchOf5();
    const before = tf.memory().numTensors;
    const { pool } = await channelPool(model, { composite: { preset: 'EpsilonPlus' } });
    (await pool.analyze(x)).dispose();
    await pool.close();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
    x.dispose();
  });

  it('rejects a bad composite spec, worker count or model before making workers', async () => {
    const model = cnn.buildModel();
    let made = 0;
    const createWorker = () => {
      made++;
      return channelWorker();
    };
    await expect(
      LRPWebWorkerPool.create({ model, composite: { preset: 'EpsilonPlusFlatt' as never }, createWorker }),
    ).rejects.toThrow(CompositeSpecError);
    await expect(
      LRPWebWorkerPool.create({
        model,
        composite: { rules: { conv2d_1: { rule: 'GammaRule', gamma: -1 } } },
        createWorker,
      }),
    ).rejects.toThrow(/rules\["conv2d_1"\] \(GammaRule\): .*gamma/);
    await expect(LRPWebWorkerPool.create({ model, workers: 0, createWorker })).rejects.toThrow(
      /LRPWebWorkerPool needs a whole number of workers ≥ 1, got 0/,
    );
    await expect(LRPWebWorkerPool.create({ model, workers: 1.5, createWorker })).rejects.toThrow(
      WorkerPoolError,
    );
    await expect(
      LRPWebWorkerPool.create({ model: { weightData: new ArrayBuffer(4) } as never, createWorker }),
    ).rejects.toThrow(/needs a tf.LayersModel or its saved artifacts/);
    expect(made).toBe(0);
    model.dispose();
  });

  it("names the worker's error when the model does not take the spec, and ends every worker", async () => {
    const model = cnn.buildModel();
    const workers: ChannelWorker[] = [];
    const error = await channelPool(model, { composite: { rules: { no_such_layer: { rule: 'ZeroRule' } } } })
      .catch((e: unknown) => e)
      .finally(() => {});
    expect(error).toBeInstanceOf(WorkerPoolError);
    expect((error as WorkerPoolError).remoteName).toBe('CompositeError');
    expect((error as WorkerPoolError).worker).toBeGreaterThanOrEqual(0);
    expect((error as Error).message).toMatch(
      /worker \d could not start: CompositeError: .*no layer named "no_such_layer"/,
    );
    // the same start with workers we can see: all terminated
    await LRPWebWorkerPool.create({
      model,
      composite: { rules: { no_such_layer: { rule: 'ZeroRule' } } },
      workers: 3,
      backend: 'cpu',
      createWorker: () => {
        const w = channelWorker();
        workers.push(w);
        return w;
      },
    }).catch(() => {});
    expect(workers.map((w) => w.terminated)).toEqual([true, true, true]);
    model.dispose();
  });

  it('says so when the worker lacks the backend', async () => {
    const model = cnn.buildModel();
    const error = await channelPool(model, { backend: 'webgpu' }, 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerPoolError);
    expect((error as Error).message).toMatch(
      /worker 0 could not start: Error: the "webgpu" backend is not registered in this worker: import its package/,
    );
    model.dispose();
  });

  it('rejects when a worker script fails to load, or createWorker throws', async () => {
    const model = cnn.buildModel();
    const workers: ChannelWorker[] = [];
    const start = LRPWebWorkerPool.create({
      model,
      workers: 2,
      backend: 'cpu',
      createWorker: (i) => {
        const w = channelWorker();
        workers.push(w);
        // an error event without a message: what a missing script gives
        if (i === 1) queueMicrotask(() => w.crash());
        return w;
      },
    });
    await expect(start).rejects.toThrow(
      /worker 1 crashed while starting: its script failed to load or threw before it could say why/,
    );
    expect(workers.map((w) => w.terminated)).toEqual([true, true]);
    await expect(
      LRPWebWorkerPool.create({
        model,
        createWorker: () => {
          throw new Error('SecurityError: the script is on another origin');
        },
      }),
    ).rejects.toThrow(/worker 0 could not be created: SecurityError/);
    model.dispose();
  });
});

describe('LRPWebWorkerPool failures and close', () => {
  it("rejects a worker's error reply with its class name, and stays open", async () => {
    const model = cnn.buildModel();
    // The workers get a request with a shape the model does not take, so their analyze() throws.
    let corrupt = true;
    const { pool } = await channelPool(model, {
      channel: {
        rewrite: (m) =>
          m.type === 'analyze' && corrupt ? { ...m, shape: [(m.shape as number[])[0], 16, 48, 1] } : m,
      },
    });
    const x = cnn.input();
    const error = await pool.analyze(x).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerPoolError);
    expect((error as WorkerPoolError).remoteName).toBe('InputShapeError');
    expect((error as Error).message).toMatch(/^worker \d: InputShapeError: /);
    expect(pool.closed).toBe(false);
    corrupt = false;
    const expl = await pool.analyze(x, 1);
    expect(expl.outputSelection).toEqual([1, 1]);
    expl.dispose();
    await pool.close();
    x.dispose();
    model.dispose();
  });

  it('rejects a worker crash while explaining, closes, and ends every worker', async () => {
    const model = cnn.buildModel();
    const { pool, workers } = await channelPool(model, {
      composite: { preset: 'EpsilonPlus' },
      channel: { crashOnAnalyze: 'RangeError: out of memory' },
    });
    const x = cnn.input();
    const error = await pool.analyze(x).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerPoolError);
    expect((error as Error).message).toMatch(
      /^worker \d crashed: RangeError: out of memory; the pool is closed, create a new LRPWebWorkerPool$/,
    );
    expect(pool.closed).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(workers.map((w) => w.terminated)).toEqual([true, true]);
    await expect(pool.analyze(x)).rejects.toBe(error);
    await pool.close();
    x.dispose();
    model.dispose();
  });

  it('closes: pending and later calls reject, every worker ends, closing again does nothing', async () => {
    const model = cnn.buildModel();
    const { pool, workers } = await channelPool(model);
    const x = batchOf5();
    const pending = pool.analyze(x).catch((e: unknown) => e);
    await pool.close();
    const error = await pending;
    expect(error).toBeInstanceOf(WorkerPoolError);
    expect((error as Error).message).toBe('the pool is closed; create a new LRPWebWorkerPool');
    expect((error as WorkerPoolError).worker).toBe(-1);
    await expect(pool.analyze(x)).rejects.toThrow(WorkerPoolError);
    expect(workers.map((w) => w.terminated)).toEqual([true, true]);
    await pool.close();
    expect(pool.closed).toBe(true);
    x.dispose();
    model.dispose();
  });
});

describe('LRPPool over a transport of its own', () => {
  it('tells each endpoint when it is busy and when idle', async () => {
    const model = cnn.buildModel();
    const log: string[] = [];
    const spawn = (i: number): WorkerEndpoint => {
      const w = channelWorker();
      return {
        postMessage: (m, t) => w.postMessage(m, t),
        listen(onMessage, onFailure) {
          w.addEventListener('message', (e) => onMessage(e.data));
          w.addEventListener('error', (e) => onFailure({ reason: 'crashed', detail: e.message ?? '' }));
        },
        terminate: () => w.terminate(),
        busy: (busy) => log.push(`${i}:${busy ? 'busy' : 'idle'}`),
      };
    };
    const pool = await LRPPool.start({ model, workers: 2, backend: 'cpu', spawn });
    expect(log.sort()).toEqual(['0:idle', '1:idle']);
    log.length = 0;
    const x = batchOf5();
    const [a, b] = await Promise.all([pool.analyze(x), pool.analyze(x)]);
    // two calls, each with one chunk per worker: busy once, idle once when both chunks are done
    expect(log.filter((l) => l.startsWith('0')).join()).toBe('0:busy,0:idle');
    expect(log.filter((l) => l.startsWith('1')).join()).toBe('1:busy,1:idle');
    const pending = pool.analyze(x).catch((e: unknown) => e);
    await pool.close();
    expect(await pending).toBeInstanceOf(WorkerPoolError);
    expect(log.slice(-2).sort()).toEqual(['0:idle', '1:idle']);
    expect((await pending) as Error).toHaveProperty('message', 'the pool is closed; create a new LRPPool');
    for (const d of [a, b, x, model]) d.dispose();
  });
});
