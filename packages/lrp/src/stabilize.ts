import * as tf from '@tensorflow/tfjs';

/** The stabilizer every rule but EpsilonRule uses (RelevancePropagation.jl's `LRP_DEFAULT_STABILIZER`). */
export const DEFAULT_STABILIZER = 1e-9;

/**
 * `stab(z, e) = z == 0 ? e : z + sign(z)·e`: moves the denominator away from zero, keeping its sign
 * (sign(0) counts as +1). Where the sign of `z` is known by construction, one op replaces four: `z + e` for
 * `'nonNegative'`, `z − e` for `'nonPositive'` (which gives −e rather than e where z = 0; a rule may say
 * `'nonPositive'` only where z = 0 means that every term of z is 0, so that nothing is divided by it).
 *
 * @example
 * ```ts
 * stabilize(tf.tensor1d([-2, 0, 3]), 0.5); // [-2.5, 0.5, 3.5]
 * ```
 */
export function stabilize(z: tf.Tensor, epsilon: number, sign?: 'nonNegative' | 'nonPositive'): tf.Tensor {
  if (sign === 'nonNegative') return tf.add(z, epsilon);
  if (sign === 'nonPositive') return tf.sub(z, epsilon);
  // z + e·sign(z) with sign(0) = +1, in arithmetic (where and comparisons are slow on wasm): step(−z, −1) is 1 where
  // z < 0 and −1 elsewhere, so z − e·step(−z, −1) adds e where z ≥ 0 and subtracts it where z < 0
  return tf.tidy(() => tf.sub(z, tf.mul(tf.step(tf.neg(z), -1), epsilon)));
}
