import * as tf from '@tensorflow/tfjs';
import { Explanation, formatShape, type HeatmapPreset } from '@xai-ts/base';
import { type ColormapSpec, getColormap } from './colormap.js';
import { HeatmapOptionError, HeatmapShapeError, HeatmapValueError } from './errors.js';
import { checkAlpha, DEFAULT_OVERLAY_ALPHA, type Heatmap, overlay } from './image.js';
import { checkReduction, type Reduction, reduceChannels } from './reduce.js';
import { checkPercentile, checkRangeScale, type RangeScale, scaleValues } from './scale.js';
import { type TensorToImagesOptions, tensorToImages } from './tensor-image.js';

/** The defaults that each explanation's `heatmap` preset stands for. */
export interface PresetDefaults {
  /** The colormap. */
  readonly colormap: string;
  /** The channel reduction. */
  readonly reduce: Reduction;
  /** The range scaling. */
  readonly rangescale: RangeScale;
}

/**
 * The defaults by preset. `attribution` (signed relevance): `seismic`, `sum`, `centered`. `sensitivity`
 * (magnitudes such as gradients): `inferno`, `norm`, `extrema`. `cam` (class-activation maps): `jet`, `sum`,
 * `extrema`, resized to the input and laid over it when the input has 3 channels.
 *
 * @example
 * ```ts
 * presets.attribution.colormap; // 'seismic'
 * ```
 */
export const presets: Readonly<Record<HeatmapPreset, PresetDefaults>> = Object.freeze({
  attribution: { colormap: 'seismic', reduce: 'sum', rangescale: 'centered' },
  sensitivity: { colormap: 'inferno', reduce: 'norm', rangescale: 'extrema' },
  cam: { colormap: 'jet', reduce: 'sum', rangescale: 'extrema' },
});

/** Options of {@link heatmap}; unset options come from the preset (see {@link presets}). */
export interface HeatmapOptions {
  /** The preset whose defaults apply: default the explanation's `heatmap`, or `attribution` for a tensor. */
  preset?: HeatmapPreset;
  /** A built-in colormap name (`_r` reverses it), a palette of colours, or a `Colormap`. */
  colormap?: ColormapSpec;
  /** How the channels of a pixel become one value. */
  reduce?: Reduction;
  /** How values are mapped to the colormap. */
  rangescale?: RangeScale;
  /**
   * Clips the reduced values to `[-q, q]`, `q` this percentile of their absolute values (per sample, or per batch
   * with `processBatch`), before range scaling, so that a few extreme pixels do not wash out the rest. In (0, 100].
   */
  percentile?: number;
  /** One range scaling for the whole batch instead of one per sample, so that colours compare across samples. */
  processBatch?: boolean;
  /**
   * Resizes the reduced values (bilinear, pixel centres) before colouring. Default for `cam`: the input's size.
   */
  size?: { readonly width: number; readonly height: number };
  /**
   * Lays each heatmap over its image. Default: `true` for `cam` when the explanation's input (or `image`) has 3
   * channels, otherwise `false`.
   */
  overlay?: boolean;
  /** The heatmap's opacity over the image, in [0, 1]. Default 0.6. */
  alpha?: number;
  /**
   * The images to lay heatmaps over: RGBA images (one per sample) or an NHWC image tensor. Default: the
   * explanation's input, min..max scaled per sample (pass the unpreprocessed image here for true colours).
   */
  image?: readonly Heatmap[] | tf.Tensor;
  /** How an `image` tensor (or the explanation's input) is scaled to 0..255; see {@link tensorToImages}. */
  imageRange?: TensorToImagesOptions['range'];
}

/**
 * Turns an explanation into one RGBA heatmap per sample (VisionHeatmaps.jl's `heatmap`): reduce the channels of
 * each pixel, clip at a percentile if asked, scale to [0, 1] per sample (or per batch), colour, and for CAMs
 * resize to the input and overlay.
 *
 * @param source - an {@link Explanation} (its `val` is NHWC, batch first; its `heatmap` preset picks the
 *   defaults), or a tensor `[N, H, W, C]` or `[N, H, W]` (preset `attribution` unless `options.preset` says)
 * @param options - see {@link HeatmapOptions}
 * @returns one heatmap per sample, in batch order
 * @throws {@link HeatmapShapeError} for a rank other than 3 or 4, or an empty axis
 * @throws {@link HeatmapOptionError} for unknown names or out-of-range options
 * @throws {@link HeatmapValueError} for NaN or ±Infinity
 *
 * @example
 * ```ts
 * const maps = heatmap(expl); // attribution: seismic, sum, centered
 * heatmap(expl, { colormap: 'RdBu_r', percentile: 99.5, processBatch: true });
 * heatmap(tf.randomNormal([2, 8, 8, 3])); // a raw tensor
 * ```
 */
export function heatmap(source: Explanation | tf.Tensor, options: HeatmapOptions = {}): Heatmap[] {
  const isExpl = source instanceof Explanation;
  if (!isExpl && !(source instanceof tf.Tensor))
    throw new HeatmapShapeError(
      `heatmap() takes an Explanation or a tf.Tensor, got ${source === null ? 'null' : typeof source}`,
    );
  if (isExpl && source.isDisposed)
    throw new HeatmapShapeError('the explanation has been disposed; make the heatmap before expl.dispose()');
  const val = isExpl ? source.val : source;
  const preset = options.preset ?? (isExpl ? source.heatmap : 'attribution');
  const defaults = presets[preset];
  if (!defaults)
    throw new HeatmapOptionError(
      `unknown preset '${String(preset)}'; use one of ${Object.keys(presets).join(', ')}`,
    );
  const colormap = getColormap(options.colormap ?? defaults.colormap);
  const reduce = checkReduction(options.reduce ?? defaults.reduce);
  const rangescale = checkRangeScale(options.rangescale ?? defaults.rangescale);
  const percentile = options.percentile === undefined ? undefined : checkPercentile(options.percentile);
  const alpha = checkAlpha(options.alpha ?? DEFAULT_OVERLAY_ALPHA);
  const [n, h, w] = checkValShape(val);
  const input = isExpl ? source.input : undefined;
  const backgroundShape = options.image instanceof tf.Tensor ? options.image.shape : input?.shape;
  const size =
    options.size ??
    (preset === 'cam' && backgroundShape?.length === 4
      ? { width: backgroundShape[2]!, height: backgroundShape[1]! }
      : { width: w, height: h });
  checkSize(size);
  const background = options.image ?? input;
  const wantOverlay =
    options.overlay ?? (preset === 'cam' && background !== undefined && channelsOf(background) === 3);

  const values = reducedValues(val, reduce, size);
  const pixels = size.width * size.height;
  checkFinite(values, n, size.width, pixels);
  const groups = options.processBatch ? [values] : splitSamples(values, n, pixels);
  for (const group of groups) scaleValues(group, { rangescale, percentile });

  const maps: Heatmap[] = [];
  for (let s = 0; s < n; s++) {
    const data = new Uint8ClampedArray(pixels * 4);
    for (let p = 0; p < pixels; p++) {
      colormap.write(values[s * pixels + p]!, data, 4 * p);
      data[4 * p + 3] = 255;
    }
    maps.push({ width: size.width, height: size.height, data });
  }
  if (!wantOverlay) return maps;
  if (background === undefined)
    throw new HeatmapOptionError(
      'overlay needs an image: pass options.image (RGBA images or an NHWC tensor), or heatmap an explanation whose input is an image',
    );
  const images =
    background instanceof tf.Tensor
      ? tensorToImages(background, { range: options.imageRange ?? 'extrema' })
      : background;
  if (images.length !== n)
    throw new HeatmapShapeError(
      `overlay has ${images.length} images for ${n} heatmaps; give one image per sample`,
    );
  return maps.map((map, s) => overlay(map, images[s]!, { alpha }));
}

function checkValShape(val: tf.Tensor): [number, number, number] {
  if (val.isDisposed) throw new HeatmapShapeError('the tensor to heatmap has been disposed');
  if (val.rank !== 3 && val.rank !== 4)
    throw new HeatmapShapeError(
      `cannot heatmap a tensor of shape ${formatShape(val.shape)} (rank ${val.rank}): give [N, H, W, C] (NHWC, batch first) or [N, H, W]` +
        (val.rank === 2 ? '; add the batch axis with x.expandDims(0)' : ''),
    );
  if (val.shape.some((d) => d === 0))
    throw new HeatmapShapeError(
      `cannot heatmap a tensor of shape ${formatShape(val.shape)}: an axis is empty`,
    );
  return [val.shape[0]!, val.shape[1]!, val.shape[2]!];
}

function checkSize(size: { readonly width: number; readonly height: number }): void {
  const { width, height } = size ?? {};
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0)
    throw new HeatmapOptionError(
      `size must be { width, height } with positive integers, got ${JSON.stringify(size)}`,
    );
}

function channelsOf(image: readonly Heatmap[] | tf.Tensor): number {
  if (image instanceof tf.Tensor) return image.rank === 4 ? image.shape[3]! : image.rank === 3 ? 1 : 0;
  return 3;
}

/** Reduces, resizes and reads the values: `[N * height * width]`, float64, no tensor left behind. */
function reducedValues(
  val: tf.Tensor,
  reduce: Reduction,
  size: { readonly width: number; readonly height: number },
): Float64Array {
  const reduced = tf.tidy(() => {
    const x4 = (val.rank === 3 ? val.expandDims(-1) : val) as tf.Tensor4D;
    let r = reduceChannels(x4, reduce);
    if (r.shape[1] !== size.height || r.shape[2] !== size.width)
      r = tf.image
        .resizeBilinear(r.expandDims(-1) as tf.Tensor4D, [size.height, size.width], false, true)
        .squeeze([3]);
    return r;
  });
  try {
    return Float64Array.from(reduced.dataSync());
  } finally {
    reduced.dispose();
  }
}

function checkFinite(values: Float64Array, n: number, width: number, pixels: number): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      const s = Math.floor(i / pixels);
      const p = i % pixels;
      throw new HeatmapValueError(
        `sample ${s} of ${n} holds ${Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity'} at (y ${Math.floor(p / width)}, x ${p % width}) after reduction; heatmaps need finite values`,
      );
    }
  }
}

function splitSamples(values: Float64Array, n: number, pixels: number): Float64Array[] {
  return Array.from({ length: n }, (_, s) => values.subarray(s * pixels, (s + 1) * pixels));
}
