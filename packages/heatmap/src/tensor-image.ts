import * as tf from '@tensorflow/tfjs';
import { formatShape } from '@xai-ts/base';
import { HeatmapOptionError, HeatmapShapeError, HeatmapValueError } from './errors.js';
import type { Heatmap } from './image.js';

/** Options of {@link tensorToImages}. */
export interface TensorToImagesOptions {
  /**
   * Which values map to 0 and 255: `[lo, hi]` for all samples (`[0, 255]` or `[0, 1]` keep an image's true
   * colours), or `'extrema'` (default): each sample's own min..max, for preprocessed inputs of unknown range.
   */
  range?: 'extrema' | readonly [lo: number, hi: number];
}

/**
 * Turns an image tensor into RGBA images, one per sample: `[N, H, W, 3]` (RGB), `[N, H, W, 4]` (RGBA; the alpha channel is dropped),
 * `[N, H, W, 1]` or `[N, H, W]` (grey).
 *
 * @param images - the batch of images, NHWC
 * @param options - `range`, the values that map to 0 and 255
 * @returns one opaque image per sample
 * @throws {@link HeatmapShapeError} for other ranks or channel counts
 *
 * @example
 * ```ts
 * const [img] = tensorToImages(rawImage, { range: [0, 255] });
 * const blended = overlay(map, img);
 * ```
 */
export function tensorToImages(images: tf.Tensor, options: TensorToImagesOptions = {}): Heatmap[] {
  if (!(images instanceof tf.Tensor)) throw new HeatmapShapeError('tensorToImages needs a tf.Tensor');
  if (images.isDisposed) throw new HeatmapShapeError('the image tensor has been disposed');
  const shape = images.shape;
  const channels = images.rank === 3 ? 1 : images.rank === 4 ? shape[3]! : -1;
  if (channels !== 1 && channels !== 3 && channels !== 4)
    throw new HeatmapShapeError(
      `cannot make images of a tensor of shape ${formatShape(shape)}: give [N, H, W, 3] (RGB), [N, H, W, 4] (RGBA), [N, H, W, 1] or [N, H, W] (grey)`,
    );
  if (shape.some((d) => d === 0))
    throw new HeatmapShapeError(`cannot make images of shape ${formatShape(shape)}: an axis is empty`);
  const range = options.range ?? 'extrema';
  if (range !== 'extrema' && !(Array.isArray(range) && range.length === 2 && range[1] > range[0]))
    throw new HeatmapOptionError(
      `image range must be 'extrema' or [lo, hi] with lo < hi, got ${JSON.stringify(range)}`,
    );
  const [n, h, w] = [shape[0]!, shape[1]!, shape[2]!];
  const data = images.dataSync();
  const per = h * w * channels;
  const out: Heatmap[] = [];
  for (let s = 0; s < n; s++) {
    const base = s * per;
    let lo: number;
    let hi: number;
    if (range === 'extrema') {
      lo = Number.POSITIVE_INFINITY;
      hi = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < per; i++) {
        const v = data[base + i]!;
        if (!Number.isFinite(v))
          throw new HeatmapValueError(`image ${s} holds ${v}; images need finite values`);
        if (channels === 4 && i % 4 === 3) continue;
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    } else [lo, hi] = range;
    const scale = hi > lo ? 255 / (hi - lo) : 0;
    const rgba = new Uint8ClampedArray(h * w * 4);
    for (let p = 0; p < h * w; p++) {
      const src = base + p * channels;
      const o = 4 * p;
      if (channels === 1) {
        const g = Math.round((data[src]! - lo) * scale);
        rgba[o] = g;
        rgba[o + 1] = g;
        rgba[o + 2] = g;
      } else {
        rgba[o] = Math.round((data[src]! - lo) * scale);
        rgba[o + 1] = Math.round((data[src + 1]! - lo) * scale);
        rgba[o + 2] = Math.round((data[src + 2]! - lo) * scale);
      }
      rgba[o + 3] = 255;
    }
    out.push({ width: w, height: h, data: rgba });
  }
  return out;
}
