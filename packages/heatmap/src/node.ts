/**
 * The Node side of `@xai-ts/heatmap`: PNG files and buffers (fast-png) and labelled montages (a bitmap font), plus
 * everything of the main entry that Node scripts use with them.
 *
 * @packageDocumentation
 */
export { type Heatmap, type OverlayOptions, overlay, resizeImage } from './image.js';
export { type MontageOptions, montage } from './montage.js';
export { decodePNG, encodePNG, readPNG, writePNG } from './png.js';
