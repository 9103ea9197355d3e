import * as tf from '@tensorflow/tfjs';
import { analyze } from '@xai-ts/base';
import { Gradient } from '@xai-ts/gradients';
import { expectNoLeaks, seedWeights } from '@xai-ts/testing';
import { describe, expect, it } from 'vitest';
import {
  dataRandomisation,
  EdgeDetector,
  entropy,
  flipCurves,
  MetricValueError,
  maxSensitivity,
  modelRandomisation,
  sparseness,
  spearman,
  splitInRanges,
  srg,
  ssim,
  topKIntersection,
} from '../src/index.js';

// A 4×4 one-channel image of ones and a linear model whose logit 0 is Σ v_p x_p (logit 1 is 0): each pixel's
// contribution is v_p, so flipping pixels to zero takes away exactly their v_p and the curves can be written down.
const v = [3, 16, 9, 1, 12, 5, 14, 7, 2, 11, 6, 15, 10, 4, 13, 8]; // 1..16 in a scrambled order
function linear(): tf.LayersModel {
  const model = tf.sequential({
    layers: [tf.layers.flatten({ inputShape: [4, 4, 1] }), tf.layers.dense({ units: 2, useBias: false })],
  });
  model.layers[1]!.setWeights([
    tf.tensor2d(
      v.flatMap((value) => [value, 0]),
      [16, 2],
    ),
  ]);
  return model;
}
const x = tf.ones([1, 4, 4, 1]);
const relevance = tf.tensor4d(v, [1, 4, 4, 1]); // = v ⊙ x, Input × Gradient

describe('pixel flipping as PixelFlipper.jl (0.1.4-DEV, commit c1a9ea8) defines it', () => {
  it('splits n units into steps ranges with bounds rounded ties up', () => {
    expect(splitInRanges(10, 3)).toEqual([
      [0, 3],
      [3, 7],
      [7, 10],
    ]);
    expect(splitInRanges(16, 4)).toEqual([
      [0, 4],
      [4, 8],
      [8, 12],
      [12, 16],
    ]);
    expect(splitInRanges(5, 2)).toEqual([
      [0, 3],
      [3, 5],
    ]); // 2.5 rounds up
  });

  it('SRG is Σ max(0, LIF − MIF) over the points, divided by the steps', () => {
    expect(srg([1, 0.5, 0.2], [1, 0.9, 0.6])).toBeCloseTo(0.4, 12);
    expect(srg([1, 0.9], [1, 0.5])).toBe(0); // a LIF below MIF counts 0, not negative
  });

  it('MIF, LIF, SRG and AOPC on a linear model, exactly', () => {
    const r = flipCurves(linear(), x, relevance, { steps: 4, output: 'logit', selection: 0 });
    // most relevant first: 16+15+14+13 = 58 go, then 42, 26, 10; least relevant first: 10, 26, 42, 58
    expect(r.mif).toEqual([136, 78, 36, 10, 0]);
    expect(r.lif).toEqual([136, 126, 100, 58, 0]);
    expect(r.occlusion).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(r.srg).toBe((48 + 64 + 48) / 4);
    expect(r.aopc).toBe((58 + 100 + 126 + 136) / 5);
    // the followed output is the softmax probability by default: σ(logit) against a logit of 0
    const p = flipCurves(linear(), x, relevance, { steps: 4, selection: 0 });
    p.mif.forEach((value, k) => {
      expect(value).toBeCloseTo(1 / (1 + Math.exp(-r.mif[k]!)), 6);
    });
  });

  it('patches are ranked by the sum of their pixels and imputed whole', () => {
    // 2×2 patches: top-left {3,16,12,5}=36, top-right {9,1,14,7}=31, bottom-left {2,11,10,4}=27, bottom-right 42
    const r = flipCurves(linear(), x, relevance, { steps: 2, patch: 2, output: 'logit', selection: 0 });
    expect(r.mif).toEqual([136, 136 - 42 - 36, 0]);
    expect(r.lif).toEqual([136, 136 - 27 - 31, 0]);
  });

  it('imputers: a number, the mean colour, a blurred copy, seeded noise', () => {
    const model = linear();
    const constant = flipCurves(model, x, relevance, { steps: 4, output: 'logit', selection: 0, imputer: 1 });
    expect(constant.mif).toEqual([136, 136, 136, 136, 136]); // imputing 1 into an image of ones changes nothing
    const mean = flipCurves(model, x, relevance, {
      steps: 4,
      output: 'logit',
      selection: 0,
      imputer: 'mean',
    });
    expect(mean.mif).toEqual([136, 136, 136, 136, 136]);
    const blur = flipCurves(model, x, relevance, {
      steps: 4,
      output: 'logit',
      selection: 0,
      imputer: 'blur',
    });
    blur.mif.forEach((value) => {
      expect(value).toBeCloseTo(136, 4);
    });
    const a = flipCurves(model, x, relevance, { steps: 4, selection: 0, imputer: 'noise', seed: 3 });
    const b = flipCurves(model, x, relevance, { steps: 4, selection: 0, imputer: 'noise', seed: 3 });
    expect(a.mif).toEqual(b.mif);
  });

  it('rejects options out of range with the library’s error', () => {
    expect(() => flipCurves(linear(), x, relevance, { steps: 0 })).toThrow(MetricValueError);
    expect(() => flipCurves(linear(), x, relevance, { steps: 17 })).toThrow(/at least as many units/);
    expect(() => flipCurves(linear(), x, relevance, { imputer: Number.NaN })).toThrow(MetricValueError);
  });
});

describe('similarity, complexity, robustness', () => {
  it('Spearman, SSIM and top-k intersection on hand-made maps', () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    expect(spearman([1, 1, 2], [5, 5, 9])).toBeCloseTo(1, 12); // ties take their average rank
    const map = Array.from({ length: 64 }, (_, i) => Math.sin(i));
    expect(ssim(map, map, 8, 8)).toBeCloseTo(1, 12);
    expect(
      ssim(
        map,
        map.map((value) => value * 3),
        8,
        8,
      ),
    ).toBeCloseTo(1, 12); // scale-free
    expect(topKIntersection([5, 4, 0, 0], [4, 0, 5, 0], 0.5)).toBe(0.5);
  });

  it('sparseness (Gini) and entropy', () => {
    expect(sparseness(tf.tensor2d([[0, 0, 0, 1]])).mean).toBeCloseTo(0.75, 12);
    expect(sparseness(tf.tensor2d([[2, -2, 2, 2]])).mean).toBeCloseTo(0, 12);
    expect(entropy(tf.tensor2d([[1, -1, 1, 1]])).mean).toBeCloseTo(Math.log(4), 12);
    expect(entropy(tf.tensor2d([[0, 5, 0, 0]])).mean).toBe(0);
  });

  it('max-sensitivity is 0 for a gradient that does not depend on the input', () => {
    const model = linear();
    const g = new Gradient(model);
    expect(maxSensitivity(g, tf.randomNormal([2, 4, 4, 1], 0, 1, 'float32', 1), { n: 3, seed: 1 }).mean).toBe(
      0,
    );
    const nonlinear = tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: [4, 4, 1] }),
        tf.layers.dense({ units: 8, activation: 'tanh' }),
        tf.layers.dense({ units: 2 }),
      ],
    });
    seedWeights(nonlinear, 2);
    const s = maxSensitivity(new Gradient(nonlinear), tf.randomNormal([2, 4, 4, 1], 0, 1, 'float32', 1), {
      radius: 0.5,
      n: 4,
      seed: 2,
    });
    expect(s.mean).toBeGreaterThan(0);
    g.dispose();
  });
});

describe('model-parameter randomisation', () => {
  it('gradient maps change as layers are randomised from the top; an edge detector’s do not', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [12, 12, 3],
          filters: 6,
          kernelSize: 3,
          activation: 'relu',
          name: 'r_c1',
        }),
        tf.layers.conv2d({ filters: 6, kernelSize: 3, activation: 'relu', name: 'r_c2' }),
        tf.layers.flatten({ name: 'r_flat' }),
        tf.layers.dense({ units: 4, name: 'r_out' }),
      ],
    });
    seedWeights(model, 4);
    const input = tf.randomUniform([3, 12, 12, 3], 0, 1, 'float32', 5);
    const gradient = modelRandomisation(model, (m) => new Gradient(m), input, { seed: 1 });
    expect(gradient.steps.map((s) => s.layer)).toEqual(['r_out', 'r_c2', 'r_c1']);
    expect(gradient.steps.at(-1)!.spearman).toBeLessThan(0.7);
    expect(gradient.steps.at(-1)!.spearman).toBeLessThan(gradient.steps[0]!.spearman);
    const edges = modelRandomisation(model, (m) => new EdgeDetector(m), input, { seed: 1 });
    for (const s of edges.steps) {
      expect(s.spearman).toBeCloseTo(1, 12);
      expect(s.ssim).toBeCloseTo(1, 12);
    }
    const independent = modelRandomisation(model, (m) => new Gradient(m), input, {
      seed: 1,
      mode: 'independent',
    });
    expect(independent.steps).toHaveLength(3);
    const before = tf.memory().numTensors;
    modelRandomisation(model, (m) => new Gradient(m), input, { seed: 1, layers: ['r_out'] });
    expect(tf.memory().numTensors).toBe(before);
    const expl = analyze(input, new EdgeDetector(model));
    expect(expl.val.shape).toEqual([3, 12, 12, 1]);
    expl.dispose();
    expectNoLeaks(() => analyze(input, new EdgeDetector(model)).dispose(), 'EdgeDetector');
  });
});

describe('data randomisation', () => {
  const net = (seed: number, units = 4) => {
    const m = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [10, 10, 3], filters: 5, kernelSize: 3, activation: 'relu' }),
        tf.layers.flatten(),
        tf.layers.dense({ units }),
      ],
    });
    seedWeights(m, seed);
    return m;
  };

  it('compares the maps of the trained model with those of the user’s model trained on shuffled labels', () => {
    const trained = net(1);
    const shuffled = net(2);
    const input = tf.randomUniform([4, 10, 10, 3], 0, 1, 'float32', 3);
    const before = tf.memory().numTensors;
    const same = dataRandomisation(trained, trained, (m) => new Gradient(m), input);
    expect(same.spearman).toBeCloseTo(1, 12);
    expect(same.ssim).toBeCloseTo(1, 12);
    expect(same.topK).toBe(1);
    const other = dataRandomisation(trained, shuffled, (m) => new Gradient(m), input);
    expect(other.spearman).toBeLessThan(0.9);
    expect(other.spearmanPerSample).toHaveLength(4);
    const edges = dataRandomisation(trained, shuffled, (m) => new EdgeDetector(m), input);
    expect(edges.spearman).toBeCloseTo(1, 12);
    expect(tf.memory().numTensors).toBe(before);
    const wider = net(3, 6);
    expect(() => dataRandomisation(trained, wider, (m) => new Gradient(m), input)).toThrow(
      /must have the trained model's outputs: \[null,6\] is not \[null,4\]/,
    );
    for (const m of [trained, shuffled, wider]) m.dispose();
    input.dispose();
  });
});
