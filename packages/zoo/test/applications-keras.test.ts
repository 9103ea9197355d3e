import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { denseNet121, efficientNetB0, resNet50, resNet50V2, ZooError } from '../src/index.js';
import {
  denseNet121Weighted,
  EFFICIENTNET_B0_BLOCKS,
  efficientNetB0Weighted,
  resNet50V2Weighted,
  resNet50Weighted,
} from './keras-expectations.js';

const size = (ws: tf.LayerVariable[]) =>
  ws.reduce((a, w) => a + w.shape.reduce((p: number, d) => p * d!, 1), 0);
const kinds = (model: tf.LayersModel) => model.layers.map((l) => `${l.name}:${l.getClassName()}`);
const config = (model: tf.LayersModel, layer: string) =>
  model.getLayer(layer).getConfig() as Record<string, unknown>;
const shapeOf = (model: tf.LayersModel, layer: string) => model.getLayer(layer).outputShape;
const params = (model: tf.LayersModel, layer: string) => model.getLayer(layer).countParams();
const weighted = (model: tf.LayersModel) =>
  model.layers.filter((l) => l.weights.length > 0).map((l) => l.name);
/** The names of the layers feeding each layer, as in Keras's `inbound_nodes`. */
const inbound = (model: tf.LayersModel, layer: string) =>
  model.getLayer(layer).inboundNodes[0]!.inboundLayers.map((l) => l.name);

// Keras's totals with the top and 1000 classes (keras.io/api/applications table and model.summary()), with the
// non-trainable part (BatchNorm statistics; EfficientNet's also the Normalization's mean, variance and count).
const cases = [
  {
    name: 'ResNet50',
    build: resNet50,
    total: 25_636_712,
    frozen: 53_120,
    layers: 177,
    expected: resNet50Weighted,
  },
  {
    name: 'ResNet50V2',
    build: resNet50V2,
    total: 25_613_800,
    frozen: 45_440,
    layers: 192,
    expected: resNet50V2Weighted,
  },
  {
    name: 'DenseNet121',
    build: denseNet121,
    total: 8_062_504,
    frozen: 83_648,
    layers: 429,
    expected: denseNet121Weighted,
  },
  {
    name: 'EfficientNetB0',
    build: efficientNetB0,
    total: 5_330_571,
    frozen: 42_023,
    layers: 241,
    expected: efficientNetB0Weighted,
  },
];

describe.each(cases)(
  '$name: Keras Applications topology at 224 × 224',
  ({ build, total, frozen, layers, expected }) => {
    let model: tf.LayersModel;
    beforeAll(() => {
      model = build({ seed: 1 });
    });
    afterAll(() => model.dispose());

    it("has Keras's parameter counts with the top and 1000 classes", () => {
      expect(model.countParams()).toBe(total);
      expect(size(model.nonTrainableWeights)).toBe(frozen);
      expect(model.layers).toHaveLength(layers);
    });

    it("has a layer with weights for exactly each name Keras's source gives, the names of its weights files", () => {
      expect([...weighted(model)].sort()).toEqual([...expected()].sort());
      expect(new Set(model.layers.map((l) => l.name)).size).toBe(model.layers.length);
    });

    it('lists layers in an order where every layer comes after its inputs', () => {
      const seen = new Set<string>();
      for (const l of model.layers) {
        if (l.getClassName() !== 'InputLayer')
          for (const i of inbound(model, l.name)) expect(seen.has(i), l.name).toBe(true);
        seen.add(l.name);
      }
      expect(model.inputs[0]!.shape).toEqual([null, 224, 224, 3]);
      expect(model.outputs[0]!.shape).toEqual([null, 1000]);
      expect(config(model, 'predictions')).toMatchObject({ units: 1000, activation: 'softmax' });
    });

    it('pools without the top as Keras does (avg_pool, max_pool) and gives logits with classifierActivation null', () => {
      for (const [pooling, layer] of [
        ['avg', 'avg_pool:GlobalAveragePooling2D'],
        ['max', 'max_pool:GlobalMaxPooling2D'],
      ] as const) {
        const m = build({ inputShape: [32, 32, 3], includeTop: false, pooling });
        expect(kinds(m).at(-1)).toBe(layer);
        m.dispose();
      }
      const logits = build({ inputShape: [32, 32, 3], classes: 7, classifierActivation: null });
      expect(config(logits, 'predictions')).toMatchObject({ units: 7, activation: 'linear' });
      expect(logits.outputs[0]!.shape).toEqual([null, 7]);
      logits.dispose();
    });

    it('rejects invalid options with a ZooError', () => {
      expect(() => build({ inputShape: [31, 64, 3] })).toThrow(/at least 32×32, got 31×64/);
      expect(() => build({ inputShape: [64, 64] as unknown as [number, number, number] })).toThrow(ZooError);
      expect(() => build({ classes: 0 })).toThrow(/classes must be a positive integer/);
      expect(() => build({ includeTop: false, pooling: 'mean' as 'avg' })).toThrow(/pooling must be/);
    });
  },
);

describe('ResNet50', () => {
  let model: tf.LayersModel;
  beforeAll(() => {
    model = resNet50({ seed: 1 });
  });
  afterAll(() => model.dispose());

  it("has Keras's stem and first block, in Keras's order, with Keras's connections", () => {
    expect(model.name).toBe('resnet50');
    expect(kinds(model).slice(0, 19)).toEqual([
      'input_layer:InputLayer',
      'conv1_pad:ZeroPadding2D',
      'conv1_conv:Conv2D',
      'conv1_bn:BatchNormalization',
      'conv1_relu:Activation',
      'pool1_pad:ZeroPadding2D',
      'pool1_pool:MaxPooling2D',
      'conv2_block1_1_conv:Conv2D',
      'conv2_block1_1_bn:BatchNormalization',
      'conv2_block1_1_relu:Activation',
      'conv2_block1_2_conv:Conv2D',
      'conv2_block1_2_bn:BatchNormalization',
      'conv2_block1_2_relu:Activation',
      'conv2_block1_0_conv:Conv2D',
      'conv2_block1_3_conv:Conv2D',
      'conv2_block1_0_bn:BatchNormalization',
      'conv2_block1_3_bn:BatchNormalization',
      'conv2_block1_add:Add',
      'conv2_block1_out:Activation',
    ]);
    expect(inbound(model, 'conv2_block1_add')).toEqual(['conv2_block1_0_bn', 'conv2_block1_3_bn']);
    expect(inbound(model, 'conv2_block2_add')).toEqual(['conv2_block1_out', 'conv2_block2_3_bn']);
    expect(inbound(model, 'conv3_block1_0_conv')).toEqual(['conv2_block3_out']);
    expect(kinds(model).slice(-2)).toEqual(['avg_pool:GlobalAveragePooling2D', 'predictions:Dense']);
  });

  it("has Keras's per-layer parameters, settings and feature maps", () => {
    // 7·7·3·64 + 64; BN 4·64; 1·1·64·64 + 64; 3·3·64·64 + 64; 1·1·64·256 + 256; the head 2048·1000 + 1000.
    expect(params(model, 'conv1_conv')).toBe(9_472);
    expect(params(model, 'conv1_bn')).toBe(256);
    expect(params(model, 'conv2_block1_1_conv')).toBe(4_160);
    expect(params(model, 'conv2_block1_2_conv')).toBe(36_928);
    expect(params(model, 'conv2_block1_3_conv')).toBe(16_640);
    expect(params(model, 'conv5_block1_0_conv')).toBe(2_099_200);
    expect(params(model, 'predictions')).toBe(2_049_000);
    expect(config(model, 'conv1_conv')).toMatchObject({ kernelSize: [7, 7], strides: [2, 2], useBias: true });
    expect(config(model, 'conv1_bn')).toMatchObject({ epsilon: 1.001e-5 });
    // The stride of a stack's first block is on its first 1×1 convolution and its shortcut.
    expect(config(model, 'conv3_block1_1_conv')).toMatchObject({ strides: [2, 2], kernelSize: [1, 1] });
    expect(config(model, 'conv3_block1_0_conv')).toMatchObject({ strides: [2, 2] });
    expect(config(model, 'conv2_block1_1_conv')).toMatchObject({ strides: [1, 1] });
    for (const [layer, shape] of [
      ['conv1_relu', [112, 112, 64]],
      ['pool1_pool', [56, 56, 64]],
      ['conv2_block3_out', [56, 56, 256]],
      ['conv3_block4_out', [28, 28, 512]],
      ['conv4_block6_out', [14, 14, 1024]],
      ['conv5_block3_out', [7, 7, 2048]],
    ] as const)
      expect(shapeOf(model, layer), layer).toEqual([null, ...shape]);
  });
});

describe('ResNet50V2', () => {
  let model: tf.LayersModel;
  beforeAll(() => {
    model = resNet50V2({ seed: 1 });
  });
  afterAll(() => model.dispose());

  it("has Keras's pre-activation blocks, strided last blocks with max-pooled shortcuts, and post_bn", () => {
    expect(model.name).toBe('resnet50v2');
    expect(kinds(model).slice(0, 17)).toEqual([
      'input_layer:InputLayer',
      'conv1_pad:ZeroPadding2D',
      'conv1_conv:Conv2D',
      'pool1_pad:ZeroPadding2D',
      'pool1_pool:MaxPooling2D',
      'conv2_block1_preact_bn:BatchNormalization',
      'conv2_block1_preact_relu:Activation',
      'conv2_block1_1_conv:Conv2D',
      'conv2_block1_1_bn:BatchNormalization',
      'conv2_block1_1_relu:Activation',
      'conv2_block1_2_pad:ZeroPadding2D',
      'conv2_block1_2_conv:Conv2D',
      'conv2_block1_2_bn:BatchNormalization',
      'conv2_block1_2_relu:Activation',
      'conv2_block1_0_conv:Conv2D',
      'conv2_block1_3_conv:Conv2D',
      'conv2_block1_out:Add',
    ]);
    expect(inbound(model, 'conv2_block1_0_conv')).toEqual(['conv2_block1_preact_relu']);
    expect(inbound(model, 'conv2_block1_out')).toEqual(['conv2_block1_0_conv', 'conv2_block1_3_conv']);
    // Keras's unnamed MaxPooling2D(1, strides=2) shortcuts of conv2_block3, conv3_block4 and conv4_block6.
    const pools = model.layers.filter((l) => l.name.startsWith('max_pooling2d')).map((l) => l.name);
    expect(pools).toEqual(['max_pooling2d', 'max_pooling2d_1', 'max_pooling2d_2']);
    expect(inbound(model, 'max_pooling2d_1')).toEqual(['conv3_block3_out']);
    expect(inbound(model, 'conv3_block4_out')).toEqual(['max_pooling2d_1', 'conv3_block4_3_conv']);
    expect(config(model, 'max_pooling2d')).toMatchObject({ poolSize: [1, 1], strides: [2, 2] });
    expect(config(model, 'conv2_block3_2_conv')).toMatchObject({ strides: [2, 2], useBias: false });
    expect(config(model, 'conv5_block3_2_conv')).toMatchObject({ strides: [1, 1] });
    expect(kinds(model).slice(-4)).toEqual([
      'post_bn:BatchNormalization',
      'post_relu:Activation',
      'avg_pool:GlobalAveragePooling2D',
      'predictions:Dense',
    ]);
    expect(params(model, 'conv2_block1_1_conv')).toBe(4_096);
    expect(params(model, 'conv2_block1_3_conv')).toBe(16_640);
    expect(shapeOf(model, 'conv2_block3_out')).toEqual([null, 28, 28, 256]);
    expect(shapeOf(model, 'conv4_block6_out')).toEqual([null, 7, 7, 1024]);
    expect(shapeOf(model, 'post_relu')).toEqual([null, 7, 7, 2048]);
  });
});

describe('DenseNet121', () => {
  let model: tf.LayersModel;
  beforeAll(() => {
    model = denseNet121({ seed: 1 });
  });
  afterAll(() => model.dispose());

  it("has Keras's unnamed stem paddings, conv blocks concatenated to their input, and transitions", () => {
    expect(model.name).toBe('densenet121');
    expect(kinds(model).slice(0, 14)).toEqual([
      'input_layer:InputLayer',
      'zero_padding2d:ZeroPadding2D',
      'conv1_conv:Conv2D',
      'conv1_bn:BatchNormalization',
      'conv1_relu:Activation',
      'zero_padding2d_1:ZeroPadding2D',
      'pool1:MaxPooling2D',
      'conv2_block1_0_bn:BatchNormalization',
      'conv2_block1_0_relu:Activation',
      'conv2_block1_1_conv:Conv2D',
      'conv2_block1_1_bn:BatchNormalization',
      'conv2_block1_1_relu:Activation',
      'conv2_block1_2_conv:Conv2D',
      'conv2_block1_concat:Concatenate',
    ]);
    expect(inbound(model, 'conv2_block1_concat')).toEqual(['pool1', 'conv2_block1_2_conv']);
    expect(inbound(model, 'conv2_block2_concat')).toEqual(['conv2_block1_concat', 'conv2_block2_2_conv']);
    expect(kinds(model).filter((k) => k.startsWith('pool2'))).toEqual([
      'pool2_bn:BatchNormalization',
      'pool2_relu:Activation',
      'pool2_conv:Conv2D',
      'pool2_pool:AveragePooling2D',
    ]);
    expect(params(model, 'conv1_conv')).toBe(9_408);
    expect(params(model, 'conv2_block1_1_conv')).toBe(8_192);
    expect(params(model, 'conv2_block1_2_conv')).toBe(36_864);
    expect(params(model, 'pool2_conv')).toBe(32_768);
    expect(params(model, 'bn')).toBe(4_096);
    for (const [layer, shape] of [
      ['pool1', [56, 56, 64]],
      ['conv2_block6_concat', [56, 56, 256]],
      ['pool2_pool', [28, 28, 128]],
      ['conv3_block12_concat', [28, 28, 512]],
      ['pool3_pool', [14, 14, 256]],
      ['conv4_block24_concat', [14, 14, 1024]],
      ['pool4_pool', [7, 7, 512]],
      ['relu', [7, 7, 1024]],
    ] as const)
      expect(shapeOf(model, layer), layer).toEqual([null, ...shape]);
  });
});

describe('EfficientNetB0', () => {
  let model: tf.LayersModel;
  beforeAll(() => {
    model = efficientNetB0({ seed: 1 });
  });
  afterAll(() => model.dispose());

  it('preprocesses inside the model as Keras does: ×1/255, Normalization, ×1/√std per channel', () => {
    expect(kinds(model).slice(0, 8)).toEqual([
      'input_layer:InputLayer',
      'rescaling:Rescaling',
      'normalization:Normalization',
      'rescaling_1:Rescaling',
      'stem_conv_pad:ZeroPadding2D',
      'stem_conv:Conv2D',
      'stem_bn:BatchNormalization',
      'stem_activation:Activation',
    ]);
    expect(params(model, 'normalization')).toBe(7);
    expect(model.getLayer('normalization').weights.map((w) => [w.originalName, w.shape])).toEqual([
      ['normalization/mean', [3]],
      ['normalization/variance', [3]],
      ['normalization/count', []],
    ]);
    // The three together are torch's normalisation of RGB in [0, 255].
    const rgb = [
      [0, 127, 255],
      [30, 200, 90],
    ];
    const y = tf.tidy(() => {
      let t: tf.Tensor = tf.tensor(rgb).reshape([1, 1, 2, 3]);
      for (const name of ['rescaling', 'normalization', 'rescaling_1'])
        t = model.getLayer(name).apply(t) as tf.Tensor;
      return t.arraySync();
    }) as number[][][][];
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    rgb.forEach((px, j) => {
      px.forEach((v, c) => {
        expect(y[0]![0]![j]![c]).toBeCloseTo((v / 255 - mean[c]!) / std[c]!, 5);
      });
    });
  });

  it("has Keras's MBConv blocks: expansion, correct_pad before stride 2, squeeze-and-excitation, drop and add", () => {
    expect(model.name).toBe('efficientnetb0');
    expect(kinds(model).filter((k) => k.startsWith('block2b_'))).toEqual([
      'block2b_expand_conv:Conv2D',
      'block2b_expand_bn:BatchNormalization',
      'block2b_expand_activation:Activation',
      'block2b_dwconv:DepthwiseConv2D',
      'block2b_bn:BatchNormalization',
      'block2b_activation:Activation',
      'block2b_se_squeeze:GlobalAveragePooling2D',
      'block2b_se_reshape:Reshape',
      'block2b_se_reduce:Conv2D',
      'block2b_se_expand:Conv2D',
      'block2b_se_excite:Multiply',
      'block2b_project_conv:Conv2D',
      'block2b_project_bn:BatchNormalization',
      'block2b_drop:Dropout',
      'block2b_add:Add',
    ]);
    expect(inbound(model, 'block2b_se_excite')).toEqual(['block2b_activation', 'block2b_se_expand']);
    expect(inbound(model, 'block2b_add')).toEqual(['block2b_drop', 'block2a_project_bn']);
    const pads = model.layers.filter((l) => l.name.endsWith('dwconv_pad')).map((l) => l.name);
    expect(pads).toEqual([
      'block2a_dwconv_pad',
      'block3a_dwconv_pad',
      'block4a_dwconv_pad',
      'block6a_dwconv_pad',
    ]);
    const adds = model.layers.filter((l) => l.name.endsWith('_add')).map((l) => l.name.slice(0, 8));
    expect(adds).toEqual([
      'block2b_',
      'block3b_',
      'block4b_',
      'block4c_',
      'block5b_',
      'block5c_',
      'block6b_',
      'block6c_',
      'block6d_',
    ]);
    expect(
      EFFICIENTNET_B0_BLOCKS.filter((b) => model.layers.some((l) => l.name === `${b}dwconv`)),
    ).toHaveLength(16);
    // Drop-connect rate 0.2·b/16 for the b-th block (0-based), per-sample noise.
    expect(config(model, 'block2b_drop')).toMatchObject({
      rate: 0.2 * (2 / 16),
      noiseShape: [null, 1, 1, 1],
    });
    expect(config(model, 'block6d_drop').rate).toBeCloseTo(0.2 * (14 / 16), 12);
    expect(config(model, 'top_dropout')).toMatchObject({ rate: 0.2 });
    expect(config(model, 'stem_conv_pad')).toMatchObject({
      padding: [
        [0, 1],
        [0, 1],
      ],
    });
    expect(config(model, 'block3a_dwconv_pad')).toMatchObject({
      padding: [
        [1, 2],
        [1, 2],
      ],
    });
    expect(config(model, 'block2a_se_reduce')).toMatchObject({
      filters: 4,
      activation: 'swish',
      useBias: true,
    });
    expect(config(model, 'block2a_se_expand')).toMatchObject({ filters: 96, activation: 'sigmoid' });
    expect(config(model, 'block1a_activation')).toMatchObject({ activation: 'swish' });
    expect(config(model, 'stem_bn')).toMatchObject({ epsilon: 1e-3, momentum: 0.99 });
    expect(params(model, 'stem_conv')).toBe(864);
    expect(params(model, 'block1a_dwconv')).toBe(288);
    expect(params(model, 'block1a_se_reduce')).toBe(264);
    expect(params(model, 'block1a_se_expand')).toBe(288);
    expect(params(model, 'top_conv')).toBe(409_600);
    expect(params(model, 'predictions')).toBe(1_281_000);
    for (const [layer, shape] of [
      ['stem_activation', [112, 112, 32]],
      ['block2a_dwconv_pad', [113, 113, 96]],
      ['block2b_add', [56, 56, 24]],
      ['block3b_add', [28, 28, 40]],
      ['block4c_add', [14, 14, 80]],
      ['block5c_add', [14, 14, 112]],
      ['block6d_add', [7, 7, 192]],
      ['top_activation', [7, 7, 1280]],
    ] as const)
      expect(shapeOf(model, layer), layer).toEqual([null, ...shape]);
  });

  it('pads odd feature maps on both sides before a stride-2 depthwise convolution (correct_pad)', () => {
    const odd = efficientNetB0({ inputShape: [65, 65, 3], includeTop: false });
    expect(config(odd, 'stem_conv_pad')).toMatchObject({
      padding: [
        [1, 1],
        [1, 1],
      ],
    });
    expect(shapeOf(odd, 'stem_activation')).toEqual([null, 33, 33, 32]);
    expect(config(odd, 'block2a_dwconv_pad')).toMatchObject({
      padding: [
        [1, 1],
        [1, 1],
      ],
    });
    odd.dispose();
  });
});

describe('application builders: seeds and forward passes', () => {
  it.each(cases)(
    '$name: equal seeds give equal weights, different seeds different, finite logits at 32 × 32',
    ({ build }) => {
      const make = (seed: number) =>
        build({ inputShape: [32, 32, 3], classes: 4, classifierActivation: null, seed });
      const [a, b, c] = [make(3), make(3), make(4)];
      const x = tf.randomUniform([2, 32, 32, 3], 0, 255, 'float32', 5);
      const [ya, yb, yc] = [a, b, c].map((m) => m.predict(x) as tf.Tensor);
      expect(Array.from(ya!.dataSync())).toEqual(Array.from(yb!.dataSync()));
      expect(Array.from(ya!.dataSync())).not.toEqual(Array.from(yc!.dataSync()));
      for (const v of ya!.dataSync()) expect(Number.isFinite(v)).toBe(true);
      tf.dispose([x, ya!, yb!, yc!]);
      for (const m of [a, b, c]) m.dispose();
    },
  );
});
