import * as tf from '@tensorflow/tfjs';
import { analyze, OutputSelectionError } from '@xai-ts/base';
import { loadCase } from '@xai-ts/testing';
import { describe, expect, it } from 'vitest';
import {
  AnalyzerOptionError,
  BaselineShapeError,
  Gradient,
  IntegratedGradients,
  SmoothGrad,
} from '../src/index.js';
import { expectClose, expectNoLeak, randomTensor, setWeights } from './helpers.js';

function mlp(): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [5], units: 8, activation: 'relu' }),
      tf.layers.dense({ units: 3 }),
    ],
  });
  setWeights(model, 21);
  return model;
}

describe('SmoothGrad', () => {
  it('equals Gradient with std = 0', () => {
    const model = mlp();
    const x = randomTensor([3, 5], 1);
    const smooth = analyze(x, new SmoothGrad(model, { n: 4, std: 0 }));
    const grad = analyze(x, new Gradient(model));
    expectClose(smooth.val.dataSync(), grad.val.dataSync(), 1e-5, 1e-7);
    expect(smooth.outputSelection).toEqual(grad.outputSelection);
    expect(smooth.heatmap).toBe('sensitivity');
    expect(smooth.analyzer).toBe('SmoothGrad');
    tf.dispose([x]);
    smooth.dispose();
    grad.dispose();
  });

  it('is reproducible with a seed, independent of batchSize, and random without one', () => {
    const model = mlp();
    const x = randomTensor([2, 5], 2);
    const run = (options: { seed?: number; batchSize?: number }) => {
      const expl = analyze(x, new SmoothGrad(model, { n: 10, std: 0.5, ...options }), 1);
      const data = Array.from(expl.val.dataSync());
      expl.dispose();
      return data;
    };
    const seeded = run({ seed: 5 });
    expect(run({ seed: 5 })).toEqual(seeded);
    expectClose(run({ seed: 5, batchSize: 3 }), seeded, 1e-5, 1e-7);
    expect(run({ seed: 6 })).not.toEqual(seeded);
    expect(run({})).not.toEqual(run({}));
    x.dispose();
  });

  it('is the weights of a linear model whatever the noise', () => {
    const input = tf.input({ shape: [3] });
    const dense = tf.layers.dense({ units: 2 });
    const model = tf.model({ inputs: input, outputs: dense.apply(input) as tf.SymbolicTensor });
    dense.setWeights([
      tf.tensor2d([
        [1, 2],
        [3, 4],
        [5, 6],
      ]),
      tf.tensor1d([0, 0]),
    ]);
    const x = tf.tensor2d([[0.1, 0.2, 0.3]]);
    const expl = analyze(x, new SmoothGrad(model, { n: 8, std: 2, seed: 1 }), 1);
    expectClose(expl.val.dataSync(), [2, 4, 6], 1e-6, 1e-6);
    expl.dispose();
    x.dispose();
  });

  it('explains a sample in a batch as alone (same seed), leaks nothing, rejects bad options', () => {
    const model = mlp();
    const x = randomTensor([2, 5], 3);
    const sg = new SmoothGrad(model, { n: 6, std: 0.3, seed: 2 });
    const batch = analyze(x, sg);
    const x1 = x.slice([1, 0], [1, 5]);
    const alone = analyze(x1, sg);
    expectClose(alone.val.dataSync(), batch.val.slice([1, 0], [1, 5]).dataSync(), 1e-5, 1e-7);
    tf.dispose([x1]);
    batch.dispose();
    alone.dispose();
    expectNoLeak(() => analyze(x, sg).dispose());
    expectNoLeak(() => expect(() => analyze(x, sg, 5)).toThrow(OutputSelectionError));
    expect(() => new SmoothGrad(model, { n: 0 })).toThrow(AnalyzerOptionError);
    expect(() => new SmoothGrad(model, { std: -1 })).toThrow(/SmoothGrad: std must be a finite number ≥ 0/);
    x.dispose();
  });
});

describe('IntegratedGradients', () => {
  it('is exact on a linear model for any n: (x − baseline) ⊙ w', () => {
    const input = tf.input({ shape: [3] });
    const dense = tf.layers.dense({ units: 2 });
    const model = tf.model({ inputs: input, outputs: dense.apply(input) as tf.SymbolicTensor });
    dense.setWeights([
      tf.tensor2d([
        [1, 2],
        [3, 4],
        [5, 6],
      ]),
      tf.tensor1d([0.5, -1]),
    ]);
    const x = tf.tensor2d([[1, -2, 0.5]]);
    const baseline = tf.tensor1d([0.5, 0.5, 0.5]);
    for (const n of [2, 7]) {
      const expl = analyze(x, new IntegratedGradients(model, { n, baseline }), 1);
      expectClose(expl.val.dataSync(), [0.5 * 2, -2.5 * 4, 0], 1e-5, 1e-6);
      expect(expl.heatmap).toBe('attribution');
      expect(expl.analyzer).toBe('IntegratedGradients');
      expl.dispose();
    }
    tf.dispose([x, baseline]);
  });

  it('is complete on the cnn case at n = 200: Σ val = f(x) − f(baseline) within 1 %', () => {
    const ref = loadCase('cnn');
    const model = ref.buildModel();
    const x = ref.input();
    const zero = tf.zerosLike(x);
    const atZero = model.predict(zero) as tf.Tensor;
    for (const selection of [undefined, 7]) {
      const expl = analyze(x, new IntegratedGradients(model, { n: 200, batchSize: 64 }), selection);
      const sums = tf.sum(expl.val, [1, 2, 3]).dataSync();
      const out = expl.output.arraySync() as number[][];
      const base = atZero.arraySync() as number[][];
      expl.outputSelection.forEach((c, s) => {
        const diff = out[s]![c]! - base[s]![c]!;
        expect(
          Math.abs(sums[s]! - diff),
          `sample ${s}, class ${c}: Σ = ${sums[s]}, Δf = ${diff}`,
        ).toBeLessThan(0.01 * Math.abs(diff));
      });
      expl.dispose();
    }
    tf.dispose([x, zero, atZero]);
  });

  it('explains a sample in a batch as alone, leaks nothing, rejects bad options and baselines', () => {
    const model = mlp();
    const x = randomTensor([2, 5], 7);
    const ig = new IntegratedGradients(model, { n: 9, batchSize: 5 });
    const batch = analyze(x, ig);
    const x0 = x.slice([0, 0], [1, 5]);
    const alone = analyze(x0, ig);
    expectClose(alone.val.dataSync(), batch.val.slice([0, 0], [1, 5]).dataSync(), 1e-5, 1e-7);
    tf.dispose([x0]);
    batch.dispose();
    alone.dispose();
    expectNoLeak(() => analyze(x, ig).dispose());
    expectNoLeak(() => expect(() => analyze(x, ig, 3)).toThrow(OutputSelectionError));
    expect(() => new IntegratedGradients(model, { n: 0 })).toThrow(
      /IntegratedGradients: n must be an integer ≥ 2/,
    );
    expect(() => new IntegratedGradients(model, { n: -4 })).toThrow(AnalyzerOptionError);
    const wrong = tf.zeros([4]);
    expectNoLeak(() =>
      expect(() => analyze(x, new IntegratedGradients(model, { baseline: wrong }))).toThrow(
        BaselineShapeError,
      ),
    );
    wrong.dispose();
    x.dispose();
  });
});
