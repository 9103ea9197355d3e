/**
 * Heatmaps for explanations (VisionHeatmaps.jl and TextHeatmaps.jl in TypeScript): reduce the channels of each
 * pixel, scale, colour with a colormap, resize and overlay; `ImageData` and canvas drawing for the browser; text
 * heatmaps as HTML or ANSI. PNG files, buffers and labelled montages are in `@xai-ts/heatmap/node`.
 *
 * This entry imports nothing from Node and runs in the browser.
 *
 * @packageDocumentation
 */
export { type CanvasTarget, type DrawOptions, drawHeatmap, toImageData } from './browser.js';
export {
  Colormap,
  type ColormapName,
  type ColormapSpec,
  type ColormapStop,
  colormapNames,
  getColormap,
  type Palette,
  type PaletteColor,
  parseColor,
  type RGB,
} from './colormap.js';
export {
  HeatmapEnvironmentError,
  HeatmapOptionError,
  HeatmapShapeError,
  HeatmapValueError,
} from './errors.js';
export { type HeatmapOptions, heatmap, type PresetDefaults, presets } from './heatmap.js';
export {
  DEFAULT_OVERLAY_ALPHA,
  type Heatmap,
  type OverlayOptions,
  overlay,
  resizeImage,
} from './image.js';
export { type Reduction, reduceChannels, reductions } from './reduce.js';
export { absPercentile, type RangeScale, rangescales, type ScaleSettings, scaleValues } from './scale.js';
export { type TensorToImagesOptions, tensorToImages } from './tensor-image.js';
export { escapeHtml, type TextHeatmapOptions, textHeatmap, textHeatmapAnsi } from './text.js';
