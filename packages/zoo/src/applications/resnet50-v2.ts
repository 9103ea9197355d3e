import * as tf from '@tensorflow/tfjs';
import {
  type ApplicationOptions,
  call,
  head,
  kerasNamer,
  type RandomInit,
  startApplication,
} from './common.js';
import { resNetBn, resNetConv } from './resnet50.js';

/**
 * Options of {@link resNet50V2}: those all applications share.
 *
 * @example
 * ```ts
 * const options: ResNet50V2Options = { inputShape: [64, 64, 3], includeTop: false, pooling: 'max' };
 * resNet50V2(options).outputs[0].shape; // [null, 2048]
 * ```
 */
export type ResNet50V2Options = ApplicationOptions;

/**
 * Keras's `residual_block_v2`: pre-activation BatchNorm and ReLU, then 1×1 → (pad) 3×3 → 1×1 (×4 channels); the
 * shortcut is a 1×1 conv of the pre-activation (first block of a stack), a 1×1 max pool of the input (stride-2 last
 * block, automatically named `max_pooling2d`, `_1`, …) or the input itself.
 */
function residualBlockV2(
  x: tf.SymbolicTensor,
  filters: number,
  init: RandomInit,
  auto: (prefix: string) => string,
  { stride = 1, convShortcut = false, name }: { stride?: number; convShortcut?: boolean; name: string },
): tf.SymbolicTensor {
  let preact = call(resNetBn(`${name}_preact_bn`, init), x);
  preact = call(tf.layers.activation({ name: `${name}_preact_relu`, activation: 'relu' }), preact);
  const shortcut = convShortcut
    ? call(resNetConv(`${name}_0_conv`, 4 * filters, 1, init, { strides: stride }), preact)
    : stride > 1
      ? call(tf.layers.maxPooling2d({ name: auto('max_pooling2d'), poolSize: 1, strides: stride }), x)
      : x;
  x = call(resNetConv(`${name}_1_conv`, filters, 1, init, { useBias: false }), preact);
  x = call(resNetBn(`${name}_1_bn`, init), x);
  x = call(tf.layers.activation({ name: `${name}_1_relu`, activation: 'relu' }), x);
  x = call(
    tf.layers.zeroPadding2d({
      name: `${name}_2_pad`,
      padding: [
        [1, 1],
        [1, 1],
      ],
    }),
    x,
  );
  x = call(resNetConv(`${name}_2_conv`, filters, 3, init, { strides: stride, useBias: false }), x);
  x = call(resNetBn(`${name}_2_bn`, init), x);
  x = call(tf.layers.activation({ name: `${name}_2_relu`, activation: 'relu' }), x);
  x = call(resNetConv(`${name}_3_conv`, 4 * filters, 1, init), x);
  return call(tf.layers.add({ name: `${name}_out` }), [shortcut, x]);
}

/**
 * ResNet50V2 (He et al., ECCV 2016: identity mappings, pre-activation blocks) with the topology and layer names of
 * Keras Applications (`keras.applications.ResNet50V2`, keras/src/applications/resnet.py), with random weights.
 *
 * Layers: `input_layer`; `conv1_pad`, `conv1_conv` (7×7, stride 2, with bias, no BatchNorm), `pool1_pad`,
 * `pool1_pool`; the stacks `conv2` … `conv5` of 3, 4, 6 and 3 pre-activation blocks `convS_blockB_preact_bn`,
 * `_preact_relu`, [`_0_conv` (first block)], `_1_conv`, `_1_bn`, `_1_relu`, `_2_pad`, `_2_conv`, `_2_bn`,
 * `_2_relu`, `_3_conv`, `_out` (Add); the last block of conv2, conv3 and conv4 has stride 2 on its 3×3 conv and a
 * 1×1 max pool (`max_pooling2d`, `max_pooling2d_1`, `max_pooling2d_2`) on its shortcut; then `post_bn`,
 * `post_relu`, and with the top `avg_pool` and `predictions`. 1000 classes give 25,613,800 parameters, 45,440 of
 * them non-trainable. The model is named `resnet50v2`.
 *
 * Keras's ImageNet weights expect `tf` preprocessing (inputs scaled to [-1, 1]; see `preprocessInput`).
 *
 * @param options - inputShape (default [224, 224, 3], at least 32×32), classes (1000), includeTop (true), pooling
 *   (without the top), classifierActivation (`softmax`; `null` for logits), seed
 * @returns a new, uncompiled functional `tf.LayersModel`; dispose it when done
 * @throws {@link ZooError} for an invalid input shape, class count or pooling
 *
 * @example
 * ```ts
 * const model = resNet50V2({ classifierActivation: null, seed: 1 }); // logits, [batch, 1000]
 * model.name; // 'resnet50v2'
 * ```
 */
export function resNet50V2(options: ResNet50V2Options = {}): tf.LayersModel {
  const { classes, includeTop, classifierActivation, init, input } = startApplication(
    options,
    'ResNet50V2',
    [224, 224, 3],
    32,
  );
  const auto = kerasNamer();
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
    [64, 3, 2],
    [128, 4, 2],
    [256, 6, 2],
    [512, 3, 1],
  ];
  stacks.forEach(([filters, blocks, stride1], s) => {
    const name = `conv${s + 2}`;
    x = residualBlockV2(x, filters, init, auto, { convShortcut: true, name: `${name}_block1` });
    for (let b = 2; b < blocks; b++)
      x = residualBlockV2(x, filters, init, auto, { name: `${name}_block${b}` });
    x = residualBlockV2(x, filters, init, auto, { stride: stride1, name: `${name}_block${blocks}` });
  });
  x = call(resNetBn('post_bn', init), x);
  x = call(tf.layers.activation({ name: 'post_relu', activation: 'relu' }), x);
  x = head(x, {
    includeTop,
    pooling: options.pooling,
    classes,
    classifierActivation,
    poolName: 'avg_pool',
    noTopNames: { avg: 'avg_pool', max: 'max_pool' },
    init,
  });
  return tf.model({ inputs: input, outputs: x, name: 'resnet50v2' });
}
