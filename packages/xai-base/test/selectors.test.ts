import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  FeatureSelectionError,
  IndexedFeatures,
  IndexSelector,
  MaxActivationSelector,
  OutputSelectionError,
  TopNFeatures,
  toOutputSelector,
} from '../src/index.js';

describe('output selectors', () => {
  const logits = tf.tensor2d([
    [1, 3, 3],
    [4, 2, -1],
  ]);

  it('MaxActivationSelector takes the first maximum of each sample', () => {
    expect(new MaxActivationSelector().select(logits)).toEqual([1, 0]);
  });

  it('MaxActivationSelector flattens outputs with more than one axis per sample', () => {
    const out = tf.tensor3d([
      [
        [0, 1],
        [5, 2],
      ],
      [
        [9, 1],
        [0, 0],
      ],
    ]);
    expect(new MaxActivationSelector().select(out)).toEqual([2, 0]);
  });

  it('IndexSelector gives one index to every sample, or one per sample', () => {
    expect(new IndexSelector(2).select(logits)).toEqual([2, 2]);
    expect(new IndexSelector([0, 2]).select(logits)).toEqual([0, 2]);
  });

  it('IndexSelector rejects out-of-range indices, naming the number of outputs', () => {
    expect(() => new IndexSelector(3).select(logits)).toThrow(OutputSelectionError);
    expect(() => new IndexSelector(3).select(logits)).toThrow(/3 outputs/);
    expect(() => new IndexSelector(-1)).toThrow(/0-based/);
    expect(() => new IndexSelector(1.5)).toThrow(OutputSelectionError);
  });

  it('IndexSelector rejects an array whose length is not the batch size', () => {
    expect(() => new IndexSelector([1, 2, 0]).select(logits)).toThrow(/3 indices but the batch has 2/);
  });

  it('rejects outputs without a batch axis', () => {
    expect(() => new MaxActivationSelector().select(tf.tensor1d([1, 2]))).toThrow(OutputSelectionError);
  });

  it('toOutputSelector maps every accepted form', () => {
    expect(toOutputSelector(undefined)).toBeInstanceOf(MaxActivationSelector);
    expect(toOutputSelector(4)).toBeInstanceOf(IndexSelector);
    expect(toOutputSelector([1, 2])).toBeInstanceOf(IndexSelector);
    const custom = { select: () => [0, 0] };
    expect(toOutputSelector(custom)).toBe(custom);
    expect(() => toOutputSelector('7' as unknown as number)).toThrow(OutputSelectionError);
  });
});

describe('feature selectors', () => {
  // 2 samples, 2x1 spatial, 3 channels
  const rel4 = tf.tensor4d(
    [
      [[[1, 5, -2]], [[1, -4, 9]]],
      [[[0, 0, 0]], [[3, 1, 2]]],
    ],
    [2, 2, 1, 3],
  );

  it('TopNFeatures ranks channels by the signed sum over spatial positions', () => {
    // sample 0 sums: [2, 1, 7]; sample 1 sums: [3, 1, 2]
    expect(new TopNFeatures(2).select(rel4)).toEqual([
      [2, 0],
      [0, 2],
    ]);
  });

  it('TopNFeatures uses raw values for dense relevance and keeps the lower id on ties', () => {
    const rel2 = tf.tensor2d([
      [0.5, -1, 0.5, 2],
      [1, 1, 1, 1],
    ]);
    expect(new TopNFeatures(3).select(rel2)).toEqual([
      [3, 0, 2],
      [0, 1, 2],
    ]);
  });

  it('IndexedFeatures gives the same ids to every sample', () => {
    expect(new IndexedFeatures(1, 2).select(rel4)).toEqual([
      [1, 2],
      [1, 2],
    ]);
    expect(new IndexedFeatures(1, 2).count).toBe(2);
  });

  it('rejects n <= 0, n above the feature count and ids out of range', () => {
    expect(() => new TopNFeatures(0)).toThrow(FeatureSelectionError);
    expect(() => new TopNFeatures(-2)).toThrow(/n ≥ 1/);
    expect(() => new TopNFeatures(4).select(rel4)).toThrow(/more features than the layer has \(3\)/);
    expect(() => new IndexedFeatures(3).select(rel4)).toThrow(/feature id 3 is out of range/);
    expect(() => new IndexedFeatures()).toThrow(FeatureSelectionError);
    expect(() => new IndexedFeatures(-1)).toThrow(/0-based/);
  });
});
