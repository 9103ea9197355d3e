import * as tf from '@tensorflow/tfjs';
import { LRP, ZeroRule } from '@xai-ts/lrp';
import { expectNoLeaks } from '@xai-ts/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { attributionGraph, ConceptLayerError, ConceptOptionError, conceptHeatmap } from '../src/index.js';

// A tiny model with 1×1 convolutions (no bias, positive weights), so that LRP-0's relevance is a ratio of products
// that the test computes by hand: R_in[i] = Σ_j a_i w_ij / z_j · R_out[j].
const W1 = [
  [0.9, 0.2, 0.5],
  [0.3, 0.8, 0.4],
];
const W2 = [
  [0.7, 0.1, 0.6],
  [0.2, 0.9, 0.3],
  [0.5, 0.4, 0.8],
];
const W3 = [
  [0.6, 0.3],
  [0.2, 0.7],
  [0.9, 0.4],
];
const W4 = [
  [1.0, 0.2],
  [0.5, 0.8],
];
const X = [0.6, 1.1];

function tinyModel(): tf.LayersModel {
  const conv = (name: string, filters: number, w: number[][], inputShape?: number[]) => {
    const layer = tf.layers.conv2d({
      name,
      filters,
      kernelSize: 1,
      useBias: false,
      ...(inputShape ? { inputShape } : {}),
    });
    return { layer, w };
  };
  const layers = [conv('c1', 3, W1, [1, 1, 2]), conv('c2', 3, W2), conv('c3', 2, W3)];
  const model = tf.sequential({
    layers: [
      ...layers.map((l) => l.layer),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ name: 'out', units: 2, useBias: false }),
    ],
  });
  for (const { layer, w } of layers)
    layer.setWeights([tf.tensor4d(w.flat(), [1, 1, w.length, w[0]!.length])]);
  model.getLayer('out').setWeights([tf.tensor2d(W4)]);
  return model;
}

const matvec = (a: number[], w: number[][]) =>
  w[0]!.map((_, j) => a.reduce((s, ai, i) => s + ai * w[i]![j]!, 0));
/** LRP-0 through a linear layer: the relevance of its inputs given its input a, weights w and the relevance r at its output. */
const back = (a: number[], w: number[][], r: number[]) => {
  const z = matvec(a, w);
  return a.map((ai, i) => r.reduce((s, rj, j) => s + (ai * w[i]![j]! * rj) / z[j]!, 0));
};

const model = tinyModel();
const lrp = new LRP(model, new ZeroRule());
const x = tf.tensor4d(X, [1, 1, 1, 2]);
afterAll(() => {
  tf.dispose(x);
  lrp.dispose();
  model.dispose();
});

describe('attribution graphs', () => {
  it('give the exact conditional relevances of LRP-0, level by level, with weighted edges', () => {
    const h1 = matvec(X, W1);
    const h2 = matvec(h1, W2);
    const h3 = matvec(h2, W3);
    const rOut = [1, 0]; // explain class 0
    const r3 = back(h3, W4, rOut);
    const root = r3[0]!;
    // level 1: c3:0 alone, propagated to c2
    const r2 = back(h2, W3, [root, 0]);
    const top2 = [0, 1, 2].sort((a, b) => r2[b]! - r2[a]! || a - b).slice(0, 2);
    // level 2: each chosen c2 channel alone, propagated to c1
    const edges2 = top2.flatMap((i) => {
      const mask = [0, 0, 0];
      mask[i] = r2[i]!;
      const r1 = back(h1, W2, mask);
      return [0, 1, 2]
        .sort((a, b) => r1[b]! - r1[a]! || a - b)
        .slice(0, 2)
        .map((k) => ({ from: `c2:${i}`, to: `c1:${k}`, weight: r1[k]! }));
    });
    const g = attributionGraph(lrp, x, {
      layer: 'c3',
      channel: 0,
      below: ['c2', 'c1'],
      depth: 2,
      width: 2,
      target: 0,
    });
    expect(g.explained).toBe(0);
    const close = (v: number) => expect.closeTo(v, 6);
    expect(g.edges).toEqual([
      ...top2.map((i) => ({ from: 'c3:0', to: `c2:${i}`, weight: close(r2[i]!) })),
      ...edges2.map((e) => ({ ...e, weight: close(e.weight) })),
    ]);
    const c1 = new Map<number, number>();
    for (const e of edges2) {
      const k = Number(e.to.split(':')[1]);
      c1.set(k, (c1.get(k) ?? 0) + e.weight);
    }
    expect(g.nodes).toEqual([
      { id: 'c3:0', layer: 'c3', channel: 0, relevance: close(root) },
      ...[...top2]
        .sort((a, b) => a - b)
        .map((i) => ({ id: `c2:${i}`, layer: 'c2', channel: i, relevance: close(r2[i]!) })),
      ...[...c1]
        .sort((a, b) => a[0] - b[0])
        .map(([k, v]) => ({ id: `c1:${k}`, layer: 'c1', channel: k, relevance: close(v) })),
    ]);
    // LRP-0 without biases conserves: the whole level below a node carries its relevance
    expect(back(h2, W3, [root, 0]).reduce((a, b) => a + b, 0)).toBeCloseTo(root, 9);
  });

  it('stop at depth 0 with the concept alone, and explain the predicted class by default', () => {
    const g = attributionGraph(lrp, x, { layer: 'c3', channel: 1, below: ['c2'], depth: 0 });
    const y = matvec(matvec(matvec(matvec(X, W1), W2), W3), W4);
    expect(g.explained).toBe(y[0]! > y[1]! ? 0 : 1);
    expect(g.nodes).toHaveLength(1);
    expect(g.edges).toEqual([]);
  });

  it("have a concept heatmap whose sum is the concept's relevance (LRP-0, no bias)", () => {
    const g = attributionGraph(lrp, x, { layer: 'c2', channel: 2, below: [], target: 1 });
    const map = conceptHeatmap(lrp, x, 'c2', 2, 1);
    expect(map.shape).toEqual([1, 1]);
    expect(map.sum().dataSync()[0]).toBeCloseTo(g.nodes[0]!.relevance, 6);
    map.dispose();
  });

  it('leave no tensors behind', () => {
    expectNoLeaks(
      () => attributionGraph(lrp, x, { layer: 'c3', channel: 0, below: ['c2', 'c1'], width: 3 }),
      'attributionGraph',
    );
    expectNoLeaks(() => conceptHeatmap(lrp, x, 'c3', 0).dispose(), 'conceptHeatmap');
  });

  it('say what is wrong with bad requests', () => {
    expect(() => attributionGraph(lrp, x, { layer: 'nope', channel: 0 })).toThrow(ConceptLayerError);
    expect(() => attributionGraph(lrp, x, { layer: 'c3', channel: 5, below: ['c2'] })).toThrow(
      /channel 5 is out of range/,
    );
    expect(() => attributionGraph(lrp, x, { layer: 'c2', channel: 0, below: ['c3'] })).toThrow(/not below/);
    expect(() => attributionGraph(lrp, x, { layer: 'c3', channel: 0, width: 0 })).toThrow(ConceptOptionError);
    const two = tf.concat([x, x]);
    expect(() => attributionGraph(lrp, two, { layer: 'c3', channel: 0 })).toThrow(/one sample/);
    two.dispose();
  });
});
