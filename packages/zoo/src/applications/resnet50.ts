import * as tf from '@tensorflow/tfjs';
import { type ApplicationOptions, call, head, type RandomInit, startApplication } from './common.js';

/**
 * Options of {@link resNet50}: those all applications share.
 *
 * @example
 * ```ts
 * const options: ResNet50Options = { inputShape: [96, 96, 3], classes: 10, classifierActivation: null };
 * resNet50(options).outputs[0].shape; // [null, 10]
 * ```
 */
export type ResNet50Options = ApplicationOptions;

/** Keras ResNet's BatchNormalization: epsilon 1.001e-5, momentum 0.99 (Keras's default), with γ. */
export function resNetBn(name: string, init: RandomInit): tf.layers.Layer {
  return tf.layers.batchNormalization({
    name,
    axis: 3,
    epsilon: 1.001e-5,
    momentum: 0.99,
    ...init.batchNorm(true),
  });
}

/** A Conv2D of Keras's ResNets (He-uniform here; Keras's biases start at zero, as TF.js's do). */
export function resNetConv(
  name: string,
  filters: number,
  kernelSize: number,
  init: RandomInit,
  options: { strides?: number; padding?: 'same' | 'valid'; useBias?: boolean } = {},
): tf.layers.Layer {
  return tf.layers.conv2d({
    name,
    filters,
    kernelSize,
    strides: options.strides ?? 1,
    padding: options.padding ?? 'valid',
    useBias: options.useBias ?? true,
    kernelInitializer: init.conv(),
  });
}

/** Keras's `residual_block_v1`: 1×1 → 3×3 → 1×1 (×4 channels) with BatchNorm, plus the shortcut, then ReLU. */
function residualBlockV1(
  x: tf.SymbolicTensor,
  filters: number,
  init: RandomInit,
  { stride = 1, convShortcut = true, name }: { stride?: number; convShortcut?: boolean; name: string },
): tf.SymbolicTensor {
  let shortcut = x;
  if (convShortcut) {
    shortcut = call(resNetConv(`${name}_0_conv`, 4 * filters, 1, init, { strides: stride }), x);
    shortcut = call(resNetBn(`${name}_0_bn`, init), shortcut);
  }
  x = call(resNetConv(`${name}_1_conv`, filters, 1, init, { strides: stride }), x);
  x = call(resNetBn(`${name}_1_bn`, init), x);
  x = call(tf.layers.activation({ name: `${name}_1_relu`, activation: 'relu' }), x);
  x = call(resNetConv(`${name}_2_conv`, filters, 3, init, { padding: 'same' }), x);
  x = call(resNetBn(`${name}_2_bn`, init), x);
  x = call(tf.layers.activation({ name: `${name}_2_relu`, activation: 'relu' }), x);
  x = call(resNetConv(`${name}_3_conv`, 4 * filters, 1, init), x);
  x = call(resNetBn(`${name}_3_bn`, init), x);
  x = call(tf.layers.add({ name: `${name}_add` }), [shortcut, x]);
  return call(tf.layers.activation({ name: `${name}_out`, activation: 'relu' }), x);
}

/**
 * ResNet50 (He et al., CVPR 2016) with the topology and layer names of Keras Applications
 * (`keras.applications.ResNet50`, keras/src/applications/resnet.py), with random weights.
 *
 * Layers: `input_layer`; the stem `conv1_pad` (ZeroPadding2D 3), `conv1_conv` (7×7, stride 2, with bias),
 * `conv1_bn`, `conv1_relu`, `pool1_pad`, `pool1_pool` (3×3 max, stride 2); the stacks `conv2` … `conv5` of 3, 4, 6
 * and 3 bottleneck blocks `convS_blockB_{1,2,3}_{conv,bn}`, `_1_relu`, `_2_relu`, the first block of each stack
 * with a projection shortcut `_0_conv`, `_0_bn` (stride 2 from conv3 on, on the 1×1 conv), then `_add` and `_out`
 * (ReLU); with the top `avg_pool` and `predictions`, without it the optional `avg_pool` or `max_pool`. Every
 * convolution has a bias; BatchNorm has epsilon 1.001e-5. 177 layers; 1000 classes give 25,636,712 parameters,
 * 53,120 of them non-trainable. The model is named `resnet50`.
 *
 * Keras's ImageNet weights expect `caffe` preprocessing (BGR, minus the ImageNet means, no scaling; see
 * `preprocessInput`).
 *
 * @param options - inputShape (default [224, 224, 3], at least 32×32), classes (1000), includeTop (true), pooling
 *   (without the top), classifierActivation (`softmax`; `null` for logits), seed
 * @returns a new, uncompiled functional `tf.LayersModel`; dispose it when done
 * @throws {@link ZooError} for an invalid input shape, class count or pooling
 *
 * @example
 * ```ts
 * const model = resNet50({ classifierActivation: null, seed: 1 }); // logits, [batch, 1000]
 * const features = resNet50({ inputShape: [64, 64, 3], includeTop: false, pooling: 'avg' }); // [batch, 2048]
 * ```
 */
export function resNet50(options: ResNet50Options = {}): tf.LayersModel {
  const { classes, includeTop, classifierActivation, init, input } = startApplication(
    options,
    'ResNet50',
    [224, 224, 3],
    32,
  );
  let x = call(
    tf.layers.zeroPadding2d({
      name: 'conv1_pad',
      padding: [
        [3, 3],
        [3, 3],
      ],
    }),
    input,
  );
  x = call(resNetConv('conv1_conv', 64, 7, init, { strides: 2 }), x);
  x = call(resNetBn('conv1_bn', init), x);
  x = call(tf.layers.activation({ name: 'conv1_relu', activation: 'relu' }), x);
  x = call(
    tf.layers.zeroPadding2d({
      name: 'pool1_pad',
      padding: [
        [1, 1],
        [1, 1],
      ],
    }),
    x,
  );
  x = call(tf.layers.maxPooling2d({ name: 'pool1_pool', poolSize: 3, strides: 2 }), x);
  const stacks: [number, number, number][] = [
    [64, 3, 1],
    [128, 4, 2],
    [256, 6, 2],
    [512, 3, 2],
  ];
  stacks.forEach(([filters, blocks, stride1], s) => {
    const name = `conv${s + 2}`;
    x = residualBlockV1(x, filters, init, { stride: stride1, name: `${name}_block1` });
    for (let b = 2; b <= blocks; b++)
      x = residualBlockV1(x, filters, init, { convShortcut: false, name: `${name}_block${b}` });
  });
  x = head(x, {
    includeTop,
    pooling: options.pooling,
    classes,
    classifierActivation,
    poolName: 'avg_pool',
    noTopNames: { avg: 'avg_pool', max: 'max_pool' },
    init,
  });
  return tf.model({ inputs: input, outputs: x, name: 'resnet50' });
}
