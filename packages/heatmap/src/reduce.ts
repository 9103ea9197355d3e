import * as tf from '@tensorflow/tfjs';
import { HeatmapOptionError } from './errors.js';

/**
 * The channel reductions, with VisionHeatmaps.jl's meanings (see {@link Reduction}).
 *
 * @example
 * ```ts
 * for (const reduce of reductions) heatmap(expl, { reduce });
 * ```
 */
export const reductions = ['sum', 'norm', 'maxabs', 'sumabs', 'abssum'] as const;

/**
 * How the channels of a pixel become one number: `sum` (signed sum), `norm` (L2 norm), `maxabs` (largest |x|),
 * `sumabs` (sum of |x|), `abssum` (|sum|). With one channel, `sum` keeps the value and the others take |x|.
 *
 * @example
 * ```ts
 * heatmap(expl, { reduce: 'norm' });
 * ```
 */
export type Reduction = (typeof reductions)[number];

/** Checks a reduction name. */
export function checkReduction(reduce: string): Reduction {
  if (!(reductions as readonly string[]).includes(reduce))
    throw new HeatmapOptionError(`unknown reduce '${String(reduce)}'; use one of ${reductions.join(', ')}`);
  return reduce as Reduction;
}

/**
 * Reduces the last (channel) axis of a batch-first NHWC tensor to one value per pixel.
 *
 * @param x - `[N, H, W, C]`
 * @param reduce - the reduction
 * @returns `[N, H, W]`, float32; the caller owns it
 *
 * @example
 * ```ts
 * reduceChannels(tf.tensor4d([3, -4], [1, 1, 1, 2]), 'norm'); // [[[5]]]
 * ```
 */
export function reduceChannels(x: tf.Tensor4D, reduce: Reduction): tf.Tensor3D {
  return tf.tidy((): tf.Tensor3D => {
    const v = x.toFloat();
    switch (reduce) {
      case 'sum':
        return v.sum<tf.Tensor3D>(-1);
      case 'norm':
        return v.square().sum<tf.Tensor3D>(-1).sqrt();
      case 'maxabs':
        return v.abs().max<tf.Tensor3D>(-1);
      case 'sumabs':
        return v.abs().sum<tf.Tensor3D>(-1);
      case 'abssum':
        return v.sum<tf.Tensor3D>(-1).abs();
    }
  });
}
