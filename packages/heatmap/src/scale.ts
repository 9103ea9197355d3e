import { HeatmapOptionError } from './errors.js';

/**
 * The range scalings: `centered` (symmetric around 0, which maps to the middle) and `extrema` (min..max).
 *
 * @example
 * ```ts
 * rangescales.includes('centered'); // true
 * ```
 */
export const rangescales = ['centered', 'extrema'] as const;

/**
 * How reduced values are mapped to [0, 1] before colouring. `centered`: `t = 0.5 + v / (2 max|v|)`, so 0 is the
 * colormap's middle and `-x`, `+x` land on mirrored colours; `extrema`: `t = (v - min) / (max - min)`.
 *
 * @example
 * ```ts
 * heatmap(expl, { rangescale: 'extrema', colormap: 'viridis' });
 * ```
 */
export type RangeScale = (typeof rangescales)[number];

/** Checks a range-scale name. */
export function checkRangeScale(rangescale: string): RangeScale {
  if (!(rangescales as readonly string[]).includes(rangescale))
    throw new HeatmapOptionError(
      `unknown rangescale '${String(rangescale)}'; use one of ${rangescales.join(', ')}`,
    );
  return rangescale as RangeScale;
}

/** Checks a clipping percentile: a number in (0, 100]. */
export function checkPercentile(percentile: number): number {
  if (typeof percentile !== 'number' || !(percentile > 0 && percentile <= 100))
    throw new HeatmapOptionError(
      `percentile must be a number in (0, 100], such as 99.5, got ${String(percentile)}`,
    );
  return percentile;
}

/**
 * The `p`-th percentile of `|values|`, interpolating linearly between order statistics (numpy's default, Julia's
 * `quantile`).
 *
 * @example
 * ```ts
 * absPercentile(new Float32Array([-4, 1, 2, 3]), 50); // 2.5
 * ```
 */
export function absPercentile(values: ArrayLike<number>, p: number): number {
  const abs = Float64Array.from(values, Math.abs).sort();
  if (abs.length === 0) return 0;
  const pos = (p / 100) * (abs.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, abs.length - 1);
  return abs[lo]! + (abs[hi]! - abs[lo]!) * (pos - lo);
}

/** Settings of {@link scaleValues}. */
export interface ScaleSettings {
  /** The range scaling. */
  rangescale: RangeScale;
  /** Clip to `[-q, q]`, `q` the given percentile of `|values|`, before scaling. */
  percentile?: number | undefined;
}

/**
 * Maps values to [0, 1] in place: percentile clipping, then range scaling. A constant range maps every value to
 * 0.5 (`centered`, all zeros) or 0 (`extrema`).
 *
 * @param values - the values of one scaling group (a sample, or the whole batch), overwritten with `t` in [0, 1]
 *
 * @example
 * ```ts
 * const v = new Float32Array([-2, 0, 1]);
 * scaleValues(v, { rangescale: 'centered' }); // v = [0, 0.5, 0.75]
 * ```
 */
export function scaleValues(values: Float32Array | Float64Array, settings: ScaleSettings): void {
  if (settings.percentile !== undefined && settings.percentile < 100) {
    const q = absPercentile(values, settings.percentile);
    for (let i = 0; i < values.length; i++) values[i] = Math.min(Math.max(values[i]!, -q), q);
  }
  if (settings.rangescale === 'centered') {
    let m = 0;
    for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]!));
    for (let i = 0; i < values.length; i++) values[i] = m > 0 ? 0.5 + values[i]! / (2 * m) : 0.5;
  } else {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < values.length; i++) {
      lo = Math.min(lo, values[i]!);
      hi = Math.max(hi, values[i]!);
    }
    const span = hi - lo;
    for (let i = 0; i < values.length; i++) values[i] = span > 0 ? (values[i]! - lo) / span : 0;
  }
}
