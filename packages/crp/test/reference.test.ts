import * as tf from '@tensorflow/tfjs';
import { analyze, IndexedFeatures, TopNFeatures } from '@xai-ts/base';
import { EpsilonPlusFlat, LRP } from '@xai-ts/lrp';
import { compareAttribution, expectNoLeaks, loadCase } from '@xai-ts/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { CRP, type CRPExplanation, MultiLayerCRP } from '../src/index.js';

const c = loadCase('cnn');
const model = c.buildModel();
const x = c.input();
const crpCases = c.spec.attributions.filter((a) => a.method === 'crp');

afterAll(() => {
  x.dispose();
  model.dispose();
});

describe('reference case cnn: CRP', () => {
  it('has both CRP attributions', () => {
    expect(crpCases.map((a) => a.id).sort()).toEqual([
      'crp-EpsilonPlusFlat-class7',
      'crp-EpsilonPlusFlat-class7-logit',
    ]);
  });

  for (const a of crpCases) {
    it(`${a.id} matches the reference maps and feature relevances`, () => {
      const { expected } = c.attribution(a.id);
      const crpSpec = a.crp as { layer: string; features: number[]; featureRelevanceAtLayer: number[][] };
      const onehot = a.outputRelevance === 'onehot';
      const lrp = new LRP(model, new EpsilonPlusFlat({ epsilon: a.composite!.epsilon! }), {
        normalizeOutputRelevance: onehot,
      });
      const crp = new CRP(lrp, crpSpec.layer, new IndexedFeatures(...crpSpec.features));
      const expl = analyze(x, crp, a.outputSelection as number) as CRPExplanation;
      expect(expl.outputSelection).toEqual(a.selectedIndices);
      const [F, N] = [crpSpec.features.length, x.shape[0]!];
      expect(expl.val.shape).toEqual([F * N, ...x.shape.slice(1)]);
      // [F*N, H, W, C] feature-major is the reference's [F, N, H, W, C] flattened
      const ours = expl.val.reshape(expected.shape);
      const cmp = compareAttribution(ours, a, expected);
      expect(cmp.pass, cmp.message).toBe(true);
      ours.dispose();
      expect(expl.extras.features).toEqual(Array.from({ length: N }, () => crpSpec.features));
      // The file records the relevance at the layer for the one-hot start; the logit start scales each sample.
      const logits = expl.output.arraySync() as number[][];
      expl.extras.featureRelevance.forEach((row, n) => {
        const scale = onehot ? 1 : logits[n]![a.selectedIndices[n]!]!;
        row.forEach((r, k) => {
          const want = crpSpec.featureRelevanceAtLayer[n]![k]! * scale;
          expect(Math.abs(r - want)).toBeLessThanOrEqual(1e-5 * Math.abs(want) + 1e-7);
        });
      });
      // and each map's input relevance sums to about its feature's relevance (ZPlus and Flat below the layer)
      const sums = expl.val
        .reshape([F * N, -1])
        .sum(1)
        .arraySync() as number[];
      sums.forEach((s, row) => {
        const want = a.relevanceSum![row]!;
        expect(Math.abs(s - want)).toBeLessThanOrEqual(1e-4 * Math.abs(want));
      });
      expl.dispose();
      lrp.dispose();
    });
  }

  it('the same maps with a TopNFeatures selection, any batchSize, and without leaking tensors', () => {
    const lrp = new LRP(model, new EpsilonPlusFlat());
    const reference = analyze(x, new CRP(lrp, 'conv2d_2', new TopNFeatures(5), { batchSize: 10 }), 7);
    const features = (reference as CRPExplanation).extras.features;
    const before = tf.memory().numTensors;
    for (const batchSize of [1, 3, 4, 16]) {
      const expl = analyze(x, new CRP(lrp, 2, new TopNFeatures(5), { batchSize }), 7) as CRPExplanation;
      expect(expl.extras.features).toEqual(features);
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(expl.val, reference.val))).dataSync()[0]!);
      expect(diff).toBeLessThanOrEqual(1e-7 * tf.tidy(() => tf.max(tf.abs(reference.val)).dataSync()[0]!));
      expl.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    expectNoLeaks(
      () => analyze(x, new CRP(lrp, 2, new TopNFeatures(5), { batchSize: 3 }), 7).dispose(),
      'CRP',
    );
    expectNoLeaks(
      () => analyze(x, new MultiLayerCRP(lrp, { conv2d_2: [2], dense_1: [0, 1] }), 7).dispose(),
      'MultiLayerCRP',
    );
    // TopNFeatures picks by the summed relevance at the layer: featureRelevance is sorted per sample
    for (const row of (reference as CRPExplanation).extras.featureRelevance)
      for (let k = 1; k < row.length; k++) expect(row[k - 1]!).toBeGreaterThanOrEqual(row[k]!);
    reference.dispose();
    lrp.dispose();
  });

  it('the maps of all channels add up to the LRP map (a Sequential model: all relevance passes the layer)', () => {
    const lrp = new LRP(model, new EpsilonPlusFlat());
    const channels = Array.from({ length: 16 }, (_, k) => k);
    const expl = analyze(x, new CRP(lrp, 'conv2d_2', new IndexedFeatures(...channels)), 7);
    const plain = analyze(x, lrp, 7);
    const N = x.shape[0]!;
    const [err, scale] = tf.tidy(() => {
      const sum = expl.val.reshape([16, N, ...x.shape.slice(1)]).sum(0);
      return [
        tf.max(tf.abs(tf.sub(sum, plain.val))).dataSync()[0]!,
        tf.max(tf.abs(plain.val)).dataSync()[0]!,
      ];
    });
    expect(err).toBeLessThanOrEqual(1e-5 * scale!);
    expl.dispose();
    plain.dispose();
    lrp.dispose();
  });

  it('MultiLayerCRP: conv2d_2 channel 2 conditioned on dense_1 units; one unit set of all units is plain CRP', () => {
    const lrp = new LRP(model, new EpsilonPlusFlat());
    const units = Array.from({ length: 32 }, (_, k) => k);
    const multi = analyze(
      x,
      new MultiLayerCRP(lrp, [
        { conv2d_2: [2], dense_1: units },
        { conv2d_2: [2], dense_1: [0, 1, 2] },
        { conv2d_2: [2], dense_1: [3, 4] },
      ]),
      7,
    );
    const crp = analyze(x, new CRP(lrp, 'conv2d_2', new IndexedFeatures(2)), 7);
    const N = x.shape[0]!;
    const [allUnits, split, whole] = tf.tidy(() => {
      const rows = multi.val;
      const scale = tf.max(tf.abs(crp.val));
      const d1 = tf.max(tf.abs(tf.sub(rows.slice(0, N), crp.val))).div(scale);
      // conditioning on disjoint unit sets of dense_1 splits the map linearly
      const both = new MultiLayerCRP(lrp, { conv2d_2: [2], dense_1: [0, 1, 2, 3, 4] });
      const joint = both.explain(x, { select: () => [7, 7] }, {});
      const d2 = tf
        .max(tf.abs(tf.sub(tf.add(rows.slice(N, N), rows.slice(2 * N, N)), joint.val)))
        .div(tf.max(tf.abs(joint.val)));
      const d3 = tf.max(tf.abs(tf.sub(rows.slice(0, N), rows.slice(N, N))));
      joint.dispose();
      return [d1.dataSync()[0]!, d2.dataSync()[0]!, d3.dataSync()[0]!];
    });
    expect(allUnits).toBeLessThanOrEqual(1e-5);
    expect(split).toBeLessThanOrEqual(1e-5);
    expect(whole).toBeGreaterThan(0);
    multi.dispose();
    crp.dispose();
    lrp.dispose();
  });
});
