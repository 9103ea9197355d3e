import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  AlphaBetaRule,
  Composite,
  EpsilonRule,
  LayerMap,
  LRP,
  type Rule,
  ZeroRule,
  ZPlusRule,
} from '../src/index.js';

/** Dense layer from a row-major W (outputs × inputs): the TF.js kernel is its transpose. */
function dense(
  w: number[][],
  b: number[] | null,
  activation: 'linear' | 'relu',
  name?: string,
): tf.layers.Layer {
  const layer = tf.layers.dense({
    units: w.length,
    useBias: b !== null,
    activation,
    ...(name ? { name } : {}),
  });
  layer.build([null, w[0]!.length]);
  const kernel = tf.tensor2d(w).transpose();
  layer.setWeights(b ? [kernel, tf.tensor1d(b)] : [kernel]);
  return layer;
}

/** Relevance at the input when `seed` arrives at the output of layer `at`. */
function propagate(lrp: LRP, x: tf.Tensor, at: number, seed: tf.Tensor): number[] {
  const r = tf.tidy(() => lrp.backward(lrp.forward(x), new Map([[at, seed]])).inputs[0]!);
  const out = Array.from(r.dataSync());
  r.dispose();
  return out;
}

function expectClose(actual: number[], expected: number[], tol = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => {
    expect(Math.abs(v - expected[i]!), `element ${i}: ${v} vs ${expected[i]}`).toBeLessThanOrEqual(tol);
  });
}

function denseModel(layer: tf.layers.Layer, inputs: number): tf.LayersModel {
  return tf.sequential({ layers: [tf.layers.inputLayer({ inputShape: [inputs] }), layer] });
}

describe('analytic cases (ANALYTIC.md)', () => {
  it('1: Dense with relu, ZeroRule', () => {
    const model = denseModel(
      dense(
        [
          [3, 4],
          [5, 6],
        ],
        [7, 8],
        'relu',
      ),
      2,
    );
    const lrp = new LRP(model, new ZeroRule());
    expectClose(propagate(lrp, tf.tensor2d([[1, 2]]), 0, tf.tensor2d([[1 / 3, 2 / 3]])), [
      17 / 90,
      316 / 675,
    ]);
    lrp.dispose();
  });

  it('2: MaxPooling2D 2×2 stride 1, ZeroRule', () => {
    const model = tf.sequential({
      layers: [tf.layers.maxPooling2d({ inputShape: [3, 3, 3], poolSize: 2, strides: 1, padding: 'valid' })],
    });
    const rows = [
      [1, 2, 3],
      [10, 5, 6],
      [7, 8, 9],
    ];
    const x = tf.tensor3d(rows.map((r) => r.map((v) => [v, v, v]))).expandDims(0);
    const seed = tf
      .tensor3d(
        [
          [1, 2],
          [3, 4],
        ].map((r) => r.map((v) => [v / 30, v / 30, v / 30])),
      )
      .expandDims(0);
    const lrp = new LRP(model, new ZeroRule());
    const expected = [
      [0, 0, 0],
      [4, 0, 2],
      [0, 0, 4],
    ].flatMap((r) => r.flatMap((v) => [v / 30, v / 30, v / 30]));
    expectClose(propagate(lrp, x, 0, seed), expected);
    lrp.dispose();
  });

  function residual(rule: Rule): LRP {
    const x = tf.input({ shape: [2] });
    const d = dense(
      [
        [3, 4],
        [5, 6],
      ],
      [7, 8],
      'linear',
      'res_dense',
    ).apply(x) as tf.SymbolicTensor;
    const y = tf.layers.add({ name: 'res_add' }).apply([x, d]) as tf.SymbolicTensor;
    return new LRP(tf.model({ inputs: x, outputs: y }), new Composite(new LayerMap('res_dense', rule)));
  }

  it('3: residual Add of the input and a Dense, one-hot at output 0', () => {
    const lrp = residual(new ZeroRule());
    expectClose(propagate(lrp, tf.tensor2d([[1, 2]]), 1, tf.tensor2d([[1, 0]])), [4 / 19, 8 / 19]);
    lrp.dispose();
  });

  it('4: residual Add of the input and a Dense, one-hot at output 1', () => {
    const lrp = residual(new ZeroRule());
    expectClose(propagate(lrp, tf.tensor2d([[1, 2]]), 1, tf.tensor2d([[0, 1]])), [5 / 27, 14 / 27]);
    lrp.dispose();
  });

  const signed = () => denseModel(dense([[1, -1]], [-1], 'linear'), 2);

  it('5: AlphaBetaRule(1, 0) and ZPlusRule with the logit as output relevance', () => {
    for (const rule of [new AlphaBetaRule({ alpha: 1, beta: 0 }), new ZPlusRule()]) {
      const lrp = new LRP(signed(), rule, { normalizeOutputRelevance: false });
      const x = tf.tensor2d([[1, 1]]);
      const seed = tf.tidy(() => lrp.outputRelevance(lrp.forward(x).output, [0]));
      expect(seed.dataSync()[0]).toBe(-1);
      expectClose(propagate(lrp, x, 0, seed), [-1, 0]);
      lrp.dispose();
    }
  });

  it('6: AlphaBetaRule(2, 1) with the logit as output relevance', () => {
    const lrp = new LRP(signed(), new AlphaBetaRule(), { normalizeOutputRelevance: false });
    expectClose(propagate(lrp, tf.tensor2d([[1, 1]]), 0, tf.tensor2d([[-1]])), [-2, 0.5]);
    lrp.dispose();
  });

  it('EpsilonRule absorbs relevance by z / (z + ε)', () => {
    const model = denseModel(dense([[2, 1]], [0], 'linear'), 2);
    const lrp = new LRP(model, new EpsilonRule({ epsilon: 1 }));
    // z = 2·1 + 1·2 = 4; s = 1 / 5; R = a ⊙ Wᵀ s = [2/5, 2/5]
    expectClose(propagate(lrp, tf.tensor2d([[1, 2]]), 0, tf.tensor2d([[1]])), [0.4, 0.4]);
    lrp.dispose();
  });
});
