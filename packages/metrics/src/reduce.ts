import * as tf from '@tensorflow/tfjs';
import { formatShape } from '@xai-ts/base';
import { MetricShapeError, MetricValueError } from './errors.js';
import { type RelevanceLike, relevanceTensor } from './maps.js';

/**
 * How a pixel's channels become one number, as PixelFlipper.jl's `reduce`: `norm` (the 2-norm over channels, its
 * default), `sum`, `maxabs`, `sumabs`, `abssum`.
 *
 * @example
 * ```ts
 * const reduce: Reduce = 'norm';
 * ```
 */
export type Reduce = 'norm' | 'sum' | 'maxabs' | 'sumabs' | 'abssum';

const REDUCES: readonly Reduce[] = ['norm', 'sum', 'maxabs', 'sumabs', 'abssum'];

/** One value per pixel and sample, from a relevance map `[n, h, w, c]` (or `[n, h, w]`). */
export interface PixelValues {
  readonly n: number;
  readonly h: number;
  readonly w: number;
  /** One map of `h · w` values per sample, row-major. */
  readonly maps: Float64Array[];
}

/**
 * Reduces each pixel's channels to one value (PixelFlipper.jl's `reduce_color_channel`; a single channel is kept as
 * it is).
 *
 * @throws {@link MetricShapeError} for a relevance that is not `[n, h, w, c]` or `[n, h, w]`
 * @throws {@link MetricValueError} for an unknown reduction or non-finite relevance
 *
 * @example
 * ```ts
 * const { maps } = reducePixels(expl, 'norm');
 * ```
 */
export function reducePixels(relevance: RelevanceLike, reduce: Reduce = 'norm'): PixelValues {
  if (!REDUCES.includes(reduce))
    throw new MetricValueError(`unknown reduction "${String(reduce)}"; use one of ${REDUCES.join(', ')}`);
  const t = relevanceTensor(relevance);
  if (t.rank !== 3 && t.rank !== 4)
    throw new MetricShapeError(
      `the relevance has shape ${formatShape(t.shape)}; metrics need [n, h, w, c] (NHWC) or [n, h, w]`,
    );
  const [n, h, w] = t.shape as [number, number, number];
  const c = t.rank === 4 ? t.shape[3]! : 1;
  const data = tf.tidy(() => t.toFloat().dataSync());
  const maps = Array.from({ length: n }, () => new Float64Array(h * w));
  for (let s = 0; s < n; s++)
    for (let p = 0; p < h * w; p++) {
      let acc = 0;
      for (let k = 0; k < c; k++) {
        const v = data[(s * h * w + p) * c + k]!;
        if (!Number.isFinite(v))
          throw new MetricValueError(
            `the relevance of sample ${s} holds ${v} at pixel (${Math.floor(p / w)}, ${p % w}); metrics need finite relevance`,
          );
        if (reduce === 'norm') acc += v * v;
        else if (reduce === 'sum' || reduce === 'abssum') acc += v;
        else if (reduce === 'sumabs') acc += Math.abs(v);
        else acc = Math.max(acc, Math.abs(v));
      }
      // a single channel is left as it is (PixelFlipper.jl: nothing to reduce)
      maps[s]![p] =
        c === 1
          ? data[s * h * w + p]!
          : reduce === 'norm'
            ? Math.sqrt(acc)
            : reduce === 'abssum'
              ? Math.abs(acc)
              : acc;
    }
  return { n, h, w, maps };
}
