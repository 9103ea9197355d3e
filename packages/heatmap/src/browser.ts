import { HeatmapEnvironmentError, HeatmapShapeError } from './errors.js';
import { checkImage, type Heatmap } from './image.js';

/**
 * Wraps a heatmap as a DOM `ImageData` (same layout, no copy of the pixels' meaning; the bytes are copied).
 *
 * @throws {@link HeatmapEnvironmentError} where `ImageData` does not exist (Node without a DOM shim)
 *
 * @example
 * ```ts
 * ctx.putImageData(toImageData(map), 0, 0);
 * ```
 */
export function toImageData(image: Heatmap): ImageData {
  checkImage(image, 'the heatmap');
  if (typeof ImageData === 'undefined')
    throw new HeatmapEnvironmentError(
      'ImageData is not available here (no DOM); in Node, write PNGs with @xai-ts/heatmap/node instead',
    );
  return new ImageData(new Uint8ClampedArray(image.data), image.width, image.height);
}

/** Where {@link drawHeatmap} draws: a canvas (HTML or offscreen) or its 2D context. */
export type CanvasTarget =
  | HTMLCanvasElement
  | OffscreenCanvas
  | CanvasRenderingContext2D
  | OffscreenCanvasRenderingContext2D;

/** Options of {@link drawHeatmap}. */
export interface DrawOptions {
  /** Left edge in canvas pixels. Default 0. */
  x?: number;
  /** Top edge in canvas pixels. Default 0. */
  y?: number;
  /** When drawing onto a canvas (not a context), set its size to the heatmap's first. Default `true`. */
  resize?: boolean;
}

/**
 * Draws a heatmap onto a canvas or a 2D context at its own pixel size (`putImageData`; scale with CSS, or
 * `resizeImage` first).
 *
 * @throws {@link HeatmapEnvironmentError} where there is no DOM or the canvas has no 2D context
 *
 * @example
 * ```ts
 * const [map] = heatmap(expl);
 * drawHeatmap(document.querySelector('canvas')!, map);
 * ```
 */
export function drawHeatmap(target: CanvasTarget, image: Heatmap, options: DrawOptions = {}): void {
  if (target === null || typeof target !== 'object')
    throw new HeatmapShapeError('drawHeatmap needs a canvas or a 2D canvas context');
  let ctx: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;
  if ('putImageData' in target) ctx = target;
  else {
    if (options.resize ?? true) {
      target.width = image.width;
      target.height = image.height;
    }
    const got = (target as HTMLCanvasElement).getContext('2d');
    if (!got)
      throw new HeatmapEnvironmentError(
        'the canvas gave no 2D context (it may already hold a WebGL context); draw onto a fresh canvas',
      );
    ctx = got;
  }
  ctx.putImageData(toImageData(image), options.x ?? 0, options.y ?? 0);
}
