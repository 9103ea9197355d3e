import * as tf from '@tensorflow/tfjs';
import { analyze, IndexedFeatures, TopNFeatures } from '@xai-ts/base';
import { LRP } from '@xai-ts/lrp';
import { describe, expect, it } from 'vitest';
import {
  type Condition,
  CRP,
  type CRPExplanation,
  conditionalRelevance,
  MultiLayerCRP,
} from '../src/index.js';
import { analyticChain, analyticChain3, analyticResidual, parallelBranches } from './models.js';

/** Float32 results of exact fractions: equal to ~1e-7 relative (stabilizer 1e-9 and float32 rounding). */
function expectValues(actual: tf.Tensor, expected: number[][]): void {
  const got = actual.arraySync() as number[][];
  expect(got.length).toBe(expected.length);
  got.forEach((row, i) => {
    row.forEach((v, j) => {
      expect(v).toBeCloseTo(expected[i]![j]!, 6);
    });
  });
}

describe('ANALYTIC.md case 7: CRP on a two-layer chain', () => {
  // z1 = W1 x + b1 = [7, 9]; z2 = [51, 32]; max output 0, R = [1, 0].
  // At d1's output: R = a ⊙ W2[0,:] / 51 = [14/51, 36/51]; TopNFeatures(1) keeps unit 1 (36/51).
  // Below: s = (36/51) / 9 = 4/51; R_in = x ⊙ W1[1,:] s = [1·4, 2·2]·4/51 = [16/51, 16/51].
  it('gives [16/51, 16/51] and the feature relevance 36/51', () => {
    const model = analyticChain();
    const lrp = new LRP(model);
    const x = tf.tensor2d([[1, 2]]);
    const expl = analyze(x, new CRP(lrp, 'd1', new TopNFeatures(1)), undefined) as CRPExplanation;
    expectValues(expl.val, [[16 / 51, 16 / 51]]);
    expect(expl.extras.features).toEqual([[1]]);
    expect(expl.extras.featureRelevance[0]![0]).toBeCloseTo(36 / 51, 6);
    expect(expl.extras.layer).toBe('d1');
    expect(expl.outputSelection).toEqual([0]);
    expect(expl.analyzer).toBe('CRP');
    expect(expl.heatmap).toBe('attribution');
    expl.dispose();
    x.dispose();
    lrp.dispose();
  });

  it('concept layer by index; both features, feature-major over a batch of two', () => {
    const lrp = new LRP(analyticChain());
    // sample 1, x = [2, 1]: z1 = [5, 11], z2 = [55, 28]; R at d1 = [5·2, 11·4]/55 = [10/55, 44/55].
    const x = tf.tensor2d([
      [1, 2],
      [2, 1],
    ]);
    const expl = analyze(x, new CRP(lrp, 0, new IndexedFeatures(0, 1)), 0) as CRPExplanation;
    // unit 0: s = R0 / z1_0; R_in = x ⊙ W1[0,:] s.  unit 1: s = R1 / z1_1; R_in = x ⊙ W1[1,:] s.
    expectValues(expl.val, [
      [(1 * 1 * 14) / 51 / 7, (2 * 3 * 14) / 51 / 7], // f0, x0
      [(2 * 1 * 10) / 55 / 5, (1 * 3 * 10) / 55 / 5], // f0, x1
      [16 / 51, 16 / 51], // f1, x0
      [(2 * 4 * 44) / 55 / 11, (1 * 2 * 44) / 55 / 11], // f1, x1
    ]);
    expect(expl.extras.features).toEqual([
      [0, 1],
      [0, 1],
    ]);
    const fr = expl.extras.featureRelevance;
    expect(fr[0]![0]).toBeCloseTo(14 / 51, 6);
    expect(fr[0]![1]).toBeCloseTo(36 / 51, 6);
    expect(fr[1]![0]).toBeCloseTo(10 / 55, 6);
    expect(fr[1]![1]).toBeCloseTo(44 / 55, 6);
    expl.dispose();
    x.dispose();
    lrp.dispose();
  });
});

describe('the output layer as concept layer', () => {
  it('the selected output unit alone carries the one-hot relevance: its map is the LRP map', () => {
    const lrp = new LRP(analyticChain());
    const x = tf.tensor2d([
      [1, 2],
      [2, 1],
    ]);
    const expl = analyze(x, new CRP(lrp, 'd2', new TopNFeatures(2)), 0) as CRPExplanation;
    const plain = analyze(x, lrp, 0);
    expect(expl.extras.features).toEqual([
      [0, 1],
      [0, 1],
    ]);
    expect(expl.extras.featureRelevance).toEqual([
      [1, 0],
      [1, 0],
    ]);
    expect(expl.val.slice(0, 2).arraySync()).toEqual(plain.val.arraySync());
    expect(expl.val.slice(2, 2).arraySync()).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expl.dispose();
    plain.dispose();
    x.dispose();
    lrp.dispose();
  });
});

describe('conditions on several layers (hand computation)', () => {
  // d1 W=[[1,3],[4,2]] b=[0,1]; d2 W=[[2,4],[3,1]] b=[1,2]; d3 W=[[1,1]] b=[0]; ZeroRule everywhere.
  // x0 = [1, 2]: a1 = [7, 9], a2 = [51, 32], y = 83; R at d2's output = [51, 32]/83.
  // x1 = [2, 1]: a1 = [5, 11], a2 = [55, 28], y = 83; R at d2's output = [55, 28]/83.
  //
  // A = { d2: [1], d1: [0] }:     x0: R2 = [0, 32/83] -> s = 1/83 -> R1 = [7·3, 9·1]/83 -> keep [21/83, 0]
  //                                    -> s = 3/83 -> R0 = [1·1, 2·3]·3/83 = [3/83, 18/83]
  //                               x1: R2 = [0, 28/83] -> R1 = [5·3, 11·1]/83 -> keep [15/83, 0] -> s = 3/83
  //                                    -> R0 = [2·1, 1·3]·3/83 = [6/83, 9/83]
  // B = { d2: [0, 1], d1: [0] }:  x0: both units kept together: s = [1, 1]/83 -> R1 = [7·5, 9·5]/83
  //                                    -> keep [35/83, 0] -> s = 5/83 -> R0 = [5/83, 30/83]
  // C = { d1: [0, 1] }:           x0: the whole LRP map: R1 = [35, 45]/83 -> s = [5, 5]/83
  //                                    -> R0 = x ⊙ W1ᵀ s = [1·25, 2·25]/83
  const conditions = [{ d2: [1], d1: [0] }, { d1: [0], d2: [0, 1] }, { d1: [0, 1] }];

  it('applies every mask of a condition in one pass, highest layer first; condition-major rows', () => {
    const lrp = new LRP(analyticChain3());
    const x = tf.tensor2d([
      [1, 2],
      [2, 1],
    ]);
    const expl = conditionalRelevance(lrp, x, conditions, 0);
    const rows = expl.val.arraySync() as number[][];
    const expected: [number, number[]][] = [
      [0, [3 / 83, 18 / 83]],
      [1, [6 / 83, 9 / 83]],
      [2, [5 / 83, 30 / 83]],
      [4, [25 / 83, 50 / 83]],
    ];
    for (const [row, values] of expected)
      values.forEach((v, j) => {
        expect(rows[row]![j]).toBeCloseTo(v, 6);
      });
    expect(expl.val.shape).toEqual([6, 2]);
    expect(expl.analyzer).toBe('MultiLayerCRP');
    // the relevance kept at the lowest layer of each condition: A 21/83 (x0) 15/83 (x1), B 35/83, C 80/83
    const cr = expl.extras.conditionRelevance;
    expect(cr[0]![0]).toBeCloseTo(21 / 83, 6);
    expect(cr[1]![0]).toBeCloseTo(15 / 83, 6);
    expect(cr[0]![1]).toBeCloseTo(35 / 83, 6);
    expect(cr[0]![2]).toBeCloseTo(80 / 83, 6);
    expect(expl.extras.conditions).toEqual(conditions);
    expl.dispose();
    x.dispose();
    lrp.dispose();
  });

  it('a single-layer condition with one id per row equals CRP with IndexedFeatures', () => {
    const lrp = new LRP(analyticChain3());
    const x = tf.tensor2d([
      [1, 2],
      [2, 1],
    ]);
    const multi = analyze(x, new MultiLayerCRP(lrp, [{ d2: [0] }, { d2: [1] }]), 0);
    const crp = analyze(x, new CRP(lrp, 'd2', new IndexedFeatures(0, 1)), 0);
    expect(multi.val.arraySync()).toEqual(crp.val.arraySync());
    multi.dispose();
    crp.dispose();
    x.dispose();
    lrp.dispose();
  });

  it('does not depend on batchSize, also with conditions of different layers interleaved', () => {
    const lrp = new LRP(analyticChain3());
    const x = tf.tensor2d([
      [1, 2],
      [2, 1],
      [0.5, -1],
    ]);
    const mixed: Condition[] = [{ d1: [1] }, { d2: [0], d1: [1] }, { d1: [0] }, { d2: [1] }];
    const before = tf.memory().numTensors;
    conditionalRelevance(lrp, x, mixed, 0, { batchSize: 3 }).dispose();
    expect(tf.memory().numTensors).toBe(before);
    const all = conditionalRelevance(lrp, x, mixed, 0, { batchSize: 64 });
    for (const batchSize of [1, 2, 5]) {
      const part = conditionalRelevance(lrp, x, mixed, 0, { batchSize });
      expect(part.val.arraySync()).toEqual(all.val.arraySync());
      expect(part.extras.conditionRelevance).toEqual(all.extras.conditionRelevance);
      part.dispose();
    }
    // each condition alone gives the same rows
    mixed.forEach((c, i) => {
      const one = conditionalRelevance(lrp, x, c, 0);
      expect(one.val.arraySync()).toEqual(all.val.slice(i * 3, 3).arraySync());
      one.dispose();
    });
    all.dispose();
    x.dispose();
    lrp.dispose();
  });
});

describe('a concept layer on a residual branch (hand computation)', () => {
  // x = [1, 2]; a1 = d1(x) = [7, 9]; a2 = d2(a1) = [51, 32]; add = [58, 41]; y = d3(add) = 99.
  // The add splits R = [58, 41]/99 in proportion: c = [1, 1]/99; skip (a1) gets [7, 9]/99, d2 gets [51, 32]/99.
  // CRP at d2 keeps only what passes d2: the skip's [7, 9]/99 is dropped.
  //   unit 0: R2 = [51/99, 0] -> s = 1/99 -> R1 = a1 ⊙ W2[0,:] s = [14, 36]/99 -> s1 = [2, 4]/99
  //           -> R0 = x ⊙ W1ᵀ s1 = [1·18, 2·14]/99 = [18, 28]/99
  //   unit 1: R2 = [0, 32/99] -> R1 = [21, 9]/99 -> s1 = [3, 1]/99 -> R0 = [1·7, 2·11]/99 = [7, 22]/99
  it('drops the relevance that flows around the concept layer through the skip path', () => {
    const lrp = new LRP(analyticResidual());
    const x = tf.tensor2d([[1, 2]]);
    const expl = analyze(x, new CRP(lrp, 'd2', new TopNFeatures(2)), 0) as CRPExplanation;
    expectValues(expl.val, [
      [18 / 99, 28 / 99],
      [7 / 99, 22 / 99],
    ]);
    expect(expl.extras.features).toEqual([[0, 1]]);
    expect(expl.extras.featureRelevance[0]![0]).toBeCloseTo(51 / 99, 6);
    expect(expl.extras.featureRelevance[0]![1]).toBeCloseTo(32 / 99, 6);
    // The LRP map, for contrast, also holds the skip's share: R1 = [14+21+7, 36+9+9]/99 -> [42, 54]/99 ...
    const full = analyze(x, lrp, 0);
    const lrpSum = full.val.sum().arraySync() as number;
    const crpSum = expl.val.sum().arraySync() as number;
    expect(lrpSum - crpSum).toBeGreaterThan(0.1); // the skip's share
    full.dispose();
    expl.dispose();
    x.dispose();
    lrp.dispose();
  });

  it('conditions on layers of one path are accepted, on parallel branches refused', () => {
    const lrp = new LRP(analyticResidual());
    expect(() => new MultiLayerCRP(lrp, { d2: [0], d3: [0] }).toString()).not.toThrow();
    expect(() => new MultiLayerCRP(lrp, { d1: [0], d2: [1], add: [1] })).not.toThrow();
    lrp.dispose();
    const branches = new LRP(parallelBranches());
    expect(() => new MultiLayerCRP(branches, { left: [0], right: [1] })).toThrow(
      /layer "left" does not feed layer "right".*one path/,
    );
    branches.dispose();
  });
});
