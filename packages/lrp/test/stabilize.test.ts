import * as tf from '@tensorflow/tfjs';
import { analyze } from '@xai-ts/base';
import { describe, expect, it } from 'vitest';
import {
  AlphaBetaRule,
  Composite,
  FirstLayerMap,
  GlobalTypeMap,
  LRP,
  stabilize,
  ZBoxRule,
} from '../src/index.js';

describe('stabilize', () => {
  it('adds e with the sign of z, sign(0) = +1', () => {
    const z = tf.tensor1d([-2, 0, 3]);
    expect(Array.from(stabilize(z, 0.5).dataSync())).toEqual([-2.5, 0.5, 3.5]);
    expect(Array.from(stabilize(tf.tensor1d([0, 3]), 0.5, 'nonNegative').dataSync())).toEqual([0.5, 3.5]);
    expect(Array.from(stabilize(tf.tensor1d([-2, -0.25]), 0.5, 'nonPositive').dataSync())).toEqual([
      -2.5, -0.75,
    ]);
  });
});

describe('AlphaBetaRule where zβ = 0', () => {
  it('gives exactly α times the z⁺ share to an output whose weights are all ≥ 0', () => {
    // one dense layer, inputs ≥ 0 (after a ReLU): unit 0 has only non-negative weights, so zβ = 0 there
    const input = tf.input({ shape: [3] });
    const relu = tf.layers.reLU().apply(input) as tf.SymbolicTensor;
    const dense = tf.layers.dense({ units: 2, useBias: false });
    const model = tf.model({ inputs: input, outputs: dense.apply(relu) as tf.SymbolicTensor });
    dense.setWeights([tf.tensor2d([1, -1, 2, 3, 0, -2], [3, 2])]);
    const a = [1, 2, 4];
    const composite = new Composite(new GlobalTypeMap([['dense', new AlphaBetaRule()]]));
    const lrp = new LRP(model, composite, { normalizeOutputRelevance: false });
    const expl = analyze(tf.tensor2d([a], [1, 3]), lrp, 0);
    // R = z0 = 1 + 4 + 0 = 5; zα = 5 (+1e-9), zβ = 0: R_in = 2 · a ⊙ W⁺[:,0] · R / zα − 1 · 0
    const r = 5;
    const za = 5 + 1e-9;
    const expected = [1 * 1, 2 * 2, 4 * 0].map((t) => (2 * t * r) / za);
    const got = Array.from(expl.val.dataSync());
    got.forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i]!, 5);
    });
    expl.dispose();
    lrp.dispose();
  });
});

describe('stabilize without a known sign', () => {
  it('equals where(z ≥ 0, z + e, z − e) bit for bit, −0 and tiny values included', () => {
    const values = [-3.5, -1e-30, -0, 0, 1e-30, 2, 7.25, -1e38, 1e38];
    const z = tf.tensor1d(values);
    const reference = tf.where(tf.greaterEqual(z, 0), tf.add(z, 1e-9), tf.sub(z, 1e-9));
    expect(Array.from(stabilize(z, 1e-9).dataSync())).toEqual(Array.from(reference.dataSync()));
  });
});

describe('ZBoxRule with number bounds (merged into one term) and tensor bounds (a term each)', () => {
  it('gives the same relevance', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, strides: 2, padding: 'same' }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 4 }),
      ],
    });
    const x = tf.randomUniform([2, 6, 6, 2], -2, 3, 'float32', 5);
    const low = tf.fill([1, 6, 6, 2], -2);
    const high = tf.fill([1, 6, 6, 2], 3);
    const run = (rule: ZBoxRule) => {
      const lrp = new LRP(model, new Composite(new FirstLayerMap(rule)));
      const e = analyze(x, lrp, 1);
      const out = Array.from(e.val.dataSync());
      e.dispose();
      lrp.dispose();
      rule.dispose();
      return out;
    };
    const merged = run(new ZBoxRule({ low: -2, high: 3 }));
    const separate = run(new ZBoxRule({ low, high }));
    const scale = Math.max(...separate.map(Math.abs));
    expect(scale).toBeGreaterThan(0);
    merged.forEach((v, i) => {
      expect(Math.abs(v - separate[i]!)).toBeLessThanOrEqual(1e-5 * scale);
    });
    model.dispose();
  });
});
