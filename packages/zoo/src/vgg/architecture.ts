import * as tf from '@tensorflow/tfjs';
import { ZooError } from '../errors.js';

/**
 * The VGG depths of Simonyan & Zisserman (2015): configurations A (11), B (13), D (16) and E (19).
 *
 * @example
 * ```ts
 * const depth: VggDepth = 16;
 * vggWeightsFile(depth).fileName;
 * ```
 */
export type VggDepth = 11 | 13 | 16 | 19;

/** Convolutions per block for each depth; the five blocks have 64, 128, 256, 512 and 512 channels. */
const CONVS_PER_BLOCK: Record<VggDepth, readonly number[]> = {
  11: [1, 1, 2, 2, 2],
  13: [2, 2, 2, 2, 2],
  16: [2, 2, 3, 3, 3],
  19: [2, 2, 4, 4, 4],
};
const WIDTHS = [64, 128, 256, 512, 512] as const;

/** Everything that fixes a VGG's layers and shapes. */
export interface VggSpec {
  depth: VggDepth;
  /** Conv → BatchNorm → ReLU (torchvision's `vgg16_bn`) instead of Conv with a fused ReLU. */
  batchNorm: boolean;
  /** Include flatten, fc1, fc2 and predictions; without them the output is block5_pool. */
  includeTop: boolean;
  numClasses: number;
  /** Input height and width (224 for ImageNet weights). */
  inputSize: number;
  /** Units of fc1 and fc2 (4096). */
  fcSize: number;
  /** Dropout rate after fc1 and fc2 (0.5, as torchvision and Metalhead). */
  dropout: number;
  /** Channels of the five blocks (64, 128, 256, 512, 512); smaller values only make small test models. */
  widths: readonly number[];
  /** `zeros` skips random initialisation when weights will be loaded anyway. */
  init: 'random' | 'zeros';
}

/** The default spec for a depth: ImageNet shapes, no BatchNorm, with top. */
export function vggSpec(depth: VggDepth, overrides: Partial<VggSpec> = {}): VggSpec {
  return {
    depth,
    batchNorm: false,
    includeTop: true,
    numClasses: 1000,
    inputSize: 224,
    fcSize: 4096,
    dropout: 0.5,
    widths: WIDTHS,
    init: 'random',
    ...overrides,
  };
}

/** The Keras names of the convolutions of a depth, in order: `block1_conv1`, …, `block5_conv3`. */
export function convNames(depth: VggDepth): string[] {
  return CONVS_PER_BLOCK[depth].flatMap((n, b) =>
    Array.from({ length: n }, (_, k) => `block${b + 1}_conv${k + 1}`),
  );
}

/**
 * Builds a VGG as a `tf.LayersModel` with Keras-applications layer names; the output is logits (no softmax).
 * With BatchNorm each convolution is followed by `<conv>_bn` and `<conv>_relu`.
 */
export function buildVgg(spec: VggSpec): tf.LayersModel {
  const { depth, batchNorm, includeTop, numClasses, inputSize, fcSize, dropout, widths, init } = spec;
  if (!(depth in CONVS_PER_BLOCK)) throw new ZooError(`VGG depth must be 11, 13, 16 or 19, got ${depth}`);
  if (!Number.isInteger(numClasses) || numClasses < 1)
    throw new ZooError(`numClasses must be a positive integer, got ${numClasses}`);
  if (!Number.isInteger(inputSize) || inputSize < 32)
    throw new ZooError(`the VGG input size must be an integer ≥ 32 (five 2× poolings), got ${inputSize}`);
  const kernel = init === 'zeros' ? 'zeros' : 'glorotUniform';
  const input = tf.input({ shape: [inputSize, inputSize, 3], name: 'input' });
  let x = input as tf.SymbolicTensor;
  CONVS_PER_BLOCK[depth].forEach((convs, b) => {
    for (let k = 1; k <= convs; k++) {
      const name = `block${b + 1}_conv${k}`;
      x = tf.layers
        .conv2d({
          name,
          filters: widths[b]!,
          kernelSize: 3,
          padding: 'same',
          activation: batchNorm ? 'linear' : 'relu',
          kernelInitializer: kernel,
        })
        .apply(x) as tf.SymbolicTensor;
      if (batchNorm) {
        // PyTorch's BatchNorm2d epsilon, so that torchvision's running statistics give the same outputs.
        x = tf.layers.batchNormalization({ name: `${name}_bn`, epsilon: 1e-5 }).apply(x) as tf.SymbolicTensor;
        x = tf.layers.reLU({ name: `${name}_relu` }).apply(x) as tf.SymbolicTensor;
      }
    }
    x = tf.layers
      .maxPooling2d({ name: `block${b + 1}_pool`, poolSize: 2, strides: 2 })
      .apply(x) as tf.SymbolicTensor;
  });
  if (includeTop) {
    const dense = (name: string, units: number, activation: 'relu' | 'linear') =>
      tf.layers.dense({ name, units, activation, kernelInitializer: kernel });
    x = tf.layers.flatten({ name: 'flatten' }).apply(x) as tf.SymbolicTensor;
    x = dense('fc1', fcSize, 'relu').apply(x) as tf.SymbolicTensor;
    x = tf.layers.dropout({ name: 'fc1_dropout', rate: dropout }).apply(x) as tf.SymbolicTensor;
    x = dense('fc2', fcSize, 'relu').apply(x) as tf.SymbolicTensor;
    x = tf.layers.dropout({ name: 'fc2_dropout', rate: dropout }).apply(x) as tf.SymbolicTensor;
    x = dense('predictions', numClasses, 'linear').apply(x) as tf.SymbolicTensor;
  }
  return tf.model({ inputs: input, outputs: x, name: `vgg${depth}${batchNorm ? '_bn' : ''}` });
}
