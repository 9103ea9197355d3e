import * as tf from '@tensorflow/tfjs';
import { analyze } from '@xai-ts/base';
import { describe, expect, it } from 'vitest';
import { AlphaBetaRule, Composite, GlobalTypeMap, LRP, stabilize } from '../src/index.js';

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
