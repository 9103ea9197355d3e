import * as tf from '@tensorflow/tfjs';
import { Explanation, formatShape } from '@xai-ts/base';
import { MetricShapeError, MetricValueError } from './errors.js';

/** Relevance as a metric takes it: an explanation (its `val` is used) or a tensor `[n, h, w, c]` or `[n, h, w]`. */
export type RelevanceLike = Explanation | tf.Tensor;

/** A metric's score: one value per sample and their mean. */
export interface MetricResult {
  /** The score of each sample, in batch order. */
  perSample: number[];
  /** The mean over the batch. */
  mean: number;
}

/** Per-sample pixel maps read from tensors: `n` maps of `h * w` values, row-major. */
export interface PixelMaps {
  n: number;
  h: number;
  w: number;
  /** One Float32Array of `h * w` values per sample. */
  maps: Float32Array[];
}

/** The tensor behind a {@link RelevanceLike}. */
export function relevanceTensor(relevance: RelevanceLike): tf.Tensor {
  const t = relevance instanceof Explanation ? relevance.val : relevance;
  if (!(t instanceof tf.Tensor))
    throw new MetricShapeError(`relevance must be an Explanation or a tf.Tensor, got ${typeof relevance}`);
  if (t.isDisposed) throw new MetricValueError('the relevance tensor has been disposed');
  return t;
}

/**
 * Reads a relevance map as one pixel map per sample, summing over the channel axis of a rank-4 map (`[n, h, w, c]`
 * → `[n, h, w]`), as heatmaps do.
 */
export function readRelevance(relevance: RelevanceLike): PixelMaps {
  const t = relevanceTensor(relevance);
  if (t.rank !== 3 && t.rank !== 4)
    throw new MetricShapeError(
      `the relevance has shape ${formatShape(t.shape)}; metrics need [n, h, w, c] (NHWC, summed over channels) or [n, h, w]`,
    );
  const maps = splitSamples(tf.tidy(() => (t.rank === 4 ? t.sum(-1) : t).toFloat()));
  maps.maps.forEach((m, s) => {
    const bad = m.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0)
      throw new MetricValueError(
        `the relevance of sample ${s} holds ${m[bad]} at pixel (${Math.floor(bad / maps.w)}, ${bad % maps.w}); metrics need finite relevance`,
      );
  });
  return maps;
}

/** Reads a mask (`[n, h, w, 1]` or `[n, h, w]`) as one boolean-valued map per sample: a pixel is inside where ≥ 0.5. */
export function readMask(mask: tf.Tensor): PixelMaps {
  if (!(mask instanceof tf.Tensor))
    throw new MetricShapeError(`the mask must be a tf.Tensor, got ${typeof mask}`);
  const ok = mask.rank === 3 || (mask.rank === 4 && mask.shape[3] === 1);
  if (!ok)
    throw new MetricShapeError(
      `the mask has shape ${formatShape(mask.shape)}; pass [n, h, w, 1] or [n, h, w] with 1 on the object's pixels`,
    );
  const maps = splitSamples(tf.tidy(() => mask.reshape(mask.shape.slice(0, 3)).greaterEqual(0.5).toFloat()));
  maps.maps.forEach((m, s) => {
    if (!m.some((v) => v > 0))
      throw new MetricValueError(
        `the mask of sample ${s} marks no pixel; every sample needs an object of at least one pixel to score against`,
      );
  });
  return maps;
}

/** Checks that relevance and mask describe the same batch of images. */
export function checkSameImages(relevance: PixelMaps, mask: PixelMaps, what = 'mask'): void {
  if (relevance.n !== mask.n)
    throw new MetricShapeError(
      `the relevance has ${relevance.n} samples but the ${what} ${mask.n}; pass one ${what} per explained sample`,
    );
  if (relevance.h !== mask.h || relevance.w !== mask.w)
    throw new MetricShapeError(
      `the relevance has image size ${relevance.h}×${relevance.w} but the ${what} ${mask.h}×${mask.w}; they must match pixel for pixel`,
    );
}

/** A {@link MetricResult} from per-sample scores. */
export function result(perSample: number[]): MetricResult {
  return { perSample, mean: perSample.reduce((a, b) => a + b, 0) / perSample.length };
}

function splitSamples(t: tf.Tensor): PixelMaps {
  const [n, h, w] = t.shape as [number, number, number];
  const data = t.dataSync() as Float32Array;
  t.dispose();
  const plane = h * w;
  const maps = Array.from({ length: n }, (_, s) => data.slice(s * plane, (s + 1) * plane));
  return { n, h, w, maps };
}
