import * as tf from '@tensorflow/tfjs';

/**
 * A random attribution: uniform noise in [-1, 1) of a given shape, seeded: the baseline an explanation method
 * should beat by a wide margin on every metric of this package.
 *
 * @param shape - the shape of the relevance, usually the input's (`[n, h, w, c]`), or a tensor to take it from
 * @param seed - the seed (default 0); equal seeds give equal maps
 * @returns a new float32 tensor; dispose it when done
 *
 * @example
 * ```ts
 * const random = randomRelevance(images, 1);
 * relevanceMassAccuracy(random, masks).mean; // about the mask's share of the image
 * random.dispose();
 * ```
 */
export function randomRelevance(shape: readonly number[] | tf.Tensor, seed = 0): tf.Tensor {
  const dims = shape instanceof tf.Tensor ? shape.shape : [...shape];
  return tf.randomUniform(dims, -1, 1, 'float32', seed);
}
