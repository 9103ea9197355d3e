import * as tf from '@tensorflow/tfjs';
import { ZooError } from '../errors.js';
import { call, checkInputShape, RandomInit } from './common.js';

/**
 * How the U-Net's decoder doubles the resolution: a learned 2×2 `Conv2DTranspose` with stride 2, or an
 * `UpSampling2D` with nearest-neighbour or bilinear interpolation.
 *
 * @example
 * ```ts
 * const upsampling: UNetUpsampling = 'bilinear';
 * uNet({ upsampling, depth: 2, filters: 8 }).getLayer('dec0_up').getClassName(); // 'UpSampling2D'
 * ```
 */
export type UNetUpsampling = 'transpose' | 'nearest' | 'bilinear';

/**
 * Options of {@link uNet}.
 *
 * @example
 * ```ts
 * const options: UNetOptions = { inputShape: [64, 64, 3], classes: 4, depth: 3, filters: 16, upsampling: 'nearest' };
 * uNet(options).outputs[0].shape; // [null, 64, 64, 4]
 * ```
 */
export interface UNetOptions {
  /** Input `[height, width, channels]`; height and width divisible by 2^depth (default [128, 128, 3]). */
  inputShape?: readonly [number, number, number];
  /** Output classes: logits per pixel (default 2). */
  classes?: number;
  /** Pooling steps of the encoder (default 4, as Ronneberger et al.). */
  depth?: number;
  /** Channels of the first level, doubled at each step down (default 64). */
  filters?: number;
  /** How the decoder upsamples (default `transpose`). */
  upsampling?: UNetUpsampling;
  /** BatchNormalization after every 3×3 convolution, which then has no bias (default false). */
  batchNorm?: boolean;
  /** Seed of all weight initialisers; equal seeds give equal weights. */
  seed?: number;
}

/**
 * A small configurable U-Net (Ronneberger et al., MICCAI 2015) for semantic segmentation, with random weights: per
 * pixel logits `[batch, height, width, classes]`, what `MaskSelector` explains.
 *
 * Encoder level `i` (0 … depth−1): two 3×3 `same` convolutions with `filters·2^i` channels (`enc{i}_conv1`,
 * [`enc{i}_bn1`], `enc{i}_relu1`, `enc{i}_conv2`, [`enc{i}_bn2`], `enc{i}_relu2`), then `enc{i}_pool` (2×2 max,
 * stride 2). The bottleneck: the same pair as `bottleneck_*` with `filters·2^depth` channels. Decoder level `i`
 * (depth−1 … 0): `dec{i}_up` (Conv2DTranspose 2×2 stride 2 to `filters·2^i` channels, or UpSampling2D ×2),
 * `dec{i}_concat` (the encoder's `enc{i}_relu2` first, then the upsampled map), and the pair of convolutions
 * `dec{i}_*`. Last `logits`, a 1×1 convolution to `classes` channels without activation. ReLU activations are
 * standalone `Activation` layers. The model is named `unet`.
 *
 * @param options - inputShape, classes, depth, filters, upsampling, batchNorm, seed
 * @returns a new, uncompiled functional `tf.LayersModel`; dispose it when done
 * @throws {@link ZooError} for a size not divisible by 2^depth, or a bad class count, depth, width or upsampling
 *
 * @example
 * ```ts
 * const model = uNet({ inputShape: [64, 64, 3], classes: 3, depth: 2, filters: 8, seed: 1 });
 * model.outputs[0].shape; // [null, 64, 64, 3]
 * ```
 */
export function uNet(options: UNetOptions = {}): tf.LayersModel {
  const classes = options.classes ?? 2;
  const depth = options.depth ?? 4;
  const filters = options.filters ?? 64;
  const upsampling = options.upsampling ?? 'transpose';
  const batchNorm = options.batchNorm ?? false;
  const [height, width, channels] = checkInputShape(options.inputShape ?? [128, 128, 3], 1, 'U-Net');
  for (const [what, v] of [
    ['classes', classes],
    ['depth', depth],
    ['filters', filters],
  ] as const)
    if (!Number.isInteger(v) || v < 1)
      throw new ZooError(`U-Net's ${what} must be a positive integer, got ${v}`);
  if (!['transpose', 'nearest', 'bilinear'].includes(upsampling))
    throw new ZooError(
      `U-Net's upsampling must be 'transpose', 'nearest' or 'bilinear', got ${String(upsampling)}`,
    );
  const step = 2 ** depth;
  if (height % step !== 0 || width % step !== 0)
    throw new ZooError(
      `U-Net with depth ${depth} needs a height and width divisible by ${step}, got ${height}×${width}; pad or crop the input, or lower the depth`,
    );
  const init = new RandomInit(options.seed);

  const convPair = (x: tf.SymbolicTensor, prefix: string, n: number) => {
    for (const k of [1, 2]) {
      x = call(
        tf.layers.conv2d({
          name: `${prefix}_conv${k}`,
          filters: n,
          kernelSize: 3,
          padding: 'same',
          useBias: !batchNorm,
          kernelInitializer: init.conv(),
        }),
        x,
      );
      if (batchNorm)
        x = call(
          tf.layers.batchNormalization({
            name: `${prefix}_bn${k}`,
            axis: 3,
            epsilon: 1e-3,
            ...init.batchNorm(true),
          }),
          x,
        );
      x = call(tf.layers.activation({ name: `${prefix}_relu${k}`, activation: 'relu' }), x);
    }
    return x;
  };

  const input = tf.input({ shape: [height, width, channels], name: 'input_layer' });
  let x = input;
  const skips: tf.SymbolicTensor[] = [];
  for (let i = 0; i < depth; i++) {
    x = convPair(x, `enc${i}`, filters * 2 ** i);
    skips.push(x);
    x = call(tf.layers.maxPooling2d({ name: `enc${i}_pool`, poolSize: 2, strides: 2 }), x);
  }
  x = convPair(x, 'bottleneck', filters * 2 ** depth);
  for (let i = depth - 1; i >= 0; i--) {
    x = call(
      upsampling === 'transpose'
        ? tf.layers.conv2dTranspose({
            name: `dec${i}_up`,
            filters: filters * 2 ** i,
            kernelSize: 2,
            strides: 2,
            padding: 'same',
            kernelInitializer: init.conv(),
          })
        : tf.layers.upSampling2d({ name: `dec${i}_up`, size: [2, 2], interpolation: upsampling }),
      x,
    );
    x = call(tf.layers.concatenate({ name: `dec${i}_concat`, axis: 3 }), [skips[i]!, x]);
    x = convPair(x, `dec${i}`, filters * 2 ** i);
  }
  x = call(
    tf.layers.conv2d({ name: 'logits', filters: classes, kernelSize: 1, kernelInitializer: init.dense() }),
    x,
  );
  return tf.model({ inputs: input, outputs: x, name: 'unet' });
}
