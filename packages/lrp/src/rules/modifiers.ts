import * as tf from '@tensorflow/tfjs';
import type { ParamModifier } from './rule.js';

/**
 * The parameter modifiers of the built-in rules. Equal keys share one modified tensor per layer.
 *
 * @example
 * ```ts
 * const term = { input: 'positive', weight: PARAMS.plus, bias: PARAMS.plus } as const;
 * ```
 */
export const PARAMS = {
  /** The parameter as it is. */
  identity: { key: '', apply: (p) => p } as ParamModifier,
  /** `p⁺ = max(p, 0)`. */
  plus: { key: '+', apply: (p) => tf.relu(p), sign: 'nonNegative' } as ParamModifier,
  /** `p⁻ = min(p, 0)`. */
  minus: { key: '-', apply: (p) => tf.minimum(p, 0), sign: 'nonPositive' } as ParamModifier,
  /** `p²`. */
  square: { key: '^2', apply: (p) => tf.square(p), sign: 'nonNegative' } as ParamModifier,
  /** All ones. */
  ones: { key: '1', apply: (p) => tf.onesLike(p), sign: 'nonNegative' } as ParamModifier,
} as const;

/**
 * `p + γ·p⁺` (`side` +) or `p + γ·p⁻` (`side` −): the γ rules' weights.
 *
 * @example
 * ```ts
 * gammaParams(0.25, '+').apply(w); // W + 0.25·W⁺
 * ```
 */
export function gammaParams(gamma: number, side: '+' | '-'): ParamModifier {
  return {
    key: `γ${side}${gamma}`,
    apply: (p) => tf.tidy(() => tf.add(p, tf.mul(side === '+' ? tf.relu(p) : tf.minimum(p, 0), gamma))),
  };
}
