import * as tf from '@tensorflow/tfjs';
import { Explanation, OutputSelectionError } from '@xai-ts/base';
import { describe, expect, it } from 'vitest';
import { MetricShapeError, MetricValueError, pixelFlipping, randomRelevance } from '../src/index.js';

// The model is the sum of all input values (one output), so each flip removes exactly that pixel's value.
const sum = (x: tf.Tensor) => x.sum([1, 2, 3]).reshape([-1, 1]);
// One 2×2 image with one channel, pixel values 1..4; relevance equal to the values.
const image = () => tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);

describe('pixel flipping', () => {
  it('flips the most relevant pixels first and reports AOPC exactly', () => {
    const res = pixelFlipping(sum, image(), image(), { steps: 4, fraction: 1, replacement: 0 });
    expect(res.curves).toEqual([[10, 6, 3, 1, 0]]);
    expect(res.fractions).toEqual([0, 0.25, 0.5, 0.75, 1]);
    // AOPC = mean of (10 - f_k) = (0 + 4 + 7 + 9 + 10) / 5
    expect(res.perSample).toEqual([6]);
    expect(res.mean).toBe(6);
    expect(res.selection).toEqual([0]);
  });

  it('flips the least relevant first with order lerf', () => {
    const res = pixelFlipping(sum, image(), image(), {
      steps: 4,
      fraction: 1,
      order: 'lerf',
      replacement: 0,
    });
    expect(res.curves).toEqual([[10, 9, 7, 4, 0]]);
    expect(res.perSample).toEqual([4]); // (0 + 1 + 3 + 6 + 10) / 5
  });

  it('stops at the given fraction and flips every channel of a pixel', () => {
    // Two channels holding v and 10 v; relevance [n, h, w] ranks the pixels 4, 3, 2, 1.
    const x = tf.tensor4d([1, 10, 2, 20, 3, 30, 4, 40], [1, 2, 2, 2]);
    const r = tf.tensor3d([
      [
        [1, 2],
        [3, 4],
      ],
    ]);
    const res = pixelFlipping(sum, x, r, { steps: 2, fraction: 0.5, replacement: 0 });
    expect(res.curves).toEqual([[110, 66, 33]]);
    expect(res.fractions).toEqual([0, 0.25, 0.5]);
  });

  it("replaces with the image's mean colour by default", () => {
    // The mean of 1..4 is 2.5: flipping 4, 3, 2, 1 in turn gives 8.5, 8, 8.5, 10.
    const res = pixelFlipping(sum, image(), image(), { steps: 4, fraction: 1 });
    expect(res.curves).toEqual([[10, 8.5, 8, 8.5, 10]]);
    expect(res.perSample).toEqual([1]); // (0 + 1.5 + 2 + 1.5 + 0) / 5
    // Per sample and channel: sample 1's channels have means 2 and 20.
    const x = tf.tensor4d([0, 0, 0, 0, 1, 10, 3, 30], [2, 2, 1, 2]);
    const r = tf.tensor3d([
      [[1], [0]],
      [[1], [0]],
    ]);
    // Sample 1 flips pixel (1, 10) to (2, 20): 44 becomes 55.
    expect(pixelFlipping(sum, x, r, { steps: 1, fraction: 0.5 }).curves[1]).toEqual([44, 55]);
  });

  it('copies in a replacement tensor', () => {
    const res = pixelFlipping(sum, image(), image(), {
      steps: 2,
      fraction: 0.5,
      replacement: tf.ones([1, 2, 2, 1]),
    });
    expect(res.curves).toEqual([[10, 7, 5]]);
    expect(
      pixelFlipping(sum, image(), image(), { steps: 1, fraction: 0.25, replacement: -1 }).curves,
    ).toEqual([[10, 5]]);
  });

  it('is the same for any batch size', () => {
    const x = tf.randomUniform([3, 4, 4, 2], 0, 1, 'float32', 1);
    const r = randomRelevance(x, 2);
    const all = pixelFlipping(sum, x, r, { steps: 5 });
    const small = pixelFlipping(sum, x, r, { steps: 5, batchSize: 4 });
    expect(small).toEqual(all);
  });

  it('follows the selected output: explicit, from an explanation, or each sample’s largest', () => {
    // A layers model with two outputs: output 0 = sum of the pixels, output 1 = -sum.
    const model = tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: [2, 2, 1] }),
        tf.layers.dense({ units: 2, useBias: false, kernelInitializer: 'zeros' }),
      ],
    });
    model.layers[1]!.setWeights([tf.tensor2d([1, -1, 1, -1, 1, -1, 1, -1], [4, 2])]);
    const x = image();
    expect(pixelFlipping(model, x, x, { steps: 4, fraction: 1 }).selection).toEqual([0]);
    expect(
      pixelFlipping(model, x, x, { steps: 4, fraction: 1, selection: 1, replacement: 0 }).curves,
    ).toEqual([[-10, -6, -3, -1, 0]]);
    const expl = new Explanation({
      val: x.clone(),
      input: x,
      output: tf.zeros([1, 2]),
      outputSelection: [1],
      analyzer: 'Test',
      heatmap: 'attribution',
    });
    expect(pixelFlipping(model, x, expl, { steps: 4, fraction: 1 }).selection).toEqual([1]);
    expect(() => pixelFlipping(model, x, x, { selection: 2 })).toThrow(OutputSelectionError);
    expl.dispose();
    model.dispose();
  });

  it('ranks a perfect attribution above a random one', () => {
    // The logit reads a fixed 4×4 patch of a 12×12 image, weighted by 1..16: the weight map is the perfect
    // attribution for an all-ones input (input times gradient).
    const weights = tf.tidy(() =>
      tf.zeros([12, 12]).add(
        tf.pad(tf.range(1, 17).reshape([4, 4]), [
          [3, 5],
          [6, 2],
        ]),
      ),
    );
    const model = (x: tf.Tensor) => x.sum(-1).mul(weights).sum([1, 2]).reshape([-1, 1]);
    const x = tf.ones([4, 12, 12, 1]);
    const perfect = tf.tile(weights.reshape([1, 12, 12, 1]), [4, 1, 1, 1]);
    const random = randomRelevance(x, 9);
    const best = pixelFlipping(model, x, perfect, { steps: 10, fraction: 0.2, replacement: 0 });
    const chance = pixelFlipping(model, x, random, { steps: 10, fraction: 0.2, replacement: 0 });
    expect(best.mean).toBeGreaterThan(3 * chance.mean);
    // And the perfect curve falls monotonically.
    for (const c of best.curves)
      for (let k = 1; k < c.length; k++) expect(c[k]!).toBeLessThanOrEqual(c[k - 1]!);
    tf.dispose([weights, x, perfect, random]);
  });

  it('leaks no tensor', () => {
    const x = image();
    const before = tf.memory().numTensors;
    pixelFlipping(sum, x, x, { steps: 3, replacement: tf.zerosLike(x) });
    // the replacement tensor made above is the caller's: one more tensor, nothing else
    expect(tf.memory().numTensors).toBe(before + 1);
  });

  it('rejects shapes and options that do not fit', () => {
    const x = image();
    expect(() => pixelFlipping(sum, tf.zeros([1, 4]), x)).toThrow(MetricShapeError);
    expect(() => pixelFlipping(sum, x, tf.zeros([1, 3, 3]))).toThrow(/image size 3×3 but the input 2×2/);
    expect(() => pixelFlipping(sum, x, tf.zeros([2, 2, 2]))).toThrow(/2 samples but the input 1/);
    expect(() => pixelFlipping(sum, x, x, { replacement: tf.zeros([1, 2, 2, 3]) })).toThrow(MetricShapeError);
    expect(() => pixelFlipping(sum, x, x, { steps: 0 })).toThrow(MetricValueError);
    expect(() => pixelFlipping(sum, x, x, { fraction: 1.5 })).toThrow(/fraction in \(0, 1\]/);
    expect(() => pixelFlipping(sum, x, x, { batchSize: 0 })).toThrow(MetricValueError);
    expect(() => pixelFlipping(() => tf.zeros([3, 1]), x, x)).toThrow(/one output row per image/);
  });
});
