import * as tf from '@tensorflow/tfjs';
import { seedWeights } from '@xai-ts/testing';
import { describe, expect, it } from 'vitest';
import { Composite, GlobalMap, LayerNormRule, LRP, type Rule, ZeroRule } from '../src/index.js';

// Conservation through every parameter-free layer kind: with ZeroRule (LayerNormRule for LayerNormalization) and no
// bias or shift, the relevance a layer hands down sums to what arrived, Σ R_in = Σ R_out. The relevance that arrives
// is the layer's output times positive weights, as relevance is in an LRP pass (zero where the output is zero).

interface Case {
  readonly name: string;
  readonly inputs: readonly number[][];
  readonly layer: () => tf.layers.Layer;
  readonly rule?: () => Rule;
  /** Positive inputs (after a ReLU). */
  readonly positive?: boolean;
}

const pool2d = { poolSize: 3, strides: 2, padding: 'same' } as const;
const cases: Case[] = [
  { name: 'MaxPooling2D 3×3/2 same', inputs: [[7, 6, 2]], layer: () => tf.layers.maxPooling2d(pool2d) },
  { name: 'MaxPooling2D 2×2', inputs: [[6, 6, 2]], layer: () => tf.layers.maxPooling2d({ poolSize: 2 }) },
  {
    name: 'MaxPooling1D 3 same',
    inputs: [[9, 2]],
    layer: () => tf.layers.maxPooling1d({ poolSize: 3, padding: 'same' }),
  },
  {
    name: 'AveragePooling2D 3×3/1 same',
    inputs: [[5, 6, 2]],
    layer: () => tf.layers.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same' }),
  },
  {
    name: 'AveragePooling2D 2×2/2 same on 7×7',
    inputs: [[7, 7, 2]],
    layer: () => tf.layers.averagePooling2d({ poolSize: 2, padding: 'same' }),
  },
  { name: 'AveragePooling1D 2', inputs: [[8, 3]], layer: () => tf.layers.averagePooling1d({ poolSize: 2 }) },
  { name: 'GlobalAveragePooling2D', inputs: [[4, 5, 3]], layer: () => tf.layers.globalAveragePooling2d({}) },
  { name: 'GlobalMaxPooling2D', inputs: [[4, 5, 3]], layer: () => tf.layers.globalMaxPooling2d({}) },
  { name: 'GlobalAveragePooling1D', inputs: [[6, 3]], layer: () => tf.layers.globalAveragePooling1d({}) },
  {
    name: 'UpSampling2D nearest',
    inputs: [[3, 4, 2]],
    layer: () => tf.layers.upSampling2d({ size: [2, 3] }),
  },
  {
    name: 'UpSampling2D bilinear',
    inputs: [[3, 4, 2]],
    layer: () => tf.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear' }),
    positive: true,
  },
  {
    name: 'Cropping2D',
    inputs: [[6, 6, 2]],
    layer: () =>
      tf.layers.cropping2D({
        cropping: [
          [1, 0],
          [2, 1],
        ],
      }),
  },
  { name: 'Flatten', inputs: [[3, 3, 2]], layer: () => tf.layers.flatten() },
  { name: 'Reshape', inputs: [[3, 4, 2]], layer: () => tf.layers.reshape({ targetShape: [-1, 4] }) },
  { name: 'Permute', inputs: [[3, 4, 2]], layer: () => tf.layers.permute({ dims: [3, 1, 2] }) },
  { name: 'Dropout', inputs: [[5]], layer: () => tf.layers.dropout({ rate: 0.5 }) },
  { name: 'GaussianNoise', inputs: [[5]], layer: () => tf.layers.gaussianNoise({ stddev: 1 }) },
  {
    name: 'Add',
    inputs: [
      [4, 3],
      [4, 3],
    ],
    layer: () => tf.layers.add(),
    positive: true,
  },
  {
    name: 'Concatenate',
    inputs: [
      [4, 3],
      [4, 2],
    ],
    layer: () => tf.layers.concatenate(),
  },
  { name: 'Average', inputs: [[5], [5]], layer: () => tf.layers.average(), positive: true },
  { name: 'Maximum', inputs: [[5], [5]], layer: () => tf.layers.maximum() },
  { name: 'Activation relu', inputs: [[6]], layer: () => tf.layers.activation({ activation: 'relu' }) },
  { name: 'ReLU(6), explained as ReLU', inputs: [[6]], layer: () => tf.layers.reLU({ maxValue: 6 }) },
  { name: 'LeakyReLU', inputs: [[6]], layer: () => tf.layers.leakyReLU({ alpha: 0.2 }) },
  { name: 'ThresholdedReLU', inputs: [[6]], layer: () => tf.layers.thresholdedReLU({ theta: 0.3 }) },
  {
    name: 'Activation swish (passes relevance)',
    inputs: [[6]],
    layer: () => tf.layers.activation({ activation: 'swish' }),
  },
  {
    name: 'BatchNormalization without shift',
    inputs: [[3, 3, 4]],
    layer: () => tf.layers.batchNormalization({ center: false }),
  },
  { name: 'Rescaling', inputs: [[6]], layer: () => tf.layers.rescaling({ scale: 0.5 }) },
  {
    name: 'LayerNormalization without β, LayerNormRule',
    inputs: [[3, 8]],
    layer: () => tf.layers.layerNormalization({ center: false }),
    rule: () => new LayerNormRule(),
  },
];

describe('conservation through every parameter-free layer kind (ZeroRule, no bias)', () => {
  it.each(cases)('$name', ({ inputs, layer, rule, positive, name }) => {
    // LRP explains models with one input: a merge gets the input and a rescaled copy of it (conserving too)
    const input = tf.input({ shape: inputs[0]! });
    const ins =
      inputs.length === 1
        ? [input]
        : [input, tf.layers.rescaling({ scale: 0.5 }).apply(input) as tf.SymbolicTensor];
    const l = layer();
    const out = l.apply(ins.length === 1 ? ins[0]! : ins) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    // BatchNorm's moving mean must be 0 for x ↦ γx/σ to be homogeneous; other weights as they come
    seedWeights(model, 3);
    if (name.startsWith('BatchNormalization')) {
      const [gamma, , variance] = l.getWeights();
      l.setWeights([gamma!, tf.zeros([4]), variance!]);
    }
    const lrp = new LRP(model, new Composite(new GlobalMap(rule ? rule() : new ZeroRule())));
    const xs = [tf.randomNormal([2, ...inputs[0]!], 0, 1, 'float32', 10)].map((x) =>
      positive ? tf.abs(x) : x,
    );
    const [rin, rout] = tf.tidy(() => {
      const pass = lrp.engine.forward(xs);
      const seed = tf.mul(pass.output, tf.randomUniform(pass.output.shape, 0.5, 1.5, 'float32', 4));
      const back = lrp.backward(pass, new Map([[lrp.engine.outputIndex, seed]]));
      return [tf.addN(back.inputs.map((r) => r.sum())).dataSync()[0]!, tf.sum(seed).dataSync()[0]!];
    });
    expect(Math.abs(rin! - rout!), `Σ R_in = ${rin}, Σ R_out = ${rout}`).toBeLessThanOrEqual(
      1e-5 * Math.abs(rout!) + 1e-6,
    );
    lrp.dispose();
    tf.dispose(xs);
    model.dispose();
  });

  it('ZeroPadding2D hands down the relevance inside and drops what lands on the border', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.zeroPadding2d({
          inputShape: [3, 3, 1],
          padding: [
            [1, 0],
            [0, 2],
          ],
        }),
      ],
    });
    const lrp = new LRP(model, new ZeroRule());
    const x = tf.ones([1, 3, 3, 1]);
    const seed = tf.range(1, 21).reshape([1, 4, 5, 1]);
    const r = tf.tidy(() => lrp.backward(lrp.engine.forward([x]), new Map([[0, seed]])).inputs[0]!);
    expect(Array.from(r.dataSync())).toEqual([6, 7, 8, 11, 12, 13, 16, 17, 18]);
    tf.dispose([x, seed, r]);
    lrp.dispose();
  });
});
