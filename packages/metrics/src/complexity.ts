import * as tf from '@tensorflow/tfjs';
import { MetricValueError } from './errors.js';
import { type MetricResult, type RelevanceLike, relevanceTensor, result } from './maps.js';

/** Each sample's absolute relevance values, flat. */
function absolute(relevance: RelevanceLike): Float64Array[] {
  const t = relevanceTensor(relevance);
  const n = t.shape[0]!;
  const data = tf.tidy(() => t.toFloat().dataSync());
  const size = data.length / n;
  return Array.from({ length: n }, (_, s) => {
    const out = Float64Array.from(data.subarray(s * size, (s + 1) * size), Math.abs);
    if (out.some((v) => !Number.isFinite(v)))
      throw new MetricValueError(`the relevance of sample ${s} is not finite`);
    return out;
  });
}

/**
 * Sparseness (Chalasani et al. 2020): the Gini index of each sample's absolute relevance values,
 * `Σ_i (2i − d − 1) x_(i) / (d Σ x)` over the values sorted ascending: 0 when every value is equal, near 1 when a
 * few carry all. An all-zero map scores 0.
 *
 * @example
 * ```ts
 * sparseness(tf.tensor2d([[0, 0, 0, 1]])).mean; // 0.75
 * ```
 */
export function sparseness(relevance: RelevanceLike): MetricResult {
  return result(
    absolute(relevance).map((x) => {
      const sorted = Float64Array.from(x).sort();
      const d = sorted.length;
      const total = sorted.reduce((a, b) => a + b, 0);
      if (total === 0) return 0;
      let acc = 0;
      sorted.forEach((v, i) => {
        acc += (2 * (i + 1) - d - 1) * v;
      });
      return acc / (d * total);
    }),
  );
}

/**
 * Complexity as entropy (Bhatt et al. 2020): the Shannon entropy (natural logarithm) of each sample's absolute
 * relevance values normalised to sum 1, `−Σ p log p`: 0 when one value carries all, `log d` when all are equal.
 * Smaller is simpler. An all-zero map scores 0.
 *
 * @example
 * ```ts
 * entropy(tf.tensor2d([[1, 1, 1, 1]])).mean; // log 4 ≈ 1.386
 * ```
 */
export function entropy(relevance: RelevanceLike): MetricResult {
  return result(
    absolute(relevance).map((x) => {
      const total = x.reduce((a, b) => a + b, 0);
      if (total === 0) return 0;
      let h = 0;
      for (const v of x) if (v > 0) h -= (v / total) * Math.log(v / total);
      return h;
    }),
  );
}
