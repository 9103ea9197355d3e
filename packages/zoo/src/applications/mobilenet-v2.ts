import * as tf from '@tensorflow/tfjs';
import { ZooError } from '../errors.js';
import { type ApplicationOptions, call, head, type RandomInit, startApplication } from './common.js';

/**
 * Options of {@link mobileNetV2}.
 *
 * @example
 * ```ts
 * const options: MobileNetV2Options = { alpha: 0.5, inputShape: [128, 128, 3], classifierActivation: null };
 * mobileNetV2(options).name; // 'mobilenetv2_0.50_128'
 * ```
 */
export interface MobileNetV2Options extends ApplicationOptions {
  /**
   * The width multiplier (default 1.0): every layer's channels are scaled by it and rounded to a multiple of 8.
   * Keras publishes ImageNet weights for 0.35, 0.5, 0.75, 1.0, 1.3 and 1.4.
   */
  alpha?: number;
}

/**
 * Keras's `_make_divisible`: `v` rounded to the nearest multiple of `divisor` (at least `minValue`), one step up
 * where rounding down would lose more than 10 %.
 *
 * @param v - the unrounded channel count
 * @param divisor - the multiple to round to (8 in MobileNetV2)
 * @param minValue - the least result (default `divisor`)
 * @returns the rounded channel count
 *
 * @example
 * ```ts
 * makeDivisible(32 * 0.35, 8); // 16: 8 would lose more than 10 % of 11.2
 * makeDivisible(1280 * 1.3, 8); // 1664
 * ```
 */
export function makeDivisible(v: number, divisor: number, minValue = divisor): number {
  // Python's int(v + divisor / 2) // divisor * divisor; all values here are positive, so trunc = floor.
  let rounded = Math.max(minValue, Math.floor(Math.trunc(v + divisor / 2) / divisor) * divisor);
  if (rounded < 0.9 * v) rounded += divisor;
  return rounded;
}

/** Keras's `imagenet_utils.correct_pad` for a 3×3 kernel: `[[top, bottom], [left, right]]` before a stride-2 conv. */
function correctPad(height: number, width: number): [[number, number], [number, number]] {
  // An even size pads one row/column at the bottom/right only, an odd one on both sides.
  return [
    [height % 2, 1],
    [width % 2, 1],
  ];
}

/** Python's `f"{alpha:0.2f}"` for the model name. */
function formatAlpha(alpha: number): string {
  // toFixed rounds exact ties away from zero, Python to even. A binary float is exactly halfway between two
  // hundredths only when it is an odd multiple of 1/8 (0.125, 0.375, …); multiplying by 8 and 100 is exact there.
  if (Number.isInteger(alpha * 8) && !Number.isInteger(alpha * 4)) {
    const low = Math.floor(alpha * 100);
    return ((low % 2 === 0 ? low : low + 1) / 100).toFixed(2);
  }
  return alpha.toFixed(2);
}

/** One inverted residual block of MobileNetV2 (Keras's `_inverted_res_block`). */
function invertedResBlock(
  inputs: tf.SymbolicTensor,
  args: {
    expansion: number;
    stride: 1 | 2;
    alpha: number;
    filters: number;
    blockId: number;
    init: RandomInit;
  },
): tf.SymbolicTensor {
  const { expansion, stride, alpha, filters, blockId, init } = args;
  const inChannels = inputs.shape[3]!;
  const pointwiseFilters = makeDivisible(Math.trunc(filters * alpha), 8);
  const bn = (name: string) =>
    tf.layers.batchNormalization({ name, axis: -1, epsilon: 1e-3, momentum: 0.999, ...init.batchNorm(true) });
  let x = inputs;
  let prefix = `block_${blockId}_`;
  if (blockId) {
    x = call(
      tf.layers.conv2d({
        name: `${prefix}expand`,
        filters: expansion * inChannels,
        kernelSize: 1,
        padding: 'same',
        useBias: false,
        kernelInitializer: init.conv(),
      }),
      x,
    );
    x = call(bn(`${prefix}expand_BN`), x);
    x = call(tf.layers.reLU({ name: `${prefix}expand_relu`, maxValue: 6 }), x);
  } else prefix = 'expanded_conv_';
  if (stride === 2) {
    const [, h, w] = x.shape as [null, number, number, number];
    x = call(tf.layers.zeroPadding2d({ name: `${prefix}pad`, padding: correctPad(h, w) }), x);
  }
  x = call(
    tf.layers.depthwiseConv2d({
      name: `${prefix}depthwise`,
      kernelSize: 3,
      strides: stride,
      useBias: false,
      padding: stride === 1 ? 'same' : 'valid',
      depthwiseInitializer: init.depthwise(x.shape[3]!),
    }),
    x,
  );
  x = call(bn(`${prefix}depthwise_BN`), x);
  x = call(tf.layers.reLU({ name: `${prefix}depthwise_relu`, maxValue: 6 }), x);
  x = call(
    tf.layers.conv2d({
      name: `${prefix}project`,
      filters: pointwiseFilters,
      kernelSize: 1,
      padding: 'same',
      useBias: false,
      kernelInitializer: init.conv(),
    }),
    x,
  );
  x = call(bn(`${prefix}project_BN`), x);
  if (inChannels === pointwiseFilters && stride === 1)
    return call(tf.layers.add({ name: `${prefix}add` }), [inputs, x]);
  return x;
}

/** The 17 inverted residual blocks: [filters, stride, expansion], block ids 0 … 16. */
const BLOCKS: readonly (readonly [number, 1 | 2, number])[] = [
  [16, 1, 1],
  [24, 2, 6],
  [24, 1, 6],
  [32, 2, 6],
  [32, 1, 6],
  [32, 1, 6],
  [64, 2, 6],
  [64, 1, 6],
  [64, 1, 6],
  [64, 1, 6],
  [96, 1, 6],
  [96, 1, 6],
  [96, 1, 6],
  [160, 2, 6],
  [160, 1, 6],
  [160, 1, 6],
  [320, 1, 6],
];

/**
 * MobileNetV2 (Sandler et al., CVPR 2018) with the topology and layer names of Keras Applications
 * (`keras.applications.MobileNetV2`, keras/src/applications/mobilenet_v2.py), with random weights.
 *
 * Layers, in order: `input_layer`; `Conv1` (3×3, stride 2, `same`, no bias), `bn_Conv1`, `Conv1_relu` (ReLU6);
 * block 0: `expanded_conv_depthwise`, `_depthwise_BN`, `_depthwise_relu`, `_project`, `_project_BN`; blocks 1–16:
 * `block_N_expand`, `_expand_BN`, `_expand_relu`, [`_pad` (ZeroPadding2D, stride-2 blocks 1, 3, 6, 13)],
 * `_depthwise`, `_depthwise_BN`, `_depthwise_relu`, `_project`, `_project_BN`, [`_add` where the block keeps its
 * shape]; `Conv_1` (1×1 to 1280 channels), `Conv_1_bn`, `out_relu`; with the top `global_average_pooling2d` and
 * `predictions`. 156 layers; alpha 1.0 with 1000 classes has 3,538,984 parameters, 34,112 of them non-trainable
 * (the BatchNorm statistics). BatchNorm has epsilon 1e-3 and momentum 0.999.
 *
 * The model is named as Keras names it, `mobilenetv2_{alpha:.2f}_{height}` (e.g. `mobilenetv2_1.00_224`). The
 * weights are random (see `RandomInit`: He-uniform convolutions, random BatchNorm parameters and statistics);
 * Keras's ImageNet weights expect inputs scaled to [-1, 1].
 *
 * @param options - alpha (default 1.0), inputShape (default [224, 224, 3], at least 32×32), classes (1000),
 *   includeTop (true), pooling (without the top), classifierActivation (`softmax`; `null` for logits), seed
 * @returns a new, uncompiled functional `tf.LayersModel`; dispose it when done
 * @throws {@link ZooError} for an invalid alpha, input shape, class count or pooling
 *
 * @example
 * ```ts
 * const model = mobileNetV2({ classifierActivation: null, seed: 1 }); // logits, [batch, 1000]
 * model.name; // 'mobilenetv2_1.00_224'
 * const small = mobileNetV2({ alpha: 0.35, inputShape: [96, 96, 3], includeTop: false, pooling: 'avg' }); // [batch, 1280]
 * ```
 */
export function mobileNetV2(options: MobileNetV2Options = {}): tf.LayersModel {
  const alpha = options.alpha ?? 1.0;
  if (!Number.isFinite(alpha) || alpha <= 0)
    throw new ZooError(`MobileNetV2's alpha must be positive, got ${alpha}`);
  const { classes, includeTop, classifierActivation, shape, init, input } = startApplication(
    options,
    'MobileNetV2',
    [224, 224, 3],
    32,
  );
  const [height] = shape;

  let x = call(
    tf.layers.conv2d({
      name: 'Conv1',
      filters: makeDivisible(32 * alpha, 8),
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      useBias: false,
      kernelInitializer: init.conv(),
    }),
    input,
  );
  x = call(
    tf.layers.batchNormalization({
      name: 'bn_Conv1',
      axis: -1,
      epsilon: 1e-3,
      momentum: 0.999,
      ...init.batchNorm(true),
    }),
    x,
  );
  x = call(tf.layers.reLU({ name: 'Conv1_relu', maxValue: 6 }), x);
  BLOCKS.forEach(([filters, stride, expansion], blockId) => {
    x = invertedResBlock(x, { expansion, stride, alpha, filters, blockId, init });
  });
  // No alpha < 1 on the last conv: the paper keeps 1280 channels for small models.
  const lastFilters = alpha > 1.0 ? makeDivisible(1280 * alpha, 8) : 1280;
  x = call(
    tf.layers.conv2d({
      name: 'Conv_1',
      filters: lastFilters,
      kernelSize: 1,
      useBias: false,
      kernelInitializer: init.conv(),
    }),
    x,
  );
  x = call(
    tf.layers.batchNormalization({
      name: 'Conv_1_bn',
      axis: -1,
      epsilon: 1e-3,
      momentum: 0.999,
      ...init.batchNorm(true),
    }),
    x,
  );
  x = call(tf.layers.reLU({ name: 'out_relu', maxValue: 6 }), x);
  x = head(x, {
    includeTop,
    pooling: options.pooling,
    classes,
    classifierActivation,
    poolName: 'global_average_pooling2d',
    init,
  });
  return tf.model({ inputs: input, outputs: x, name: `mobilenetv2_${formatAlpha(alpha)}_${height}` });
}
