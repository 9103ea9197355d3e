import * as tf from '@tensorflow/tfjs';
import {
  type ApplicationOptions,
  call,
  head,
  kerasNamer,
  type RandomInit,
  startApplication,
} from './common.js';

/**
 * Options of {@link inceptionV3}: those all applications share (it has no width multiplier).
 *
 * @example
 * ```ts
 * const options: InceptionV3Options = { inputShape: [150, 150, 3], includeTop: false, pooling: 'avg' };
 * inceptionV3(options).outputs[0].shape; // [null, 2048]
 * ```
 */
export type InceptionV3Options = ApplicationOptions;

/** The layer factory of one build: Keras's automatic names and the model's initialisers. */
class Builder {
  private readonly name = kerasNamer();

  constructor(private readonly init: RandomInit) {}

  /** Keras's `conv2d_bn`: Conv2D (no bias) → BatchNormalization (scale=False) → Activation('relu'). */
  convBn(
    x: tf.SymbolicTensor,
    filters: number,
    rows: number,
    cols: number,
    padding: 'same' | 'valid' = 'same',
    strides: 1 | 2 = 1,
  ): tf.SymbolicTensor {
    x = call(
      tf.layers.conv2d({
        name: this.name('conv2d'),
        filters,
        kernelSize: [rows, cols],
        strides,
        padding,
        useBias: false,
        kernelInitializer: this.init.conv(),
      }),
      x,
    );
    x = call(
      tf.layers.batchNormalization({
        name: this.name('batch_normalization'),
        axis: 3,
        epsilon: 1e-3,
        momentum: 0.99,
        scale: false,
        ...this.init.batchNorm(false),
      }),
      x,
    );
    return call(tf.layers.activation({ name: this.name('activation'), activation: 'relu' }), x);
  }

  /** MaxPooling2D 3×3, stride 2, `valid`. */
  maxPool(x: tf.SymbolicTensor): tf.SymbolicTensor {
    return call(
      tf.layers.maxPooling2d({ name: this.name('max_pooling2d'), poolSize: 3, strides: 2, padding: 'valid' }),
      x,
    );
  }

  /** AveragePooling2D 3×3, stride 1, `same`. */
  avgPool(x: tf.SymbolicTensor): tf.SymbolicTensor {
    return call(
      tf.layers.averagePooling2d({
        name: this.name('average_pooling2d'),
        poolSize: 3,
        strides: 1,
        padding: 'same',
      }),
      x,
    );
  }

  /** Concatenation along channels, named or automatically named `concatenate`. */
  concat(xs: tf.SymbolicTensor[], name?: string): tf.SymbolicTensor {
    return call(tf.layers.concatenate({ name: name ?? this.name('concatenate'), axis: 3 }), xs);
  }
}

/**
 * InceptionV3 (Szegedy et al., CVPR 2016) with the topology and layer names of Keras Applications
 * (`keras.applications.InceptionV3`, keras/src/applications/inception_v3.py), with random weights.
 *
 * Every convolution is Keras's `conv2d_bn`: Conv2D without bias, BatchNormalization with `scale=False` (no γ;
 * epsilon 1e-3, momentum 0.99) and a ReLU Activation, automatically named as in a fresh Keras 3 session:
 * `conv2d`, `batch_normalization`, `activation`, then `conv2d_1` … `conv2d_93` and so on (94 of each). The stem
 * (five conv2d_bn, two `max_pooling2d`) is followed by the concatenations `mixed0` … `mixed10` (with `mixed9_0`,
 * `mixed9_1` and two unnamed `concatenate` inside mixed9 and mixed10), and with the top `avg_pool` and
 * `predictions`. 313 layers; 1000 classes give 23,851,784 parameters, 34,432 of them non-trainable (the BatchNorm
 * statistics). The model is named `inception_v3`.
 *
 * The weights are random (see `RandomInit`: He-uniform convolutions, random BatchNorm β and statistics); Keras's
 * ImageNet weights expect inputs scaled to [-1, 1].
 *
 * @param options - inputShape (default [299, 299, 3], at least 75×75), classes (1000), includeTop (true), pooling
 *   (without the top), classifierActivation (`softmax`; `null` for logits), seed
 * @returns a new, uncompiled functional `tf.LayersModel`; dispose it when done
 * @throws {@link ZooError} for an invalid input shape, class count or pooling
 *
 * @example
 * ```ts
 * const model = inceptionV3({ classifierActivation: null, seed: 1 }); // logits, [batch, 1000]
 * const features = inceptionV3({ inputShape: [75, 75, 3], includeTop: false }); // [batch, 1, 1, 2048]
 * ```
 */
export function inceptionV3(options: InceptionV3Options = {}): tf.LayersModel {
  const { classes, includeTop, classifierActivation, init, input } = startApplication(
    options,
    'InceptionV3',
    [299, 299, 3],
    75,
  );
  const b = new Builder(init);
  let x = b.convBn(input, 32, 3, 3, 'valid', 2);
  x = b.convBn(x, 32, 3, 3, 'valid');
  x = b.convBn(x, 64, 3, 3);
  x = b.maxPool(x);
  x = b.convBn(x, 80, 1, 1, 'valid');
  x = b.convBn(x, 192, 3, 3, 'valid');
  x = b.maxPool(x);

  // mixed0, 1, 2: 35 × 35 × 256, 288, 288 at 299 × 299.
  for (const [i, poolFilters] of [32, 64, 64].entries()) {
    const branch1x1 = b.convBn(x, 64, 1, 1);
    let branch5x5 = b.convBn(x, 48, 1, 1);
    branch5x5 = b.convBn(branch5x5, 64, 5, 5);
    let branch3x3dbl = b.convBn(x, 64, 1, 1);
    branch3x3dbl = b.convBn(branch3x3dbl, 96, 3, 3);
    branch3x3dbl = b.convBn(branch3x3dbl, 96, 3, 3);
    const branchPool = b.convBn(b.avgPool(x), poolFilters, 1, 1);
    x = b.concat([branch1x1, branch5x5, branch3x3dbl, branchPool], `mixed${i}`);
  }

  // mixed3: 17 × 17 × 768.
  {
    const branch3x3 = b.convBn(x, 384, 3, 3, 'valid', 2);
    let branch3x3dbl = b.convBn(x, 64, 1, 1);
    branch3x3dbl = b.convBn(branch3x3dbl, 96, 3, 3);
    branch3x3dbl = b.convBn(branch3x3dbl, 96, 3, 3, 'valid', 2);
    const branchPool = b.maxPool(x);
    x = b.concat([branch3x3, branch3x3dbl, branchPool], 'mixed3');
  }

  // mixed4, 5, 6, 7: 17 × 17 × 768, with 128, 160, 160, 192 channels inside the factorised 7 × 7 branches.
  for (const [i, c] of [128, 160, 160, 192].entries()) {
    const branch1x1 = b.convBn(x, 192, 1, 1);
    let branch7x7 = b.convBn(x, c, 1, 1);
    branch7x7 = b.convBn(branch7x7, c, 1, 7);
    branch7x7 = b.convBn(branch7x7, 192, 7, 1);
    let branch7x7dbl = b.convBn(x, c, 1, 1);
    branch7x7dbl = b.convBn(branch7x7dbl, c, 7, 1);
    branch7x7dbl = b.convBn(branch7x7dbl, c, 1, 7);
    branch7x7dbl = b.convBn(branch7x7dbl, c, 7, 1);
    branch7x7dbl = b.convBn(branch7x7dbl, 192, 1, 7);
    const branchPool = b.convBn(b.avgPool(x), 192, 1, 1);
    x = b.concat([branch1x1, branch7x7, branch7x7dbl, branchPool], `mixed${4 + i}`);
  }

  // mixed8: 8 × 8 × 1280.
  {
    let branch3x3 = b.convBn(x, 192, 1, 1);
    branch3x3 = b.convBn(branch3x3, 320, 3, 3, 'valid', 2);
    let branch7x7x3 = b.convBn(x, 192, 1, 1);
    branch7x7x3 = b.convBn(branch7x7x3, 192, 1, 7);
    branch7x7x3 = b.convBn(branch7x7x3, 192, 7, 1);
    branch7x7x3 = b.convBn(branch7x7x3, 192, 3, 3, 'valid', 2);
    const branchPool = b.maxPool(x);
    x = b.concat([branch3x3, branch7x7x3, branchPool], 'mixed8');
  }

  // mixed9, 10: 8 × 8 × 2048.
  for (const i of [0, 1]) {
    const branch1x1 = b.convBn(x, 320, 1, 1);
    const branch3x3In = b.convBn(x, 384, 1, 1);
    const branch3x3 = b.concat(
      [b.convBn(branch3x3In, 384, 1, 3), b.convBn(branch3x3In, 384, 3, 1)],
      `mixed9_${i}`,
    );
    let branch3x3dblIn = b.convBn(x, 448, 1, 1);
    branch3x3dblIn = b.convBn(branch3x3dblIn, 384, 3, 3);
    const branch3x3dbl = b.concat([b.convBn(branch3x3dblIn, 384, 1, 3), b.convBn(branch3x3dblIn, 384, 3, 1)]);
    const branchPool = b.convBn(b.avgPool(x), 192, 1, 1);
    x = b.concat([branch1x1, branch3x3, branch3x3dbl, branchPool], `mixed${9 + i}`);
  }

  x = head(x, {
    includeTop,
    pooling: options.pooling,
    classes,
    classifierActivation,
    poolName: 'avg_pool',
    init,
  });
  return tf.model({ inputs: input, outputs: x, name: 'inception_v3' });
}
