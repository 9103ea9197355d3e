import { HeatmapOptionError, HeatmapShapeError } from './errors.js';

/**
 * An 8-bit RGBA image in `ImageData` layout: `data[4 * (y * width + x) + c]` for channel `c` (red, green, blue,
 * alpha). Every heatmap, overlay and montage is one.
 *
 * @example
 * ```ts
 * const [map] = heatmap(expl);
 * const red = map.data[4 * (2 * map.width + 5)]; // the red value of pixel (x 5, y 2)
 * ```
 */
export interface Heatmap {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** `width * height * 4` bytes, RGBA, row-major from the top-left pixel. */
  readonly data: Uint8ClampedArray;
}

/** Checks that `image` is a well-formed {@link Heatmap}; `what` names it in the message. */
export function checkImage(image: Heatmap, what: string): void {
  if (image === null || typeof image !== 'object' || !(image.data instanceof Uint8ClampedArray))
    throw new HeatmapShapeError(
      `${what} is not an RGBA image: pass { width, height, data: Uint8ClampedArray } such as a heatmap`,
    );
  const { width, height } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0)
    throw new HeatmapShapeError(
      `${what} has size ${width}×${height}; width and height must be positive integers`,
    );
  if (image.data.length !== width * height * 4)
    throw new HeatmapShapeError(
      `${what} is ${width}×${height} but holds ${image.data.length} bytes; RGBA needs ${width * height * 4}`,
    );
}

/**
 * Resizes an RGBA image with bilinear interpolation, sampling at pixel centres (the convention of
 * `tf.image.resizeBilinear(x, size, false, true)` and of most image libraries).
 *
 * @param image - the image to resize
 * @param width - the new width in pixels
 * @param height - the new height in pixels
 * @returns a new image; `image` itself when the size already fits
 *
 * @example
 * ```ts
 * const big = resizeImage(map, 224, 224);
 * ```
 */
export function resizeImage(image: Heatmap, width: number, height: number): Heatmap {
  checkImage(image, 'the image to resize');
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0)
    throw new HeatmapOptionError(
      `cannot resize to ${width}×${height}; width and height must be positive integers`,
    );
  if (width === image.width && height === image.height) return image;
  const src = image.data;
  const out = new Uint8ClampedArray(width * height * 4);
  const xs = axisWeights(image.width, width);
  const ys = axisWeights(image.height, height);
  for (let y = 0; y < height; y++) {
    const y0 = ys.lo[y]!;
    const y1 = ys.hi[y]!;
    const fy = ys.frac[y]!;
    for (let x = 0; x < width; x++) {
      const x0 = xs.lo[x]!;
      const x1 = xs.hi[x]!;
      const fx = xs.frac[x]!;
      const a = 4 * (y0 * image.width + x0);
      const b = 4 * (y0 * image.width + x1);
      const c = 4 * (y1 * image.width + x0);
      const d = 4 * (y1 * image.width + x1);
      const o = 4 * (y * width + x);
      for (let k = 0; k < 4; k++) {
        const top = src[a + k]! + (src[b + k]! - src[a + k]!) * fx;
        const bottom = src[c + k]! + (src[d + k]! - src[c + k]!) * fx;
        out[o + k] = Math.round(top + (bottom - top) * fy);
      }
    }
  }
  return { width, height, data: out };
}

/** For each output index along one axis: the two source indices and the weight of the second (pixel centres). */
export function axisWeights(
  from: number,
  to: number,
): { lo: Int32Array; hi: Int32Array; frac: Float64Array } {
  const lo = new Int32Array(to);
  const hi = new Int32Array(to);
  const frac = new Float64Array(to);
  const scale = from / to;
  for (let i = 0; i < to; i++) {
    const src = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), from - 1);
    const l = Math.floor(src);
    lo[i] = l;
    hi[i] = Math.min(l + 1, from - 1);
    frac[i] = src - l;
  }
  return { lo, hi, frac };
}

/** Options of {@link overlay}. */
export interface OverlayOptions {
  /** The heatmap's opacity in [0, 1]: 0 shows only the image, 1 only the heatmap. Default 0.6 (VisionHeatmaps.jl). */
  alpha?: number;
}

/**
 * The default opacity of a heatmap over its image, as in VisionHeatmaps.jl.
 *
 * @example
 * ```ts
 * overlay(map, img, { alpha: DEFAULT_OVERLAY_ALPHA }); // same as overlay(map, img)
 * ```
 */
export const DEFAULT_OVERLAY_ALPHA = 0.6;

/**
 * Lays a heatmap over an image: `out = image * (1 - alpha) + heatmap * alpha` per colour channel, rounded, with an
 * opaque alpha channel. A heatmap of another size is first resized to the image's size (bilinear, see
 * {@link resizeImage}).
 *
 * @param heat - the heatmap
 * @param image - the image underneath, for example from {@link tensorToImages}
 * @param options - `alpha`, the heatmap's opacity (default 0.6)
 * @returns a new RGBA image of the image's size
 *
 * @example
 * ```ts
 * const [img] = tensorToImages(input, { range: [0, 255] });
 * const [map] = heatmap(expl);
 * const blended = overlay(map, img, { alpha: 0.5 });
 * ```
 */
export function overlay(heat: Heatmap, image: Heatmap, options: OverlayOptions = {}): Heatmap {
  checkImage(heat, 'the heatmap');
  checkImage(image, 'the image');
  const alpha = checkAlpha(options.alpha ?? DEFAULT_OVERLAY_ALPHA);
  const h = resizeImage(heat, image.width, image.height).data;
  const src = image.data;
  const out = new Uint8ClampedArray(src.length);
  for (let i = 0; i < out.length; i += 4) {
    out[i] = Math.round(src[i]! * (1 - alpha) + h[i]! * alpha);
    out[i + 1] = Math.round(src[i + 1]! * (1 - alpha) + h[i + 1]! * alpha);
    out[i + 2] = Math.round(src[i + 2]! * (1 - alpha) + h[i + 2]! * alpha);
    out[i + 3] = 255;
  }
  return { width: image.width, height: image.height, data: out };
}

/** Validates an overlay opacity. */
export function checkAlpha(alpha: number): number {
  if (typeof alpha !== 'number' || !(alpha >= 0 && alpha <= 1))
    throw new HeatmapOptionError(
      `alpha must be a number in [0, 1] (the heatmap's opacity), got ${String(alpha)}`,
    );
  return alpha;
}
