import * as tf from '@tensorflow/tfjs';

/** The stabilizer every rule but EpsilonRule uses (RelevancePropagation.jl's `LRP_DEFAULT_STABILIZER`). */
export const DEFAULT_STABILIZER = 1e-9;

/**
 * `stab(z, e) = z == 0 ? e : z + sign(z)·e`: moves the denominator away from zero, keeping its sign
 * (sign(0) counts as +1).
 *
 * @example
 * ```ts
 * stabilize(tf.tensor1d([-2, 0, 3]), 0.5); // [-2.5, 0.5, 3.5]
 * ```
 */
export function stabilize(z: tf.Tensor, epsilon: number): tf.Tensor {
  return tf.tidy(() => {
    const sign = tf.where(tf.greaterEqual(z, 0), tf.onesLike(z), tf.onesLike(z).neg());
    return tf.add(z, tf.mul(sign, epsilon));
  });
}
