import { XaiError } from '@xai-ts/base';

/**
 * A relevance map, mask, input or model output whose shape does not fit the others (different batch size or
 * image size, wrong rank).
 *
 * @example
 * ```ts
 * relevanceMassAccuracy(tf.zeros([2, 8, 8, 3]), tf.ones([2, 16, 16, 1]));
 * // MetricShapeError: the relevance has image size 8×8 but the mask 16×16 ...
 * ```
 */
export class MetricShapeError extends XaiError {
  override name = 'MetricShapeError';
}

/**
 * A value a metric cannot score: an empty mask, NaN or ±Infinity in a relevance map, or an option out of range.
 *
 * @example
 * ```ts
 * pointingGame(relevance, tf.zeros([1, 8, 8, 1]));
 * // MetricValueError: the mask of sample 0 marks no pixel ...
 * ```
 */
export class MetricValueError extends XaiError {
  override name = 'MetricValueError';
}
