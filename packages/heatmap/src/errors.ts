import { XaiError } from '@xai-ts/base';

/**
 * A tensor or image whose shape cannot become a heatmap: a wrong rank, an empty axis, a channel count that does
 * not fit, or images of different sizes where one size is needed.
 *
 * @example
 * ```ts
 * heatmap(tf.zeros([16, 16])); // HeatmapShapeError: ... has rank 2 ...; add the batch axis with x.expandDims(0)
 * ```
 */
export class HeatmapShapeError extends XaiError {
  override name = 'HeatmapShapeError';
}

/**
 * An option that is not understood: an unknown colormap, reduction or range-scale name (the message lists the
 * valid ones), a percentile outside (0, 100], an alpha outside [0, 1], a malformed palette colour.
 *
 * @example
 * ```ts
 * heatmap(expl, { reduce: 'mean' as Reduction }); // HeatmapOptionError: unknown reduce 'mean'; use one of ...
 * ```
 */
export class HeatmapOptionError extends XaiError {
  override name = 'HeatmapOptionError';
}

/**
 * Values that cannot be coloured: NaN or ±Infinity in an explanation or a relevance vector.
 *
 * @example
 * ```ts
 * heatmap(tf.tensor4d([NaN], [1, 1, 1, 1])); // HeatmapValueError: sample 0 holds NaN at (y 0, x 0) ...
 * ```
 */
export class HeatmapValueError extends XaiError {
  override name = 'HeatmapValueError';
}

/**
 * A browser-only function called where the browser API it needs (`ImageData`, a 2D canvas context) is missing.
 *
 * @example
 * ```ts
 * toImageData(map); // in Node: HeatmapEnvironmentError: ImageData is not available here ...
 * ```
 */
export class HeatmapEnvironmentError extends XaiError {
  override name = 'HeatmapEnvironmentError';
}
