import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDivisible } from '../src/applications/mobilenet-v2.js';
import { inceptionV3, mobileNetV2, ZooError } from '../src/index.js';

const size = (ws: tf.LayerVariable[]) =>
  ws.reduce((a, w) => a + w.shape.reduce((p: number, d) => p * d!, 1), 0);
const names = (model: tf.LayersModel) => model.layers.map((l) => l.name);
const kinds = (model: tf.LayersModel) => model.layers.map((l) => `${l.name}:${l.getClassName()}`);
const config = (model: tf.LayersModel, layer: string) =>
  model.getLayer(layer).getConfig() as Record<string, unknown>;
const shapeOf = (model: tf.LayersModel, layer: string) => model.getLayer(layer).outputShape;
/** Whether two models have bit-identical weights (a byte compare: vitest's deep equality is slow on millions). */
const sameWeights = (a: tf.LayersModel, b: tf.LayersModel) => {
  const [wa, wb] = [a.getWeights(), b.getWeights()];
  return (
    wa.length === wb.length &&
    wa.every((w, i) => {
      const [x, y] = [w.dataSync() as Float32Array, wb[i]!.dataSync() as Float32Array];
      return Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(
        Buffer.from(y.buffer, y.byteOffset, y.byteLength),
      );
    })
  );
};
const kernelOf = (model: tf.LayersModel, layer: string) =>
  Array.from(model.getLayer(layer).getWeights()[0]!.dataSync().slice(0, 64));
/** Inputs as Keras's ImageNet preprocessing for both models gives them: [-1, 1]. */
const images = (n: number, side: number, seed: number) =>
  tf.randomUniform([n, side, side, 3], -1, 1, 'float32', seed);

describe('mobileNetV2: Keras Applications topology', () => {
  let model: tf.LayersModel;
  beforeAll(() => {
    model = mobileNetV2({ seed: 1 });
  });
  afterAll(() => model.dispose());

  it("has Keras's parameter counts: 3,538,984 in all, 34,112 non-trainable (alpha 1.0, 1000 classes)", () => {
    expect(model.countParams()).toBe(3_538_984);
    expect(size(model.trainableWeights)).toBe(3_504_872);
    expect(size(model.nonTrainableWeights)).toBe(34_112);
  });

  it("has Keras's 156 layers, names and classes, in Keras's order", () => {
    expect(model.name).toBe('mobilenetv2_1.00_224');
    expect(model.layers).toHaveLength(156);
    expect(kinds(model).slice(0, 18)).toEqual([
      'input_layer:InputLayer',
      'Conv1:Conv2D',
      'bn_Conv1:BatchNormalization',
      'Conv1_relu:ReLU',
      'expanded_conv_depthwise:DepthwiseConv2D',
      'expanded_conv_depthwise_BN:BatchNormalization',
      'expanded_conv_depthwise_relu:ReLU',
      'expanded_conv_project:Conv2D',
      'expanded_conv_project_BN:BatchNormalization',
      'block_1_expand:Conv2D',
      'block_1_expand_BN:BatchNormalization',
      'block_1_expand_relu:ReLU',
      'block_1_pad:ZeroPadding2D',
      'block_1_depthwise:DepthwiseConv2D',
      'block_1_depthwise_BN:BatchNormalization',
      'block_1_depthwise_relu:ReLU',
      'block_1_project:Conv2D',
      'block_1_project_BN:BatchNormalization',
    ]);
    expect(kinds(model).slice(18, 27)).toEqual([
      'block_2_expand:Conv2D',
      'block_2_expand_BN:BatchNormalization',
      'block_2_expand_relu:ReLU',
      'block_2_depthwise:DepthwiseConv2D',
      'block_2_depthwise_BN:BatchNormalization',
      'block_2_depthwise_relu:ReLU',
      'block_2_project:Conv2D',
      'block_2_project_BN:BatchNormalization',
      'block_2_add:Add',
    ]);
    expect(kinds(model).slice(-7)).toEqual([
      'block_16_project:Conv2D',
      'block_16_project_BN:BatchNormalization',
      'Conv_1:Conv2D',
      'Conv_1_bn:BatchNormalization',
      'out_relu:ReLU',
      'global_average_pooling2d:GlobalAveragePooling2D',
      'predictions:Dense',
    ]);
    // Padding before the stride-2 blocks only, residual adds where a block keeps its shape.
    const pads = names(model).filter((n) => n.endsWith('_pad'));
    expect(pads).toEqual(['block_1_pad', 'block_3_pad', 'block_6_pad', 'block_13_pad']);
    const adds = names(model).filter((n) => n.endsWith('_add'));
    expect(adds).toEqual([2, 4, 5, 7, 8, 9, 11, 12, 14, 15].map((b) => `block_${b}_add`));
    for (let b = 1; b <= 16; b++)
      expect(names(model)).toEqual(
        expect.arrayContaining(
          [
            'expand',
            'expand_BN',
            'expand_relu',
            'depthwise',
            'depthwise_BN',
            'depthwise_relu',
            'project',
          ].map((s) => `block_${b}_${s}`),
        ),
      );
  });

  it("has Keras's layer settings and feature-map shapes at 224 × 224", () => {
    expect(model.inputs[0]!.shape).toEqual([null, 224, 224, 3]);
    expect(model.outputs[0]!.shape).toEqual([null, 1000]);
    expect(config(model, 'Conv1')).toMatchObject({
      filters: 32,
      kernelSize: [3, 3],
      strides: [2, 2],
      padding: 'same',
      useBias: false,
    });
    expect(config(model, 'bn_Conv1')).toMatchObject({
      epsilon: 1e-3,
      momentum: 0.999,
      scale: true,
      center: true,
    });
    expect(config(model, 'Conv1_relu')).toMatchObject({ maxValue: 6 });
    expect(config(model, 'block_1_pad')).toMatchObject({
      padding: [
        [0, 1],
        [0, 1],
      ],
    });
    expect(config(model, 'block_1_depthwise')).toMatchObject({
      strides: [2, 2],
      padding: 'valid',
      useBias: false,
    });
    expect(config(model, 'block_2_depthwise')).toMatchObject({
      strides: [1, 1],
      padding: 'same',
      useBias: false,
    });
    expect(config(model, 'predictions')).toMatchObject({ units: 1000, activation: 'softmax' });
    const shapes: [string, number[]][] = [
      ['Conv1_relu', [112, 112, 32]],
      ['expanded_conv_project_BN', [112, 112, 16]],
      ['block_1_expand_relu', [112, 112, 96]],
      ['block_1_pad', [113, 113, 96]],
      ['block_2_add', [56, 56, 24]],
      ['block_5_add', [28, 28, 32]],
      ['block_9_add', [14, 14, 64]],
      ['block_12_add', [14, 14, 96]],
      ['block_15_add', [7, 7, 160]],
      ['block_16_project_BN', [7, 7, 320]],
      ['out_relu', [7, 7, 1280]],
    ];
    for (const [layer, shape] of shapes) expect(shapeOf(model, layer), layer).toEqual([null, ...shape]);
  });

  it('draws BatchNorm parameters and statistics at random, not as identities', () => {
    const [gamma, beta, mean, variance] = model
      .getLayer('block_5_project_BN')
      .getWeights()
      .map((w) => Array.from(w.dataSync()));
    for (const g of gamma!) expect(g >= 0.5 && g < 1.5).toBe(true);
    for (const v of variance!) expect(v >= 0.5 && v < 1.5).toBe(true);
    expect(new Set(variance).size).toBe(32);
    const sd = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + x * x, 0) / xs.length);
    expect(sd(mean!)).toBeGreaterThan(0.03);
    expect(sd(mean!)).toBeLessThan(0.3);
    expect(sd(beta!)).toBeGreaterThan(0.03);
  });
});

describe('mobileNetV2: options', () => {
  it("rounds channels as Keras's _make_divisible", () => {
    // Values from keras/src/applications/mobilenet_v2.py's _make_divisible.
    expect([5.6, 8.4, 11.2, 22.4, 33.6, 56, 112].map((v) => makeDivisible(v, 8))).toEqual([
      8, 8, 16, 24, 32, 56, 112,
    ]);
    expect([33, 44.8, 1664, 1792].map((v) => makeDivisible(v, 8))).toEqual([32, 48, 1664, 1792]);
    const small = mobileNetV2({ alpha: 0.35, inputShape: [96, 96, 3], includeTop: false });
    expect(small.name).toBe('mobilenetv2_0.35_96');
    expect(config(small, 'Conv1')).toMatchObject({ filters: 16 });
    expect(shapeOf(small, 'block_16_project_BN')).toEqual([null, 3, 3, 112]);
    expect(small.outputs[0]!.shape).toEqual([null, 3, 3, 1280]);
    small.dispose();
    const wide = mobileNetV2({ alpha: 1.4, inputShape: [32, 32, 3], includeTop: false });
    expect(wide.name).toBe('mobilenetv2_1.40_32');
    expect(config(wide, 'Conv1')).toMatchObject({ filters: 48 });
    expect(shapeOf(wide, 'block_16_project_BN')).toEqual([null, 1, 1, 448]);
    expect(wide.outputs[0]!.shape).toEqual([null, 1, 1, 1792]);
    wide.dispose();
    // Python formats alpha 0.125 with round-half-even: 0.12.
    const tie = mobileNetV2({ alpha: 0.125, inputShape: [32, 32, 3], includeTop: false });
    expect(tie.name).toBe('mobilenetv2_0.12_32');
    tie.dispose();
  });

  it('pads odd feature maps on both sides before a stride-2 depthwise convolution (correct_pad)', () => {
    const model = mobileNetV2({ inputShape: [97, 97, 3], includeTop: false });
    expect(shapeOf(model, 'Conv1_relu')).toEqual([null, 49, 49, 32]);
    expect(config(model, 'block_1_pad')).toMatchObject({
      padding: [
        [1, 1],
        [1, 1],
      ],
    });
    expect(shapeOf(model, 'block_1_project_BN')).toEqual([null, 25, 25, 24]);
    model.dispose();
  });

  it('pools the features without the top', () => {
    for (const [pooling, layer, kind] of [
      ['avg', 'global_average_pooling2d', 'GlobalAveragePooling2D'],
      ['max', 'global_max_pooling2d', 'GlobalMaxPooling2D'],
    ] as const) {
      const model = mobileNetV2({ inputShape: [64, 64, 3], includeTop: false, pooling });
      expect(kinds(model).at(-1)).toBe(`${layer}:${kind}`);
      expect(model.outputs[0]!.shape).toEqual([null, 1280]);
      model.dispose();
    }
  });

  it('runs forward at 96 × 96: softmax by default, the logits of the same weights with classifierActivation null', () => {
    const probs = mobileNetV2({ inputShape: [96, 96, 3], classes: 10, seed: 7 });
    const logits = mobileNetV2({ inputShape: [96, 96, 3], classes: 10, seed: 7, classifierActivation: null });
    expect(config(logits, 'predictions')).toMatchObject({ units: 10, activation: 'linear' });
    const x = images(2, 96, 3);
    const [p, z] = [probs.predict(x) as tf.Tensor, logits.predict(x) as tf.Tensor];
    expect(p.shape).toEqual([2, 10]);
    expect(z.shape).toEqual([2, 10]);
    const zs = z.arraySync() as number[][];
    for (const row of zs) for (const v of row) expect(Number.isFinite(v)).toBe(true);
    // Not a constant function of the input: the two images give different logits.
    expect(Math.max(...zs[0]!.map((v, i) => Math.abs(v - zs[1]![i]!)))).toBeGreaterThan(1e-2);
    const expected = tf.softmax(z).arraySync() as number[][];
    (p.arraySync() as number[][]).forEach((row, i) => {
      expect(row.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 5);
      row.forEach((v, j) => {
        expect(v).toBeCloseTo(expected[i]![j]!, 5);
      });
    });
    tf.dispose([x, p, z]);
    probs.dispose();
    logits.dispose();
  });

  it('gives equal weights for equal seeds and different weights for different seeds', () => {
    const build = (seed: number) => mobileNetV2({ alpha: 0.35, inputShape: [32, 32, 3], seed });
    const [a, b, c] = [build(3), build(3), build(4)];
    expect(sameWeights(a, b)).toBe(true);
    expect(sameWeights(a, c)).toBe(false);
    expect(kernelOf(a, 'Conv1')).not.toEqual(kernelOf(c, 'Conv1'));
    expect(kernelOf(a, 'predictions')).not.toEqual(kernelOf(c, 'predictions'));
    // Layers of the same shape get different draws within a model.
    expect(kernelOf(a, 'block_4_expand')).not.toEqual(kernelOf(a, 'block_5_expand'));
    for (const m of [a, b, c]) m.dispose();
  });

  it('rejects invalid options with a ZooError', () => {
    expect(() => mobileNetV2({ alpha: 0 })).toThrow(ZooError);
    expect(() => mobileNetV2({ inputShape: [31, 31, 3] })).toThrow(/at least 32×32/);
    expect(() => mobileNetV2({ inputShape: [64, 64, 3, 1] as unknown as [number, number, number] })).toThrow(
      ZooError,
    );
    expect(() => mobileNetV2({ classes: 0 })).toThrow(ZooError);
    expect(() => mobileNetV2({ includeTop: false, pooling: 'sum' as unknown as 'avg' })).toThrow(ZooError);
  });
});

describe('inceptionV3: Keras Applications topology', () => {
  let model: tf.LayersModel;
  beforeAll(() => {
    model = inceptionV3({ seed: 1 });
  });
  afterAll(() => model.dispose());

  it("has Keras's parameter counts: 23,851,784 in all, 34,432 non-trainable (1000 classes)", () => {
    expect(model.countParams()).toBe(23_851_784);
    expect(size(model.trainableWeights)).toBe(23_817_352);
    expect(size(model.nonTrainableWeights)).toBe(34_432);
  });

  it("has Keras's 313 layers, named as in a fresh Keras 3 session, in Keras's order", () => {
    expect(model.name).toBe('inception_v3');
    expect(model.layers).toHaveLength(313);
    expect(kinds(model).slice(0, 20)).toEqual([
      'input_layer:InputLayer',
      'conv2d:Conv2D',
      'batch_normalization:BatchNormalization',
      'activation:Activation',
      'conv2d_1:Conv2D',
      'batch_normalization_1:BatchNormalization',
      'activation_1:Activation',
      'conv2d_2:Conv2D',
      'batch_normalization_2:BatchNormalization',
      'activation_2:Activation',
      'max_pooling2d:MaxPooling2D',
      'conv2d_3:Conv2D',
      'batch_normalization_3:BatchNormalization',
      'activation_3:Activation',
      'conv2d_4:Conv2D',
      'batch_normalization_4:BatchNormalization',
      'activation_4:Activation',
      'max_pooling2d_1:MaxPooling2D',
      // Keras orders a depth by graph traversal: mixed0's longest branch (conv2d_8 …) comes first.
      'conv2d_8:Conv2D',
      'batch_normalization_8:BatchNormalization',
    ]);
    expect(kinds(model).slice(-6)).toEqual([
      'mixed9_1:Concatenate',
      'concatenate_1:Concatenate',
      'activation_93:Activation',
      'mixed10:Concatenate',
      'avg_pool:GlobalAveragePooling2D',
      'predictions:Dense',
    ]);
    const count = (kind: string) => model.layers.filter((l) => l.getClassName() === kind).length;
    expect([count('Conv2D'), count('BatchNormalization'), count('Activation')]).toEqual([94, 94, 94]);
    expect([count('MaxPooling2D'), count('AveragePooling2D'), count('Concatenate')]).toEqual([4, 9, 15]);
    expect(names(model)).toEqual(
      expect.arrayContaining([
        'conv2d_93',
        'batch_normalization_93',
        'max_pooling2d_3',
        'average_pooling2d_8',
        'mixed9_0',
        'mixed9_1',
        'concatenate',
        'concatenate_1',
      ]),
    );
    expect(names(model).filter((n) => /^mixed\d+$/.test(n))).toEqual(
      Array.from({ length: 11 }, (_, i) => `mixed${i}`),
    );
  });

  it("has Keras's layer settings and feature-map shapes at 299 × 299", () => {
    expect(model.inputs[0]!.shape).toEqual([null, 299, 299, 3]);
    expect(model.outputs[0]!.shape).toEqual([null, 1000]);
    expect(config(model, 'conv2d')).toMatchObject({
      filters: 32,
      strides: [2, 2],
      padding: 'valid',
      useBias: false,
    });
    expect(config(model, 'batch_normalization')).toMatchObject({ scale: false, center: true, epsilon: 1e-3 });
    // scale=False: β, moving mean and moving variance only.
    expect(model.getLayer('batch_normalization_50').getWeights()).toHaveLength(3);
    expect(config(model, 'activation')).toMatchObject({ activation: 'relu' });
    expect(config(model, 'conv2d_32')).toMatchObject({ kernelSize: [1, 7] });
    const shapes: [string, number[]][] = [
      ['activation_4', [71, 71, 192]],
      ['max_pooling2d_1', [35, 35, 192]],
      ['mixed0', [35, 35, 256]],
      ['mixed1', [35, 35, 288]],
      ['mixed2', [35, 35, 288]],
      ['mixed3', [17, 17, 768]],
      ['mixed4', [17, 17, 768]],
      ['mixed7', [17, 17, 768]],
      ['mixed8', [8, 8, 1280]],
      ['mixed9_0', [8, 8, 768]],
      ['mixed9', [8, 8, 2048]],
      ['mixed10', [8, 8, 2048]],
      ['avg_pool', [2048]],
    ];
    for (const [layer, shape] of shapes) expect(shapeOf(model, layer), layer).toEqual([null, ...shape]);
  });
});

describe('inceptionV3: options', () => {
  it('runs forward at its minimum size, 75 × 75, and gives logits with classifierActivation null', () => {
    const model = inceptionV3({ inputShape: [75, 75, 3], classifierActivation: null, seed: 2 });
    expect(config(model, 'predictions')).toMatchObject({ activation: 'linear' });
    expect(shapeOf(model, 'mixed10')).toEqual([null, 1, 1, 2048]);
    const x = images(2, 75, 5);
    const y = model.predict(x) as tf.Tensor;
    expect(y.shape).toEqual([2, 1000]);
    const rows = y.arraySync() as number[][];
    for (const row of rows) for (const v of row) expect(Number.isFinite(v)).toBe(true);
    expect(Math.max(...rows[0]!.map((v, i) => Math.abs(v - rows[1]![i]!)))).toBeGreaterThan(1e-2);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('gives equal weights for equal seeds and different weights for different seeds', () => {
    const build = (seed: number) => inceptionV3({ inputShape: [75, 75, 3], classes: 5, seed });
    const [a, b, c] = [build(11), build(11), build(12)];
    expect(sameWeights(a, b)).toBe(true);
    expect(sameWeights(a, c)).toBe(false);
    expect(kernelOf(a, 'conv2d')).not.toEqual(kernelOf(c, 'conv2d'));
    for (const m of [a, b, c]) m.dispose();
  });

  it('pools the features without the top, and rejects inputs under 75 × 75', () => {
    const model = inceptionV3({ inputShape: [75, 75, 3], includeTop: false, pooling: 'max' });
    expect(kinds(model).at(-1)).toBe('global_max_pooling2d:GlobalMaxPooling2D');
    expect(model.outputs[0]!.shape).toEqual([null, 2048]);
    model.dispose();
    const features = inceptionV3({ includeTop: false });
    expect(features.outputs[0]!.shape).toEqual([null, 8, 8, 2048]);
    expect(features.countParams()).toBe(23_851_784 - (2048 * 1000 + 1000));
    features.dispose();
    expect(() => inceptionV3({ inputShape: [74, 75, 3] })).toThrow(/at least 75×75/);
    expect(() => inceptionV3({ classes: 1.5 })).toThrow(ZooError);
  });
});
