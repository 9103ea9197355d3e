import { MetricValueError } from './errors.js';

// Similarities of two maps of the same size (flat, row-major), as the model-randomisation test compares
// explanations (Adebayo et al. 2018): rank correlation, structural similarity, shared top pixels.

/** Ranks (1-based) with ties given their average rank. */
function ranks(values: ArrayLike<number>): Float64Array {
  const idx = Array.from({ length: values.length }, (_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const out = new Float64Array(values.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && values[idx[j + 1]!] === values[idx[i]!]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) out[idx[k]!] = rank;
    i = j + 1;
  }
  return out;
}

function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]! / n;
    mb += b[i]! / n;
  }
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  // a constant map has no ranking: it agrees with an equally constant one only
  if (saa === 0 || sbb === 0) return saa === sbb ? 1 : 0;
  return sab / Math.sqrt(saa * sbb);
}

function same(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  if (a.length !== b.length || a.length === 0)
    throw new MetricValueError(
      `${what} compares two maps of the same size, got ${a.length} and ${b.length} values`,
    );
}

/**
 * Spearman's rank correlation of two maps (ties ranked by their average): 1 for the same order, −1 for the reverse.
 *
 * @example
 * ```ts
 * spearman([1, 2, 3], [10, 20, 30]); // 1
 * ```
 */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  same(a, b, 'spearman');
  return pearson(ranks(a), ranks(b));
}

/**
 * The structural similarity (SSIM, Wang et al. 2004) of two `h × w` maps, each first scaled to [0, 1] by its largest
 * absolute value: the mean over every `window × window` window (Gaussian-weighted, σ = 1.5) of
 * `(2 μa μb + C1)(2 σab + C2) / ((μa² + μb² + C1)(σa² + σb² + C2))`, `C1 = 0.01²`, `C2 = 0.03²`.
 *
 * @example
 * ```ts
 * ssim(map, map, 32, 32); // 1
 * ```
 */
export function ssim(a: ArrayLike<number>, b: ArrayLike<number>, h: number, w: number, window = 7): number {
  same(a, b, 'ssim');
  if (a.length !== h * w) throw new MetricValueError(`ssim: ${a.length} values are not a ${h}×${w} map`);
  const scale = (m: ArrayLike<number>) => {
    let max = 0;
    for (let i = 0; i < m.length; i++) max = Math.max(max, Math.abs(m[i]!));
    return Float64Array.from({ length: m.length }, (_, i) => (max > 0 ? Math.abs(m[i]!) / max : 0));
  };
  const x = scale(a);
  const y = scale(b);
  const k = Math.min(window, h, w);
  const g = Array.from({ length: k }, (_, i) => Math.exp(-((i - (k - 1) / 2) ** 2) / (2 * 1.5 * 1.5)));
  const weights: number[] = [];
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) weights.push(g[i]! * g[j]!);
  const total = weights.reduce((s, v) => s + v, 0);
  const C1 = 0.01 ** 2;
  const C2 = 0.03 ** 2;
  let sum = 0;
  let count = 0;
  for (let i = 0; i + k <= h; i++)
    for (let j = 0; j + k <= w; j++) {
      let mx = 0;
      let my = 0;
      for (let u = 0; u < k; u++)
        for (let v = 0; v < k; v++) {
          const wt = weights[u * k + v]! / total;
          mx += wt * x[(i + u) * w + j + v]!;
          my += wt * y[(i + u) * w + j + v]!;
        }
      let vx = 0;
      let vy = 0;
      let cxy = 0;
      for (let u = 0; u < k; u++)
        for (let v = 0; v < k; v++) {
          const wt = weights[u * k + v]! / total;
          const dx = x[(i + u) * w + j + v]! - mx;
          const dy = y[(i + u) * w + j + v]! - my;
          vx += wt * dx * dx;
          vy += wt * dy * dy;
          cxy += wt * dx * dy;
        }
      sum += ((2 * mx * my + C1) * (2 * cxy + C2)) / ((mx * mx + my * my + C1) * (vx + vy + C2));
      count++;
    }
  return sum / count;
}

/**
 * The share of the `k` largest values of `a` that are among the `k` largest of `b` (`k` = `fraction` of the values,
 * at least 1; ties in index order).
 *
 * @example
 * ```ts
 * topKIntersection([5, 4, 0, 0], [4, 0, 5, 0], 0.5); // {0, 1} ∩ {0, 2} = 1 of 2: 0.5
 * ```
 */
export function topKIntersection(a: ArrayLike<number>, b: ArrayLike<number>, fraction = 0.1): number {
  same(a, b, 'topKIntersection');
  if (!(fraction > 0 && fraction <= 1))
    throw new MetricValueError(`topKIntersection needs a fraction in (0, 1], got ${fraction}`);
  const k = Math.max(1, Math.round(fraction * a.length));
  const top = (m: ArrayLike<number>) =>
    new Set(
      Array.from({ length: m.length }, (_, i) => i)
        .sort((i, j) => m[j]! - m[i]! || i - j)
        .slice(0, k),
    );
  const ta = top(a);
  let shared = 0;
  for (const i of top(b)) if (ta.has(i)) shared++;
  return shared / k;
}
