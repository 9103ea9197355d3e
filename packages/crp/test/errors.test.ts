import * as tf from '@tensorflow/tfjs';
import {
  analyze,
  FeatureSelectionError,
  type FeatureSelector,
  IndexedFeatures,
  TopNFeatures,
  XaiError,
} from '@xai-ts/base';
import { LRP } from '@xai-ts/lrp';
import { expectNoLeaks } from '@xai-ts/testing';
import { describe, expect, it } from 'vitest';
import {
  ConceptLayerError,
  ConditionError,
  CRP,
  CRPOptionError,
  conditionalRelevance,
  MultiLayerCRP,
} from '../src/index.js';
import { analyticChain3 } from './models.js';

const lrp = new LRP(analyticChain3());
const x = tf.tensor2d([[1, 2]]);

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('errors', () => {
  it('an unknown concept layer name lists the valid layers', () => {
    const e = thrown(() => new CRP(lrp, 'conv9', new TopNFeatures(1)));
    expect(e).toBeInstanceOf(ConceptLayerError);
    expect(e).toBeInstanceOf(XaiError);
    expect(e.message).toMatch(/no layer named "conv9".*0 "d1" \(Dense\), 1 "d2" \(Dense\), 2 "d3" \(Dense\)/);
  });

  it('a layer index out of range gives the range and the layers', () => {
    for (const index of [3, -1, 1.5]) {
      const e = thrown(() => new CRP(lrp, index, new TopNFeatures(1)));
      expect(e).toBeInstanceOf(ConceptLayerError);
      expect(e.message).toMatch(
        new RegExp(`index ${index} is out of range; the analyzer has 3 layers, 0\\.\\.2: 0 "d1"`),
      );
    }
  });

  it('features out of range come from the selectors, and leak nothing', () => {
    const before = tf.memory().numTensors;
    const e1 = thrown(() => analyze(x, new CRP(lrp, 'd1', new IndexedFeatures(2)), 0));
    expect(e1).toBeInstanceOf(FeatureSelectionError);
    expect(e1.message).toMatch(/feature id 2 is out of range: the layer has 2 features/);
    const e2 = thrown(() => analyze(x, new CRP(lrp, 'd1', new TopNFeatures(3)), 0));
    expect(e2).toBeInstanceOf(FeatureSelectionError);
    expect(e2.message).toMatch(/TopNFeatures\(3\) asks for more features than the layer has \(2\)/);
    expect(tf.memory().numTensors).toBe(before);
    expectNoLeaks(
      () =>
        expect(() => analyze(x, new CRP(lrp, 'd1', new TopNFeatures(3)), 0)).toThrow(FeatureSelectionError),
      'CRP with too many features',
    );
  });

  it('a misbehaving custom selector is caught', () => {
    const bad: FeatureSelector = { count: 2, select: () => [[0]] };
    const e = thrown(() => analyze(x, new CRP(lrp, 'd1', bad), 0));
    expect(e).toBeInstanceOf(FeatureSelectionError);
    expect(e.message).toMatch(/returned 1 ids for sample 0 but its count is 2/);
    const wild: FeatureSelector = { count: 1, select: () => [[7]] };
    expect(() => analyze(x, new CRP(lrp, 'd1', wild), 0)).toThrow(
      /feature id 7 \(sample 0\) is out of range for layer "d1"/,
    );
    expect(() => new CRP(lrp, 'd1', {} as FeatureSelector)).toThrow(FeatureSelectionError);
  });

  it('a bad batchSize', () => {
    for (const batchSize of [0, -2, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      const e = thrown(() => new CRP(lrp, 'd1', new TopNFeatures(1), { batchSize }));
      expect(e).toBeInstanceOf(CRPOptionError);
      expect(e.message).toMatch(/batchSize must be a positive integer/);
    }
    expect(() => new MultiLayerCRP(lrp, { d1: [0] }, { batchSize: 0 })).toThrow(CRPOptionError);
  });

  it('bad conditions', () => {
    expect(() => new MultiLayerCRP(lrp, [])).toThrow(ConditionError);
    expect(() => new MultiLayerCRP(lrp, {})).toThrow(/condition 0 names no layer/);
    expect(() => new MultiLayerCRP(lrp, [{ d1: [0] }, { d2: [] }])).toThrow(
      /condition 1 lists no feature ids for layer "d2"/,
    );
    expect(() => new MultiLayerCRP(lrp, { d2: [-1] })).toThrow(/feature id -1 is not a non-negative integer/);
    const range = thrown(() => new MultiLayerCRP(lrp, { d3: [1] }));
    expect(range).toBeInstanceOf(FeatureSelectionError);
    expect(range.message).toMatch(/layer "d3": feature id 1 is out of range; the layer has 1 features/);
    const unknown = thrown(() => conditionalRelevance(lrp, x, { d1: [0], y: [0] }));
    expect(unknown).toBeInstanceOf(ConceptLayerError);
    expect(unknown.message).toMatch(
      /no layer named "y" \(the explained output is chosen by the selection argument/,
    );
  });

  it('input errors come from analyze()', () => {
    expect(() => analyze(tf.tensor1d([1, 2]), new CRP(lrp, 'd1', new TopNFeatures(1)))).toThrow(
      /batch axis is missing/,
    );
  });

  it('prints the concept layer, the selector and the rules', () => {
    const text = new CRP(lrp, 'd2', new IndexedFeatures(0, 1), { batchSize: 4 }).toString();
    expect(text).toMatch(/^CRP\(layer 1 "d2" \(Dense\), IndexedFeatures\(0, 1\), batchSize 4\) with\nLRP\(/);
    expect(new MultiLayerCRP(lrp, { d1: [0], d3: [0] }).toString()).toMatch(/0: d3 \[0\] -> d1 \[0\]/);
  });
});
