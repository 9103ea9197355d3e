import * as tf from '@tensorflow/tfjs';
import {
  type ApplicationOptions,
  call,
  head,
  kerasNamer,
  type RandomInit,
  startApplication,
} from './common.js';
import { Normalization } from './normalization.js';

/**
 * Options of {@link efficientNetB0}: those all applications share.
 *
 * @example
 * ```ts
 * const options: EfficientNetB0Options = { inputShape: [64, 64, 3], classes: 3, classifierActivation: null };
 * efficientNetB0(options).outputs[0].shape; // [null, 3]
 * ```
 */
export type EfficientNetB0Options = ApplicationOptions;

/** The ImageNet statistics of Keras's EfficientNet (`IMAGENET_MEAN_RGB`, `IMAGENET_STDDEV_RGB`). */
const MEAN_RGB = [0.485, 0.456, 0.406];
const STDDEV_RGB = [0.229, 0.224, 0.225];

/** The 7 stages of EfficientNet-B0: kernel, repeats, filters in, filters out, expansion, stride. */
const STAGES: readonly (readonly [number, number, number, number, number, 1 | 2])[] = [
  [3, 1, 32, 16, 1, 1],
  [3, 2, 16, 24, 6, 2],
  [5, 2, 24, 40, 6, 2],
  [3, 3, 40, 80, 6, 2],
  [5, 3, 80, 112, 6, 1],
  [5, 4, 112, 192, 6, 2],
  [3, 1, 192, 320, 6, 1],
];

/** Keras's `imagenet_utils.correct_pad`: `[[top, bottom], [left, right]]` before a stride-2 `valid` convolution. */
function correctPad(height: number, width: number, kernel: number): [[number, number], [number, number]] {
  const c = Math.floor(kernel / 2);
  return [
    [c - (1 - (height % 2)), c],
    [c - (1 - (width % 2)), c],
  ];
}

function bn(name: string, init: RandomInit): tf.layers.Layer {
  return tf.layers.batchNormalization({
    name,
    axis: 3,
    epsilon: 1e-3,
    momentum: 0.99,
    ...init.batchNorm(true),
  });
}

function conv1x1(
  name: string,
  filters: number,
  init: RandomInit,
  extra: { activation?: 'swish' | 'sigmoid' } = {},
) {
  return tf.layers.conv2d({
    name,
    filters,
    kernelSize: 1,
    padding: 'same',
    useBias: extra.activation !== undefined,
    ...(extra.activation ? { activation: extra.activation } : {}),
    kernelInitializer: init.conv(),
  });
}

/** Keras's EfficientNet `block`: MBConv with squeeze-and-excitation (ratio 0.25) and, where shapes allow, a skip. */
function block(
  inputs: tf.SymbolicTensor,
  args: {
    name: string;
    kernel: number;
    filtersIn: number;
    filtersOut: number;
    expansion: number;
    stride: 1 | 2;
    dropRate: number;
    init: RandomInit;
  },
): tf.SymbolicTensor {
  const { name, kernel, filtersIn, filtersOut, expansion, stride, dropRate, init } = args;
  const filters = filtersIn * expansion;
  let x = inputs;
  if (expansion !== 1) {
    x = call(conv1x1(`${name}expand_conv`, filters, init), x);
    x = call(bn(`${name}expand_bn`, init), x);
    x = call(tf.layers.activation({ name: `${name}expand_activation`, activation: 'swish' }), x);
  }
  if (stride === 2) {
    const [, h, w] = x.shape as [null, number, number, number];
    x = call(tf.layers.zeroPadding2d({ name: `${name}dwconv_pad`, padding: correctPad(h, w, kernel) }), x);
  }
  x = call(
    tf.layers.depthwiseConv2d({
      name: `${name}dwconv`,
      kernelSize: kernel,
      strides: stride,
      padding: stride === 2 ? 'valid' : 'same',
      useBias: false,
      depthwiseInitializer: init.depthwise(filters),
    }),
    x,
  );
  x = call(bn(`${name}bn`, init), x);
  x = call(tf.layers.activation({ name: `${name}activation`, activation: 'swish' }), x);
  // Squeeze and excitation: the gate is computed from x and multiplies it (the engine's SE gate).
  let se = call(tf.layers.globalAveragePooling2d({ name: `${name}se_squeeze` }), x);
  se = call(tf.layers.reshape({ name: `${name}se_reshape`, targetShape: [1, 1, filters] }), se);
  se = call(
    conv1x1(`${name}se_reduce`, Math.max(1, Math.trunc(filtersIn * 0.25)), init, { activation: 'swish' }),
    se,
  );
  se = call(conv1x1(`${name}se_expand`, filters, init, { activation: 'sigmoid' }), se);
  x = call(tf.layers.multiply({ name: `${name}se_excite` }), [x, se]);
  x = call(conv1x1(`${name}project_conv`, filtersOut, init), x);
  x = call(bn(`${name}project_bn`, init), x);
  if (stride === 1 && filtersIn === filtersOut) {
    if (dropRate > 0)
      x = call(
        // Keras drops whole samples (noise_shape (None, 1, 1, 1)); TF.js fills a null with the input's size.
        tf.layers.dropout({
          name: `${name}drop`,
          rate: dropRate,
          noiseShape: [null, 1, 1, 1] as unknown as number[],
        }),
        x,
      );
    x = call(tf.layers.add({ name: `${name}add` }), [x, inputs]);
  }
  return x;
}

/**
 * EfficientNet-B0 (Tan & Le, ICML 2019) with the topology and layer names of Keras Applications
 * (`keras.applications.EfficientNetB0` with its default `weights="imagenet"` topology,
 * keras/src/applications/efficientnet.py), with random weights.
 *
 * The preprocessing is inside the model, as in Keras: `rescaling` (×1/255), `normalization` (Keras's
 * `Normalization` layer, which TF.js lacks: the zoo's {@link Normalization}, with Keras's weights `mean`,
 * `variance`, `count`; here mean = the ImageNet RGB mean and variance = the ImageNet RGB standard deviation, as in
 * Keras's ImageNet weights file) and `rescaling_1` (× 1/√std per channel, Keras's correction, so that the three
 * together compute `(x/255 − mean)/std`). The model takes RGB in [0, 255].
 *
 * Then `stem_conv_pad`, `stem_conv` (3×3, stride 2, no bias), `stem_bn`, `stem_activation` (swish); 16 MBConv blocks
 * `block1a` … `block7a` (`expand_conv`, `expand_bn`, `expand_activation` where the expansion is 6, `dwconv_pad` before
 * a stride 2, `dwconv` (DepthwiseConv2D), `bn`, `activation`, the squeeze-and-excitation `se_squeeze`
 * (GlobalAveragePooling2D), `se_reshape`, `se_reduce` (swish), `se_expand` (sigmoid), `se_excite` (Multiply), then
 * `project_conv`, `project_bn`, and `drop` (Dropout, rate 0.2·b/16 for block b) and `add` where the block keeps its
 * shape); `top_conv` (1×1 to 1280), `top_bn`, `top_activation`; with the top `avg_pool`, `top_dropout` (0.2) and
 * `predictions`. BatchNorm has epsilon 1e-3. 1000 classes give 5,330,571 parameters (7 of them the Normalization's),
 * 42,023 of them non-trainable. The model is named `efficientnetb0`.
 *
 * @param options - inputShape (default [224, 224, 3], at least 32×32), classes (1000), includeTop (true), pooling
 *   (without the top), classifierActivation (`softmax`; `null` for logits), seed
 * @returns a new, uncompiled functional `tf.LayersModel`; dispose it when done
 * @throws {@link ZooError} for an invalid input shape, class count or pooling
 *
 * @example
 * ```ts
 * const model = efficientNetB0({ classifierActivation: null, seed: 1 }); // logits, [batch, 1000], RGB in [0, 255]
 * model.name; // 'efficientnetb0'
 * ```
 */
export function efficientNetB0(options: EfficientNetB0Options = {}): tf.LayersModel {
  const { classes, includeTop, classifierActivation, init, input } = startApplication(
    options,
    'EfficientNetB0',
    [224, 224, 3],
    32,
  );
  const auto = kerasNamer();
  let x = call(tf.layers.rescaling({ name: auto('rescaling'), scale: 1 / 255 }), input);
  x = call(new Normalization({ name: 'normalization', mean: MEAN_RGB, variance: STDDEV_RGB }), x);
  x = call(
    tf.layers.rescaling({
      name: auto('rescaling'),
      scale: STDDEV_RGB.map((s) => 1 / Math.sqrt(s)) as unknown as number,
    }),
    x,
  );
  const [, h, w] = x.shape as [null, number, number, number];
  x = call(tf.layers.zeroPadding2d({ name: 'stem_conv_pad', padding: correctPad(h, w, 3) }), x);
  x = call(
    tf.layers.conv2d({
      name: 'stem_conv',
      filters: 32,
      kernelSize: 3,
      strides: 2,
      padding: 'valid',
      useBias: false,
      kernelInitializer: init.conv(),
    }),
    x,
  );
  x = call(bn('stem_bn', init), x);
  x = call(tf.layers.activation({ name: 'stem_activation', activation: 'swish' }), x);
  const total = STAGES.reduce((n, s) => n + s[1], 0);
  let b = 0;
  STAGES.forEach(([kernel, repeats, filtersIn, filtersOut, expansion, stride], i) => {
    for (let j = 0; j < repeats; j++) {
      x = block(x, {
        name: `block${i + 1}${String.fromCharCode(97 + j)}_`,
        kernel,
        filtersIn: j === 0 ? filtersIn : filtersOut,
        filtersOut,
        expansion,
        stride: j === 0 ? stride : 1,
        dropRate: (0.2 * b) / total,
        init,
      });
      b++;
    }
  });
  x = call(conv1x1('top_conv', 1280, init), x);
  x = call(bn('top_bn', init), x);
  x = call(tf.layers.activation({ name: 'top_activation', activation: 'swish' }), x);
  x = head(x, {
    includeTop,
    pooling: options.pooling,
    classes,
    classifierActivation,
    poolName: 'avg_pool',
    noTopNames: { avg: 'avg_pool', max: 'max_pool' },
    dropout: { rate: 0.2, name: 'top_dropout' },
    init,
  });
  return tf.model({ inputs: input, outputs: x, name: 'efficientnetb0' });
}
