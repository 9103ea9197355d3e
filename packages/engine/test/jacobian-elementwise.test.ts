// Float64 explicit-Jacobian checks of the activation and normalization kinds: every Keras activation through an
// Activation layer, the advanced-activation layers, BatchNormalization, LayerNormalization and Rescaling.

import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { activationFunction, Engine } from '../src/index.js';
import { type Case, jacobianSuites, modelOf } from './float64/harness.js';
import type { Draw } from './float64/random.js';

// Inputs keep a gap of ±0.05 around each kink: a central difference across a kink measures neither side.
const away = (kinks: number[], scale = 1.5): Draw => ({ kind: 'away', kinks, scale });

const activation = (name: string, draw?: Draw): Case => ({
  name: `Activation ${name}`,
  layer: () => tf.layers.activation({ activation: name as 'relu' }),
  // rank 3, so that softmax-like activations normalise one axis among several
  inputs: [[3, 4]],
  draw: draw ?? { kind: 'smooth', scale: 1.5 },
});

const activations: Case[] = [
  activation('linear'),
  activation('relu', away([0])),
  activation('relu6', away([0, 6], 4)),
  activation('elu', away([0])),
  activation('selu', away([0])),
  activation('sigmoid'),
  activation('hardSigmoid', away([-2.5, 2.5], 3)),
  activation('softplus'),
  activation('softsign'),
  activation('tanh'),
  activation('softmax'),
  activation('logSoftmax'),
  activation('gelu'),
  activation('gelu_new'),
  activation('mish'),
  activation('swish'),
];

const advanced: Case[] = [
  { name: 'ReLU layer', layer: () => tf.layers.reLU(), inputs: [[3, 4]], draw: away([0]) },
  {
    name: 'ReLU layer maxValue 1.5',
    layer: () => tf.layers.reLU({ maxValue: 1.5 }),
    inputs: [[3, 4]],
    draw: away([0, 1.5], 2),
  },
  { name: 'LeakyReLU default alpha', layer: () => tf.layers.leakyReLU(), inputs: [[3, 4]], draw: away([0]) },
  {
    name: 'LeakyReLU alpha 0.2',
    layer: () => tf.layers.leakyReLU({ alpha: 0.2 }),
    inputs: [[12]],
    draw: away([0]),
  },
  { name: 'PReLU (one slope per unit)', layer: () => tf.layers.prelu(), inputs: [[3, 4]], draw: away([0]) },
  {
    name: 'PReLU sharedAxes [1, 2] (one slope per channel)',
    layer: () => tf.layers.prelu({ sharedAxes: [1, 2] }),
    inputs: [[3, 4, 2]],
    draw: away([0]),
  },
  {
    name: 'ThresholdedReLU theta 0.5',
    layer: () => tf.layers.thresholdedReLU({ theta: 0.5 }),
    inputs: [[3, 4]],
    draw: away([0.5]),
  },
  {
    name: 'ThresholdedReLU default theta',
    layer: () => tf.layers.thresholdedReLU(),
    inputs: [[12]],
    draw: away([1]),
  },
  { name: 'ELU layer', layer: () => tf.layers.elu(), inputs: [[3, 4]], draw: away([0]) },
  // TF.js's Softmax layer defaults to axis 1, the last axis of a rank-2 input
  { name: 'Softmax layer, default axis on rank 2', layer: () => tf.layers.softmax(), inputs: [[6]] },
  { name: 'Softmax layer axis -1 on rank 3', layer: () => tf.layers.softmax({ axis: -1 }), inputs: [[3, 4]] },
  { name: 'Softmax layer axis 2 on rank 3', layer: () => tf.layers.softmax({ axis: 2 }), inputs: [[3, 4]] },
];

const normalizations: Case[] = [
  {
    name: 'BatchNormalization on [5, 5, 3]',
    layer: () => tf.layers.batchNormalization(),
    inputs: [[5, 5, 3]],
  },
  { name: 'BatchNormalization on rank 2', layer: () => tf.layers.batchNormalization(), inputs: [[6]] },
  {
    name: 'BatchNormalization without γ, ϵ 0.01',
    layer: () => tf.layers.batchNormalization({ scale: false, epsilon: 0.01 }),
    inputs: [[4, 3]],
  },
  {
    name: 'BatchNormalization without β',
    layer: () => tf.layers.batchNormalization({ center: false }),
    inputs: [[4, 3]],
  },
  { name: 'LayerNormalization on rank 2', layer: () => tf.layers.layerNormalization(), inputs: [[6]] },
  {
    name: 'LayerNormalization on [3, 4, 5] (last axis)',
    layer: () => tf.layers.layerNormalization(),
    inputs: [[3, 4, 5]],
  },
  {
    name: 'LayerNormalization without γ, ϵ 0.01',
    layer: () => tf.layers.layerNormalization({ scale: false, epsilon: 0.01 }),
    inputs: [[4, 5]],
  },
  {
    name: 'LayerNormalization without β',
    layer: () => tf.layers.layerNormalization({ center: false }),
    inputs: [[4, 5]],
  },
  {
    name: 'Rescaling 0.5, offset −1',
    layer: () => tf.layers.rescaling({ scale: 0.5, offset: -1 }),
    inputs: [[3, 4]],
  },
  { name: 'Rescaling 1/255', layer: () => tf.layers.rescaling({ scale: 1 / 255 }), inputs: [[3, 4, 2]] },
  {
    // Keras's EfficientNet: one scale per channel (TF.js's type says number; its call broadcasts an array).
    name: 'Rescaling per channel, offset per channel',
    layer: () =>
      tf.layers.rescaling({ scale: [2, -0.5, 1.5], offset: [0.25, 0, -1] } as unknown as { scale: number }),
    inputs: [[3, 4, 3]],
  },
];

jacobianSuites('activation and normalization kinds', [...activations, ...advanced, ...normalizations], {
  cpu: () => {
    it('Softmax layer, default axis 1 on rank 3: TF.js cannot run it, and the engine refuses too', () => {
      const before = tf.memory().numTensors;
      const c: Case = {
        name: 'Softmax default axis, rank 3',
        layer: () => tf.layers.softmax(),
        inputs: [[3, 4]],
      };
      const { model, layer } = modelOf(c);
      expect(layer.getConfig().axis).toBe(1);
      const engine = new Engine(model);
      const x = tf.randomNormal([2, 3, 4]);
      expect(() => model.predict(x)).toThrow(/non-last dimension/);
      // the engine does not silently normalise another axis than the layer names
      expect(() => tf.tidy(() => engine.forward([x]).output)).toThrow(/non-last dimension/);
      tf.dispose(x);
      engine.dispose();
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  },
});

it("an activation's derivative, where it gives one, is its vector-Jacobian product with ones", () => {
  const z = tf.tensor1d([-2, -0.5, 0, 1e-30, 0.5, 3, 7]);
  for (const name of activations.map((c) => c.name.replace('Activation ', ''))) {
    const act = activationFunction(name)!;
    if (!act.derivative) continue;
    const y = act.forward(z);
    const d = act.derivative(act.readsInput ? z : null, y);
    const v = act.vjp(act.readsInput ? z : null, y, tf.onesLike(y));
    expect(Array.from(d.dataSync()), name).toEqual(Array.from(v.dataSync()));
    tf.dispose([y, d, v]);
  }
  expect(activationFunction('relu')!.derivative).toBeDefined();
  z.dispose();
});
