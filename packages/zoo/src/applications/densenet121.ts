import * as tf from '@tensorflow/tfjs';
import {
  type ApplicationOptions,
  call,
  head,
  kerasNamer,
  type RandomInit,
  startApplication,
} from './common.js';
import { resNetBn } from './resnet50.js';

/**
 * Options of {@link denseNet121}: those all applications share.
 *
 * @example
 * ```ts
 * const options: DenseNet121Options = { inputShape: [64, 64, 3], classes: 5, classifierActivation: null };
 * denseNet121(options).outputs[0].shape; // [null, 5]
 * ```
 */
export type DenseNet121Options = ApplicationOptions;

/** A bias-free Conv2D of Keras's DenseNet. */
function conv(
  name: string,
  filters: number,
  kernelSize: number,
  init: RandomInit,
  { padding = 'valid', strides = 1 }: { padding?: 'same' | 'valid'; strides?: number } = {},
): tf.layers.Layer {
  return tf.layers.conv2d({
    name,
    filters,
    kernelSize,
    strides,
    padding,
    useBias: false,
    kernelInitializer: init.conv(),
  });
}

/** Keras's `conv_block`: BN → ReLU → 1×1 (4·growth) → BN → ReLU → 3×3 (growth), concatenated to the input. */
function convBlock(x: tf.SymbolicTensor, growth: number, name: string, init: RandomInit): tf.SymbolicTensor {
  let x1 = call(resNetBn(`${name}_0_bn`, init), x);
  x1 = call(tf.layers.activation({ name: `${name}_0_relu`, activation: 'relu' }), x1);
  x1 = call(conv(`${name}_1_conv`, 4 * growth, 1, init), x1);
  x1 = call(resNetBn(`${name}_1_bn`, init), x1);
  x1 = call(tf.layers.activation({ name: `${name}_1_relu`, activation: 'relu' }), x1);
  x1 = call(conv(`${name}_2_conv`, growth, 3, init, { padding: 'same' }), x1);
  return call(tf.layers.concatenate({ name: `${name}_concat`, axis: 3 }), [x, x1]);
}

/** Keras's `transition_block`: BN → ReLU → 1×1 conv halving the channels → 2×2 average pool, stride 2. */
function transitionBlock(x: tf.SymbolicTensor, name: string, init: RandomInit): tf.SymbolicTensor {
  x = call(resNetBn(`${name}_bn`, init), x);
  x = call(tf.layers.activation({ name: `${name}_relu`, activation: 'relu' }), x);
  x = call(conv(`${name}_conv`, Math.trunc(x.shape[3]! * 0.5), 1, init), x);
  return call(tf.layers.averagePooling2d({ name: `${name}_pool`, poolSize: 2, strides: 2 }), x);
}

/**
 * DenseNet121 (Huang et al., CVPR 2017) with the topology and layer names of Keras Applications
 * (`keras.applications.DenseNet121`, keras/src/applications/densenet.py), with random weights.
 *
 * Layers: `input_layer`; `zero_padding2d` (3), `conv1_conv` (7×7, stride 2, no bias), `conv1_bn`, `conv1_relu`,
 * `zero_padding2d_1` (1), `pool1` (3×3 max, stride 2); dense blocks `conv2` … `conv5` of 6, 12, 24 and 16 conv
 * blocks `convS_blockB_0_bn`, `_0_relu`, `_1_conv` (1×1, 128), `_1_bn`, `_1_relu`, `_2_conv` (3×3, 32), `_concat`;
 * between them the transitions `pool2` … `pool4` (`_bn`, `_relu`, `_conv` halving the channels, `_pool` 2×2
 * average); then `bn`, `relu`, and with the top `avg_pool` and `predictions`. No convolution has a bias;
 * BatchNorm has epsilon 1.001e-5. 429 layers; 1000 classes give 8,062,504 parameters, 83,648 of them
 * non-trainable. The model is named `densenet121`.
 *
 * Keras's ImageNet weights expect `torch` preprocessing (RGB/255, ImageNet mean and std; see `preprocessInput`).
 *
 * @param options - inputShape (default [224, 224, 3], at least 32×32), classes (1000), includeTop (true), pooling
 *   (without the top), classifierActivation (`softmax`; `null` for logits), seed
 * @returns a new, uncompiled functional `tf.LayersModel`; dispose it when done
 * @throws {@link ZooError} for an invalid input shape, class count or pooling
 *
 * @example
 * ```ts
 * const model = denseNet121({ classifierActivation: null, seed: 1 }); // logits, [batch, 1000]
 * const features = denseNet121({ includeTop: false }); // [batch, 7, 7, 1024]
 * ```
 */
export function denseNet121(options: DenseNet121Options = {}): tf.LayersModel {
  const { classes, includeTop, classifierActivation, init, input } = startApplication(
    options,
    'DenseNet121',
    [224, 224, 3],
    32,
  );
  const auto = kerasNamer();
  let x = call(
    tf.layers.zeroPadding2d({
      name: auto('zero_padding2d'),
      padding: [
        [3, 3],
        [3, 3],
      ],
    }),
    input,
  );
  x = call(conv('conv1_conv', 64, 7, init, { strides: 2 }), x);
  x = call(resNetBn('conv1_bn', init), x);
  x = call(tf.layers.activation({ name: 'conv1_relu', activation: 'relu' }), x);
  x = call(
    tf.layers.zeroPadding2d({
      name: auto('zero_padding2d'),
      padding: [
        [1, 1],
        [1, 1],
      ],
    }),
    x,
  );
  x = call(tf.layers.maxPooling2d({ name: 'pool1', poolSize: 3, strides: 2 }), x);
  [6, 12, 24, 16].forEach((blocks, s) => {
    for (let b = 1; b <= blocks; b++) x = convBlock(x, 32, `conv${s + 2}_block${b}`, init);
    if (s < 3) x = transitionBlock(x, `pool${s + 2}`, init);
  });
  x = call(resNetBn('bn', init), x);
  x = call(tf.layers.activation({ name: 'relu', activation: 'relu' }), x);
  x = head(x, {
    includeTop,
    pooling: options.pooling,
    classes,
    classifierActivation,
    poolName: 'avg_pool',
    noTopNames: { avg: 'avg_pool', max: 'max_pool' },
    init,
  });
  return tf.model({ inputs: input, outputs: x, name: 'densenet121' });
}
