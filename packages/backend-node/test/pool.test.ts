import * as tf from '@tensorflow/tfjs';
import {
  analyze,
  IndexSelector,
  InputShapeError,
  MaxActivationSelector,
  OutputSelectionError,
} from '@xai-ts/base';
import { compositeFromSpec, EpsilonGammaBox, EpsilonPlusFlat, LRP } from '@xai-ts/lrp';
import { loadCase } from '@xai-ts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompositeSpecError, LRPWorkerPool, WorkerPoolError } from '../src/index.js';

const fixtures = new URL('./fixtures/', import.meta.url);
const cnn = loadCase('cnn');

/** The cnn case's two samples and three more, so a batch of 5 splits 3 + 2 across two workers. */
function batchOf5(): tf.Tensor {
  return tf.tidy(() => tf.concat([cnn.input(), tf.randomUniform([3, 16, 16, 3], -1, 1, 'float32', 7)]));
}

function maxRelDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.sub(a, b).abs().max().div(tf.abs(b).max()).dataSync()[0]!);
}

describe('LRPWorkerPool on the cnn reference model', () => {
  let model: tf.LayersModel;
  let pool: LRPWorkerPool;

  beforeAll(async () => {
    model = cnn.buildModel();
    pool = await LRPWorkerPool.create({
      model,
      composite: { preset: 'EpsilonPlusFlat' },
      workers: 2,
      backend: 'cpu',
    });
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
  });

  it.each([
    ['the largest outputs', undefined],
    ['one class for all', 7],
    ['one class per sample', [0, 1, 2, 3, 9]],
    ['an IndexSelector', new IndexSelector(4)],
    ['a MaxActivationSelector', new MaxActivationSelector()],
  ])('equals single-process LRP for %s', async (_, selection) => {
    const x = batchOf5();
    const lrp = new LRP(model, new EpsilonPlusFlat());
    const single = analyze(x, lrp, selection);
    const expl = await pool.analyze(x, selection);
    expect(expl.val.shape).toEqual(x.shape);
    expect(expl.output.shape).toEqual([5, 10]);
    expect(expl.outputSelection).toEqual(single.outputSelection);
    expect(expl.input).toBe(x);
    expect(expl.analyzer).toBe('LRP');
    expect(maxRelDiff(expl.output, single.output)).toBeLessThan(1e-6);
    expect(maxRelDiff(expl.val, single.val)).toBeLessThan(1e-5);
    // The relevance is not trivially zero: each sample keeps most of its output relevance of 1.
    const sums = tf.tidy(() => expl.val.sum([1, 2, 3]).arraySync() as number[]);
    for (const s of sums) expect(Math.abs(s)).toBeGreaterThan(0.1);
    expl.dispose();
    single.dispose();
    lrp.dispose();
    x.dispose();
  });

  it('gives a batch of one sample to one worker', async () => {
    const x = tf.tidy(() => cnn.input().slice([1], [1]));
    const lrp = new LRP(model, new EpsilonPlusFlat());
    const single = analyze(x, lrp, 3);
    const expl = await pool.analyze(x, 3);
    expect(expl.outputSelection).toEqual([3]);
    expect(maxRelDiff(expl.val, single.val)).toBeLessThan(1e-5);
    x.dispose();
    expl.dispose();
    single.dispose();
    lrp.dispose();
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

  it('leaves no tensor behind in the main thread', async () => {
    const x = batchOf5();
    await pool.analyze(x).then((e) => e.dispose());
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) (await pool.analyze(x, [1, 2, 3, 4, 5])).dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('checks inputs and selections before sending anything', async () => {
    const x = cnn.input();
    await expect(pool.analyze(tf.zeros([16, 16, 3]))).rejects.toThrow(InputShapeError);
    await expect(pool.analyze(x, 10)).rejects.toThrow(
      /class index 10 is out of range: the model has 10 outputs/,
    );
    await expect(pool.analyze(x, [1, 2, 3])).rejects.toThrow(/3 indices but the batch has 2 samples/);
    const custom = { select: () => [0, 0] };
    await expect(pool.analyze(x, custom as never)).rejects.toThrow(OutputSelectionError);
    x.dispose();
  });
});

describe('LRPWorkerPool setup', () => {
  it('takes saved artifacts and a rule map, as new LRP(model, composite) does', async () => {
    const model = cnn.buildModel();
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const pool = await LRPWorkerPool.create({
      model: artifacts!,
      composite: {
        preset: 'EpsilonGammaBox',
        options: { low: -3, high: 3 },
        rules: { dense_1: { rule: 'EpsilonRule', epsilon: 0.25 } },
      },
      workers: 2,
      backend: 'cpu',
    });
    const x = batchOf5();
    const lrp = new LRP(model, new EpsilonGammaBox({ low: -3, high: 3 }));
    const plain = analyze(x, lrp, 7);
    const expl = await pool.analyze(x, 7);
    // dense_1 with ε = 0.25 changes the result: the rule map reached the workers.
    expect(maxRelDiff(expl.val, plain.val)).toBeGreaterThan(1e-3);
    await pool.close();
    tf.dispose([x]);
    for (const d of [expl, plain, lrp, model]) d.dispose();
  });

  it('rejects a bad composite spec before starting workers', async () => {
    const model = cnn.buildModel();
    await expect(
      LRPWorkerPool.create({ model, composite: { preset: 'EpsilonPlusFlatt' as never }, backend: 'cpu' }),
    ).rejects.toThrow(CompositeSpecError);
    await expect(
      LRPWorkerPool.create({ model, composite: { rules: { conv2d_1: { rule: 'GammaRule', gamma: -1 } } } }),
    ).rejects.toThrow(/rules\["conv2d_1"\] \(GammaRule\): .*gamma/);
    model.dispose();
  });

  it('names the worker error when the model does not take the spec', async () => {
    const model = cnn.buildModel();
    const error = await LRPWorkerPool.create({
      model,
      composite: { rules: { no_such_layer: { rule: 'ZeroRule' } } },
      workers: 1,
      backend: 'cpu',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerPoolError);
    expect((error as WorkerPoolError).remoteName).toBe('CompositeError');
    expect((error as Error).message).toMatch(/worker 0 could not start: .*no layer named "no_such_layer"/);
    model.dispose();
  });

  it('rejects a worker crash while explaining with a WorkerPoolError, and stays closed', async () => {
    const model = cnn.buildModel();
    const pool = await LRPWorkerPool.create({
      model,
      composite: { preset: 'EpsilonPlus' },
      workers: 2,
      backend: 'cpu',
      setup: [new URL('crash-on-analyze.mjs', fixtures)],
    });
    const x = cnn.input();
    const error = await pool.analyze(x).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerPoolError);
    expect((error as Error).message).toMatch(
      /worker \d crashed: crash requested by the test.*the pool is closed/,
    );
    expect(pool.closed).toBe(true);
    await expect(pool.analyze(x)).rejects.toThrow(WorkerPoolError);
    await pool.close();
    x.dispose();
    model.dispose();
  });

  it('rejects when a worker exits while explaining', async () => {
    const model = cnn.buildModel();
    const pool = await LRPWorkerPool.create({
      model,
      workers: 1,
      backend: 'cpu',
      setup: [new URL('exit-on-analyze.mjs', fixtures)],
    });
    const x = cnn.input();
    await expect(pool.analyze(x)).rejects.toThrow(/worker 0 exited with code 3/);
    await pool.close();
    x.dispose();
    model.dispose();
  });

  it('closes: pending and later calls reject, and every worker ends', async () => {
    const model = cnn.buildModel();
    const pool = await LRPWorkerPool.create({ model, workers: 2, backend: 'cpu', setup: [] });
    const x = batchOf5();
    const pending = pool.analyze(x).catch((e: unknown) => e);
    await pool.close();
    const error = await pending;
    expect(error).toBeInstanceOf(WorkerPoolError);
    expect((error as Error).message).toMatch(/the pool is closed/);
    await expect(pool.analyze(x)).rejects.toThrow(WorkerPoolError);
    await pool.close(); // again: nothing happens
    expect(pool.closed).toBe(true);
    x.dispose();
    model.dispose();
  });
});

describe('LRPWorkerPool with a custom layer kind and a custom rule (setup modules)', () => {
  it('equals LRP in this thread, the rule named in the composite spec', async () => {
    const { Scale } = await import('./fixtures/extensions.mjs');
    const input = tf.input({ shape: [6] });
    const scaled = new Scale({ factor: 2, name: 'scale' }).apply(input) as tf.SymbolicTensor;
    const hidden = tf.layers.dense({ units: 5, activation: 'relu', name: 'hidden' }).apply(scaled);
    const out = tf.layers.dense({ units: 3, name: 'out' }).apply(hidden) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    const composite = {
      preset: 'EpsilonPlus',
      rules: { hidden: { rule: 'FlooredWPlus', floor: 0.1 } },
    } as const;
    const lrp = new LRP(model, compositeFromSpec(composite));
    expect(lrp.toString()).toMatch(/hidden\s+Dense\s+=> FlooredWPlus\(floor=0\.1\)/);
    const pool = await LRPWorkerPool.create({
      model,
      composite,
      workers: 2,
      backend: 'cpu',
      setup: [new URL('extensions.mjs', fixtures)],
    });
    const x = tf.randomNormal([4, 6], 0, 1, 'float32', 9);
    const single = analyze(x, lrp, 1);
    const expl = await pool.analyze(x, 1);
    expect(maxRelDiff(expl.val, single.val)).toBeLessThan(1e-5);
    expect(tf.tidy(() => tf.abs(expl.val).sum().dataSync()[0]!)).toBeGreaterThan(0);
    await pool.close();
    expl.dispose();
    single.dispose();
    lrp.dispose();
    x.dispose();
    model.dispose();
  });
});
