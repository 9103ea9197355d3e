/**
 * The Node-only part of @xai-ts/zoo: pretrained weights through a checked download cache (with a progress bar),
 * local weight files for offline use, and a file-system IO handler to save and load TF.js models without
 * tfjs-node. Import it as `@xai-ts/zoo/node`; everything else lives in `@xai-ts/zoo`, which also runs in browsers.
 *
 * @packageDocumentation
 */
export { kerasApplication, type NodeKerasApplicationOptions } from './applications.js';
export {
  type CacheCheck,
  type CacheEntry,
  type CachePin,
  cacheDir,
  clearCache,
  listCache,
  verifyCache,
} from './cache.js';
export { type DownloadOptions, type DownloadResult, downloadFile } from './download.js';
export { loadImage } from './image.js';
export { fileSystem } from './io.js';
export { type NodeVggOptions, vgg11, vgg13, vgg16, vgg19 } from './vgg.js';
export { type EnsureWeightsOptions, ensureWeightsFile, urlWeightsFile } from './weights.js';
