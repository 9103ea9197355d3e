import * as tf from '@tensorflow/tfjs';
import { analyze } from '@xai-ts/base';
import { expectNoLeaks, seedWeights } from '@xai-ts/testing';
import { describe, expect, it } from 'vitest';
import { AnalyzerOptionError, Gradient, SmoothDiff, SmoothGrad, SoftPlusTrick } from '../src/index.js';

function maxRel(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]! / tf.max(tf.abs(b)).dataSync()[0]!);
}

/** input → Conv2D → `nonlinear` → everything after it linear → 3 logits. */
function oneNonlinearity(nonlinear: tf.layers.Layer): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 4, kernelSize: 3, padding: 'same' }),
      nonlinear,
      tf.layers.flatten(),
      tf.layers.dense({ units: 3 }),
    ],
  });
  seedWeights(model, 5);
  return model;
}

describe('SmoothDiff', () => {
  const x = tf.randomNormal([2, 6, 6, 2], 0, 1, 'float32', 1);

  // Behind a single nonlinearity everything is linear, so the mean of the noisy gradients (SmoothGrad) is the gradient
  // through the mean Jacobian (SmoothDiff), exactly: the same seed draws the same noise.
  it.each([
    ['ReLU', () => tf.layers.activation({ activation: 'relu' })],
    ['max pooling 3×3/2', () => tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' })],
    ['max pooling 2×2', () => tf.layers.maxPooling2d({ poolSize: 2 })],
    ['swish', () => tf.layers.activation({ activation: 'swish' })],
  ])('equals SmoothGrad behind one %s', (_, layer) => {
    const model = oneNonlinearity(layer());
    const options = { n: 12, std: 0.8, seed: 9, batchSize: 8 };
    const sd = new SmoothDiff(model, options);
    const sg = new SmoothGrad(model, options);
    const a = analyze(x, sd, 1);
    const b = analyze(x, sg, 1);
    expect(maxRel(a.val, b.val)).toBeLessThan(1e-5);
    a.dispose();
    b.dispose();
    sd.dispose();
    sg.dispose();
  });

  it('with no noise is the gradient, and on a stack of nonlinearities differs from SmoothGrad', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [6, 6, 2],
          filters: 4,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
        }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 3 }),
      ],
    });
    seedWeights(model, 6);
    const g = analyze(x, new Gradient(model), 0);
    const none = analyze(x, new SmoothDiff(model, { n: 3, std: 0, seed: 1 }), 0);
    expect(maxRel(none.val, g.val)).toBeLessThan(1e-6);
    const sd = analyze(x, new SmoothDiff(model, { n: 16, std: 1, seed: 2 }), 0);
    const sg = analyze(x, new SmoothGrad(model, { n: 16, std: 1, seed: 2 }), 0);
    expect(maxRel(sd.val, sg.val)).toBeGreaterThan(1e-3); // E[m ⊙ r] ≠ E[m] ⊙ E[r]
    for (const e of [g, none, sd, sg]) e.dispose();
  });

  it('is batch-consistent, seeded, and leaks nothing', () => {
    const model = oneNonlinearity(tf.layers.activation({ activation: 'relu' }));
    const sd = new SmoothDiff(model, { n: 5, std: 0.5, seed: 4, batchSize: 4 });
    const before = tf.memory().numTensors;
    const both = analyze(x, sd, 2);
    const x1 = x.slice([1], [1]);
    const one = analyze(x1, sd, 2);
    const row = both.val.slice([1], [1]);
    expect(maxRel(one.val, row)).toBeLessThan(1e-5);
    row.dispose();
    both.dispose();
    one.dispose();
    x1.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expectNoLeaks(() => analyze(x, sd, 2).dispose(), 'SmoothDiff');
    sd.dispose();
  });

  it('checks its options', () => {
    const model = oneNonlinearity(tf.layers.activation({ activation: 'relu' }));
    expect(() => new SmoothDiff(model, { n: 0 })).toThrow(AnalyzerOptionError);
    expect(() => new SmoothDiff(model, { std: -1 })).toThrow(AnalyzerOptionError);
    expect(() => new SoftPlusTrick(model, { beta: 0 })).toThrow(AnalyzerOptionError);
  });
});

describe('SoftPlusTrick', () => {
  it('replaces ReLU’s derivative by σ(βz): exact on a one-unit network, close to the gradient for a large β', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({
          inputShape: [1],
          units: 1,
          activation: 'relu',
          kernelInitializer: 'ones',
          useBias: false,
        }),
        tf.layers.dense({
          units: 1,
          kernelInitializer: tf.initializers.constant({ value: 3 }),
          useBias: false,
        }),
      ],
    });
    const x = tf.tensor2d([[-0.5], [0.7]]);
    const expl = analyze(x, new SoftPlusTrick(model, { beta: 2 }), 0);
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const got = Array.from(expl.val.dataSync());
    expect(got[0]).toBeCloseTo(3 * sig(-1), 6);
    expect(got[1]).toBeCloseTo(3 * sig(1.4), 6);
    const sharp = analyze(x, new SoftPlusTrick(model, { beta: 200 }), 0);
    expect(Array.from(sharp.val.dataSync()).map((v) => Number(v.toFixed(4)))).toEqual([0, 3]);
    expl.dispose();
    sharp.dispose();
    const soft = new SoftPlusTrick(model, { beta: 2 });
    expectNoLeaks(() => analyze(x, soft, 0).dispose(), 'SoftPlusTrick');
    soft.dispose();
  });
});
