import * as tf from '@tensorflow/tfjs';
import { Explanation } from '@xai-ts/base';
import { describe, expect, it } from 'vitest';
import {
  localizationMetrics,
  MetricShapeError,
  MetricValueError,
  pointingGame,
  randomRelevance,
  relevanceMassAccuracy,
  relevanceRankAccuracy,
} from '../src/index.js';

// One 3×3 map: positive relevance 3 + 1 + 2 + 4 = 10, of which 3 + 2 = 5 on the mask; the maximum (4) is off it.
const R = [
  [3, -1, 0],
  [1, 2, 0],
  [0, 0, 4],
];
const M = [
  [1, 1, 0],
  [0, 1, 0],
  [0, 0, 0],
];
const rel = () => tf.tensor3d([R]);
const mask = () => tf.tensor4d([M.map((row) => row.map((v) => [v]))]);

describe('relevance mass accuracy', () => {
  it('is the share of positive relevance inside the mask', () => {
    expect(relevanceMassAccuracy(rel(), mask()).perSample).toEqual([0.5]);
  });

  it('sums over channels first', () => {
    // Channel 0 holds R - 1 and channel 1 holds 1: the channel sum is R, though channel 0 alone would differ.
    const split = tf.stack([tf.tensor3d([R]).sub(1), tf.onesLike(tf.tensor3d([R]))], -1);
    expect(relevanceMassAccuracy(split, mask()).perSample).toEqual([0.5]);
  });

  it('scores 0 when nothing is positive, 1 when all positive relevance is on the object', () => {
    expect(relevanceMassAccuracy(tf.zeros([1, 3, 3]), mask()).perSample).toEqual([0]);
    expect(relevanceMassAccuracy(mask().mul(2).sub(1), mask()).perSample).toEqual([1]);
  });
});

describe('relevance rank accuracy', () => {
  it('is the share of the top-K pixels (K = mask size) inside the mask', () => {
    // K = 3; the top 3 are 4 (off), 3 (on), 2 (on).
    expect(relevanceRankAccuracy(rel(), mask()).perSample[0]).toBeCloseTo(2 / 3, 12);
  });

  it('shares ties at the K-th value out as their expected value', () => {
    // K = 2: 5 is off the mask and ranks first; the second slot goes to one of three tied 1s, two of them on it.
    const r = tf.tensor3d([
      [
        [5, 1],
        [1, 1],
      ],
    ]);
    const m = tf.tensor3d([
      [
        [0, 1],
        [1, 0],
      ],
    ]);
    expect(relevanceRankAccuracy(r, m).perSample[0]).toBeCloseTo((0 + 2 / 3) / 2, 12);
    // A constant map scores the mask's share of the image.
    expect(relevanceRankAccuracy(tf.zeros([1, 3, 3]), mask()).perSample[0]).toBeCloseTo(3 / 9, 12);
  });
});

describe('pointing game', () => {
  it('hits when the maximum lies on the mask', () => {
    expect(pointingGame(rel(), mask()).perSample).toEqual([0]);
    const onObject = tf.tensor3d([R]).add(tf.tensor3d([M]).mul(10));
    expect(pointingGame(onObject, mask()).perSample).toEqual([1]);
  });

  it('counts a near miss within the tolerance', () => {
    // The maximum at (2, 2) is √2 pixels from the mask pixel (1, 1).
    expect(pointingGame(rel(), mask(), { tolerance: 1 }).perSample).toEqual([0]);
    expect(pointingGame(rel(), mask(), { tolerance: 1.5 }).perSample).toEqual([1]);
  });

  it('scores tied maxima by the share of them on the mask', () => {
    expect(pointingGame(tf.zeros([1, 3, 3]), mask()).perSample[0]).toBeCloseTo(3 / 9, 12);
  });
});

describe('batches, explanations, all at once', () => {
  it('scores each sample and averages', () => {
    const batch = tf.concat([rel(), tf.tensor3d([M]).mul(5)]);
    const masks = tf.concat([mask(), mask()]);
    const mass = relevanceMassAccuracy(batch, masks);
    expect(mass.perSample).toEqual([0.5, 1]);
    expect(mass.mean).toBe(0.75);
    const all = localizationMetrics(batch, masks);
    expect(all.relevanceMassAccuracy).toEqual(mass);
    expect(all.relevanceRankAccuracy.perSample[1]).toBe(1);
    expect(all.pointingGame.perSample).toEqual([0, 1]);
  });

  it('takes an explanation', () => {
    const val = tf.tensor4d([R.map((row) => row.map((v) => [v]))]);
    const expl = new Explanation({
      val,
      input: val,
      output: tf.zeros([1, 2]),
      outputSelection: [0],
      analyzer: 'Test',
      heatmap: 'attribution',
    });
    expect(relevanceMassAccuracy(expl, mask()).perSample).toEqual([0.5]);
    expl.dispose();
  });

  it('leaks no tensor', () => {
    const [r, m] = [rel(), mask()];
    const before = tf.memory().numTensors;
    localizationMetrics(r, m);
    pointingGame(r, m, { tolerance: 2 });
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('a perfect attribution beats a random one', () => {
  it('on every localization metric, by a wide margin', () => {
    // 16 images of 16×16 with a random 3..8-pixel box each: the mask itself is the perfect attribution.
    const masks = tf.tidy(() => {
      const boxes: number[][][] = [];
      let seed = 7;
      const rand = (k: number) => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed % k;
      };
      for (let s = 0; s < 16; s++) {
        const [bh, bw] = [3 + rand(6), 3 + rand(6)];
        const [y0, x0] = [rand(16 - bh), rand(16 - bw)];
        boxes.push(
          Array.from({ length: 16 }, (_, y) =>
            Array.from({ length: 16 }, (_, x) => (y >= y0 && y < y0 + bh && x >= x0 && x < x0 + bw ? 1 : 0)),
          ),
        );
      }
      return tf.tensor3d(boxes).expandDims(-1) as tf.Tensor4D;
    });
    const perfect = localizationMetrics(masks, masks);
    const random = randomRelevance([16, 16, 16, 3], 3);
    const chance = localizationMetrics(random, masks);
    expect(perfect.relevanceMassAccuracy.mean).toBe(1);
    expect(perfect.relevanceRankAccuracy.mean).toBe(1);
    expect(perfect.pointingGame.mean).toBe(1);
    expect(chance.relevanceMassAccuracy.mean).toBeLessThan(0.35);
    expect(chance.relevanceRankAccuracy.mean).toBeLessThan(0.35);
    expect(chance.pointingGame.mean).toBeLessThan(0.5);
    tf.dispose([masks, random]);
  });
});

describe('bad input', () => {
  it('names mismatched shapes', () => {
    expect(() => relevanceMassAccuracy(tf.zeros([2, 3, 3]), mask())).toThrow(MetricShapeError);
    expect(() => relevanceMassAccuracy(tf.zeros([2, 3, 3]), mask())).toThrow(/2 samples but the mask 1/);
    expect(() => relevanceRankAccuracy(tf.zeros([1, 4, 3, 3]), mask())).toThrow(/4×3 but the mask 3×3/);
    expect(() => pointingGame(tf.zeros([9]), mask())).toThrow(/\[n, h, w, c\]/);
    expect(() => pointingGame(rel(), tf.zeros([1, 3, 3, 3]))).toThrow(/mask has shape \[1,3,3,3\]/);
  });

  it('rejects an empty mask, non-finite relevance and a negative tolerance', () => {
    expect(() => relevanceRankAccuracy(rel(), tf.zeros([1, 3, 3, 1]))).toThrow(MetricValueError);
    expect(() => relevanceRankAccuracy(rel(), tf.zeros([1, 3, 3, 1]))).toThrow(/sample 0 marks no pixel/);
    const nan = tf.tensor3d([
      [
        [0, Number.NaN, 0],
        [0, 0, 0],
        [0, 0, 0],
      ],
    ]);
    expect(() => relevanceMassAccuracy(nan, mask())).toThrow(/NaN at pixel \(0, 1\)/);
    expect(() => pointingGame(rel(), mask(), { tolerance: -1 })).toThrow(MetricValueError);
  });
});
