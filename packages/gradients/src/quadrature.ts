import { checkCount } from './checks.js';
import { AnalyzerOptionError } from './errors.js';

/**
 * How the path integral `∫₀¹ E(x̄ + α(x − x̄)) dα` is approximated with `n` evaluations:
 * - `trapezoid` (default): `α_k = k/(n−1)`, `k = 0 … n−1`, weights `1/(n−1)` with both endpoints halved; `n ≥ 2`.
 *   Exact for integrands linear in α, error O(1/n²) for smooth ones.
 * - `riemannRight`: `α_k = k/n`, `k = 1 … n`, weights `1/n` (Sundararajan et al.'s formula).
 * - `riemannLeft`: `α_k = k/n`, `k = 0 … n−1`, weights `1/n`.
 * - `riemannMiddle`: `α_k = (k − ½)/n`, `k = 1 … n`, weights `1/n`.
 */
export type Quadrature = 'trapezoid' | 'riemannRight' | 'riemannLeft' | 'riemannMiddle';

/** The points and weights of a {@link Quadrature} rule on [0, 1]. */
export interface QuadraturePoints {
  /** Where along the path, from 0 (the baseline) to 1 (the input). */
  readonly alphas: readonly number[];
  /** The weight of each point; they sum to 1. */
  readonly weights: readonly number[];
}

/**
 * The points and weights of a quadrature rule with `n` evaluations on [0, 1].
 *
 * @throws {@link AnalyzerOptionError} for an unknown rule, `n < 1`, or `n < 2` with `trapezoid`
 *
 * @example
 * ```ts
 * quadraturePoints('trapezoid', 3); // { alphas: [0, 0.5, 1], weights: [0.25, 0.5, 0.25] }
 * ```
 */
export function quadraturePoints(rule: Quadrature, n: number, owner = 'quadraturePoints'): QuadraturePoints {
  const ks = (from: number, to: number): number[] =>
    Array.from({ length: to - from + 1 }, (_, i) => from + i);
  switch (rule) {
    case 'trapezoid': {
      checkCount(owner, 'n', n, 2);
      const weights = ks(0, n - 1).map((k) => (k === 0 || k === n - 1 ? 0.5 : 1) / (n - 1));
      return { alphas: ks(0, n - 1).map((k) => (k === n - 1 ? 1 : k / (n - 1))), weights };
    }
    case 'riemannRight':
      checkCount(owner, 'n', n);
      return { alphas: ks(1, n).map((k) => k / n), weights: ks(1, n).map(() => 1 / n) };
    case 'riemannLeft':
      checkCount(owner, 'n', n);
      return { alphas: ks(0, n - 1).map((k) => k / n), weights: ks(1, n).map(() => 1 / n) };
    case 'riemannMiddle':
      checkCount(owner, 'n', n);
      return { alphas: ks(1, n).map((k) => (k - 0.5) / n), weights: ks(1, n).map(() => 1 / n) };
    default:
      throw new AnalyzerOptionError(
        `${owner}: unknown quadrature ${JSON.stringify(rule)}; use 'trapezoid', 'riemannRight', 'riemannLeft' or 'riemannMiddle'`,
      );
  }
}
