import * as tf from '@tensorflow/tfjs';
import { analyze, OutputSelectionError } from '@xai-ts/base';
import { ModelGraphError } from '@xai-ts/canonize';
import { describe, expect, it } from 'vitest';
import { GradCAM, Gradient, InputTimesGradient } from '../src/index.js';
import { expectClose, expectNoLeak, randomTensor, setWeights } from './helpers.js';

function linear(): tf.LayersModel {
  const input = tf.input({ shape: [3] });
  const dense = tf.layers.dense({ units: 2, useBias: true });
  const model = tf.model({ inputs: input, outputs: dense.apply(input) as tf.SymbolicTensor });
  dense.setWeights([
    tf.tensor2d([
      [1, -2],
      [3, 0.5],
      [-1, 4],
    ]),
    tf.tensor1d([0.1, -0.2]),
  ]);
  return model;
}

function mlp(): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [6], units: 8, activation: 'relu' }),
      tf.layers.dense({ units: 4, activation: 'tanh' }),
      tf.layers.dense({ units: 3 }),
    ],
  });
  setWeights(model, 3);
  return model;
}

describe('Gradient and InputTimesGradient', () => {
  it('equal the weights (and input times weights) of a linear model', () => {
    const x = tf.tensor2d([
      [1, 2, 3],
      [-1, 0.5, 2],
    ]);
    const g = analyze(x, new Gradient(linear()), [0, 1]);
    expectClose(g.val.dataSync(), [1, 3, -1, -2, 0.5, 4]);
    const ixg = analyze(x, new InputTimesGradient(linear()), [0, 1]);
    expectClose(ixg.val.dataSync(), [1, 6, -3, 2, 0.25, 8]);
    expect(g.analyzer).toBe('Gradient');
    expect(ixg.analyzer).toBe('InputTimesGradient');
    tf.dispose([x]);
    g.dispose();
    ixg.dispose();
  });

  it('match finite differences on a nonlinear model', () => {
    const model = mlp();
    const x = randomTensor([1, 6], 9);
    const expl = analyze(x, new Gradient(model), 2);
    const h = 1e-2;
    const base = x.dataSync();
    const numeric = Array.from(base, (_, i) => {
      const f = (d: number) => {
        const v = Float32Array.from(base);
        v[i]! += d;
        return tf.tidy(() => (model.predict(tf.tensor2d(v, [1, 6])) as tf.Tensor).dataSync()[2]!);
      };
      return (f(h) - f(-h)) / (2 * h);
    });
    expectClose(expl.val.dataSync(), numeric, 2e-2, 1e-3);
    expl.dispose();
    x.dispose();
  });

  it('explain sample i of a batch as they explain it alone', () => {
    const model = mlp();
    const x = randomTensor([3, 6], 4);
    for (const analyzer of [new Gradient(model), new InputTimesGradient(model)]) {
      const batch = analyze(x, analyzer);
      for (let i = 0; i < 3; i++) {
        const xi = x.slice([i, 0], [1, 6]);
        const alone = analyze(xi, analyzer);
        expect(alone.outputSelection[0]).toBe(batch.outputSelection[i]);
        expectClose(alone.val.dataSync(), batch.val.slice([i, 0], [1, 6]).dataSync(), 1e-5, 1e-7);
        alone.dispose();
        xi.dispose();
      }
      batch.dispose();
    }
    x.dispose();
  });

  it('leak no tensors, also when the selection fails', () => {
    const model = mlp();
    const x = randomTensor([2, 6], 5);
    for (const analyzer of [new Gradient(model), new InputTimesGradient(model)]) {
      expectNoLeak(() => analyze(x, analyzer, 1).dispose());
      expectNoLeak(() => expect(() => analyze(x, analyzer, 3)).toThrow(OutputSelectionError));
    }
    x.dispose();
  });

  it('explain a model with several inputs (one map per input); the wrappers that cannot, reject it', () => {
    const a = tf.input({ shape: [2] });
    const b = tf.input({ shape: [2] });
    const out = tf.layers
      .dense({ units: 1 })
      .apply(tf.layers.concatenate().apply([a, b])) as tf.SymbolicTensor;
    const model = tf.model({ inputs: [a, b], outputs: out });
    const gradient = new Gradient(model);
    expect(gradient.inputShapes).toEqual([
      [null, 2],
      [null, 2],
    ]);
    const expl = analyze([tf.ones([3, 2]), tf.ones([3, 2])], gradient, 0);
    expect(expl.vals.map((v) => v.shape)).toEqual([
      [3, 2],
      [3, 2],
    ]);
    // the gradient of a dense layer is its kernel, split between the inputs
    const w = model.layers.at(-1)!.getWeights()[0]!.reshape([4]).arraySync() as number[];
    expect([...expl.vals[0]!.slice(0, 1).dataSync(), ...expl.vals[1]!.slice(0, 1).dataSync()]).toEqual(
      w.map((v) => Math.fround(v)),
    );
    tf.dispose([...expl.inputs]);
    expl.dispose();
    expect(() => new GradCAM(model, { layer: 'dense' })).toThrow(ModelGraphError);
    expect(() => new GradCAM(model, { layer: 'dense' })).toThrow(/one input; model .* has 2/);
  });
});
