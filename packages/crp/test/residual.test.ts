import * as tf from '@tensorflow/tfjs';
import { analyze, IndexedFeatures, TopNFeatures } from '@xai-ts/base';
import { EpsilonPlus, LRP } from '@xai-ts/lrp';
import { afterAll, describe, expect, it } from 'vitest';
import { CRP, type CRPExplanation, MultiLayerCRP } from '../src/index.js';
import { residualCnn } from './models.js';

const maxAbs = (t: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(t)).dataSync()[0]!);

describe('a functional residual CNN', () => {
  const model = residualCnn();
  const x = tf.randomNormal([3, 8, 8, 3], 0, 1, 'float32', 11);
  afterAll(() => {
    x.dispose();
    model.dispose();
  });

  it('the maps of all channels of a layer on the residual branch add up to the relevance that passes it', () => {
    const lrp = new LRP(model, new EpsilonPlus());
    const channels = Array.from({ length: 6 }, (_, k) => k);
    const before = tf.memory().numTensors;
    const expl = analyze(x, new CRP(lrp, 'c2', new IndexedFeatures(...channels), { batchSize: 5 }), 1);
    // reference: the LRP backward pass seeded at c2's output only (skip path not seeded)
    const [err, scale, skip] = tf.tidy(() => {
      const pass = lrp.forward(x);
      const sel = lrp.outputRelevance(pass.output, [1, 1, 1]);
      const full = lrp.backward(pass, new Map([[lrp.layers.length - 1, sel]]));
      const c2 = lrp.layers.findIndex((l) => l.name === 'c2');
      const below = lrp.backward(pass, new Map([[c2, full.layers[c2]!]]));
      const sum = expl.val.reshape([6, 3, 8, 8, 3]).sum(0);
      return [
        maxAbs(tf.sub(sum, below.inputs[0]!)),
        maxAbs(below.inputs[0]!),
        maxAbs(tf.sub(full.inputs[0]!, below.inputs[0]!)),
      ];
    });
    expect(err).toBeLessThanOrEqual(1e-5 * scale!);
    expect(skip).toBeGreaterThan(0.05 * scale!); // the skip path carries relevance that CRP at c2 drops
    expl.dispose();
    expect(tf.memory().numTensors).toBe(before);
    lrp.dispose();
  });

  it('a concept layer above the residual block (after the add) sees all relevance, on any batchSize', () => {
    const lrp = new LRP(model, new EpsilonPlus());
    const channels = Array.from({ length: 6 }, (_, k) => k);
    const plain = analyze(x, lrp, 2);
    const results = [1, 4, 18].map((batchSize) =>
      analyze(x, new CRP(lrp, 'relu', new IndexedFeatures(...channels), { batchSize }), 2),
    );
    const err = tf.tidy(() => maxAbs(tf.sub(results[0]!.val.reshape([6, 3, 8, 8, 3]).sum(0), plain.val)));
    expect(err).toBeLessThanOrEqual(1e-5 * maxAbs(plain.val));
    for (const r of results.slice(1))
      expect(tf.tidy(() => maxAbs(tf.sub(r.val, results[0]!.val)))).toBeLessThanOrEqual(
        1e-7 * maxAbs(plain.val),
      );
    for (const r of [plain, ...results]) r.dispose();
    lrp.dispose();
  });

  it('TopNFeatures on the branch; conditioning on the add and on c2 together equals c2 with the add fully kept', () => {
    const lrp = new LRP(model, new EpsilonPlus());
    const expl = analyze(x, new CRP(lrp, 'c3', new TopNFeatures(2)), 0) as CRPExplanation;
    expect(expl.val.shape).toEqual([6, 8, 8, 3]);
    expect(expl.extras.features.length).toBe(3);
    const all = Array.from({ length: 6 }, (_, k) => k);
    const m = analyze(x, new MultiLayerCRP(lrp, [{ add: all, c2: [4] }, { c2: [4] }]), 0);
    expect(tf.tidy(() => maxAbs(tf.sub(m.val.slice(0, 3), m.val.slice(3, 3))))).toBeLessThanOrEqual(
      1e-6 * maxAbs(m.val),
    );
    expl.dispose();
    m.dispose();
    lrp.dispose();
  });
});
