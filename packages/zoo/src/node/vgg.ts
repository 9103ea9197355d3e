import { readFile } from 'node:fs/promises';
import type * as tf from '@tensorflow/tfjs';
import type { VggDepth } from '../vgg/architecture.js';
import { createVgg, type VggOptions, type WeightsFetcher } from '../vgg/vgg.js';
import { type EnsureWeightsOptions, ensureWeightsFile } from './weights.js';

/**
 * Options of the Node VGG builders: those of the browser entry plus the cache, a local path, offline mode, and the
 * download's stall timeout and retries.
 *
 * @example
 * ```ts
 * const options: NodeVggOptions = { pretrained: true, offline: true, cacheDir: '/data/xai-cache' };
 * await vgg16(options);
 * ```
 */
export interface NodeVggOptions extends VggOptions, EnsureWeightsOptions {}

function fetcher(options: NodeVggOptions): WeightsFetcher {
  return async (file, onProgress) => {
    const path = await ensureWeightsFile(file, {
      ...options,
      ...(options.progress === undefined && onProgress ? { progress: onProgress } : {}),
    });
    return new Uint8Array(await readFile(path));
  };
}

function nodeVgg(depth: VggDepth, options: NodeVggOptions): Promise<tf.LayersModel> {
  return createVgg(depth, options, fetcher(options));
}

/**
 * VGG11 for Node: as the browser entry's `vgg11`, but pretrained weights come from the cache directory, downloaded
 * once with a progress bar (resumed and retried when the connection fails) and checked, or from a local `path`
 * (offline). A cached file that fails its check is downloaded again.
 *
 * @param options - VGG options plus `cacheDir`, `offline`, `path`, `progress`, `stallMs`, `retries`
 * @returns the model; dispose it when done
 *
 * @example
 * ```ts
 * import { vgg11 } from '@xai-ts/zoo/node';
 * const model = await vgg11({ pretrained: true });
 * ```
 */
export function vgg11(options: NodeVggOptions = {}): Promise<tf.LayersModel> {
  return nodeVgg(11, options);
}

/**
 * VGG13 for Node (see {@link vgg11}).
 *
 * @param options - VGG options plus `cacheDir`, `offline`, `path`, `progress`, `stallMs`, `retries`
 * @returns the model; dispose it when done
 *
 * @example
 * ```ts
 * const model = await vgg13({ pretrained: true, batchNorm: true });
 * ```
 */
export function vgg13(options: NodeVggOptions = {}): Promise<tf.LayersModel> {
  return nodeVgg(13, options);
}

/**
 * VGG16 for Node (see {@link vgg11}).
 *
 * @param options - VGG options plus `cacheDir`, `offline`, `path`, `progress`, `stallMs`, `retries`
 * @returns the model; dispose it when done
 *
 * @example
 * ```ts
 * const model = await vgg16({ pretrained: true, offline: true, path: './vgg16.tv_in1k.safetensors' });
 * ```
 */
export function vgg16(options: NodeVggOptions = {}): Promise<tf.LayersModel> {
  return nodeVgg(16, options);
}

/**
 * VGG19 for Node (see {@link vgg11}).
 *
 * @param options - VGG options plus `cacheDir`, `offline`, `path`, `progress`, `stallMs`, `retries`
 * @returns the model; dispose it when done
 *
 * @example
 * ```ts
 * const model = await vgg19({ pretrained: true, weights: 'keras' });
 * ```
 */
export function vgg19(options: NodeVggOptions = {}): Promise<tf.LayersModel> {
  return nodeVgg(19, options);
}
