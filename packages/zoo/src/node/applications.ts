import { readFile } from 'node:fs/promises';
import type * as tf from '@tensorflow/tfjs';
import type { KerasApplication } from '../applications/registry.js';
import { createApplication, type KerasApplicationOptions } from '../applications/weights.js';
import { type EnsureWeightsOptions, ensureWeightsFile } from './weights.js';

/**
 * Options of the Node `kerasApplication`: those of the browser entry plus the cache, a local path and offline mode.
 *
 * @example
 * ```ts
 * const options: NodeKerasApplicationOptions = { pretrained: true, offline: true, path: './resnet50.h5' };
 * ```
 */
export interface NodeKerasApplicationOptions extends KerasApplicationOptions, EnsureWeightsOptions {}

/**
 * A Keras application for Node: as the browser entry's `kerasApplication`, but ImageNet weights come from the cache
 * directory, downloaded once (resumed and retried) and checked against the MD5 Keras pins (MobileNetV2's files,
 * which Keras does not pin, by format and the SHA-256 recorded at download), or from a local `path` (offline).
 *
 * @param application - `ResNet50`, `ResNet50V2`, `MobileNetV2`, `InceptionV3`, `DenseNet121` or `EfficientNetB0`
 * @param options - builder options, `pretrained`, `weights` (bytes), plus `cacheDir`, `offline`, `path`,
 *   `progress`, `stallMs`, `retries`
 * @returns the model; dispose it when done
 *
 * @example
 * ```ts
 * import { kerasApplication } from '@xai-ts/zoo/node';
 * const model = await kerasApplication('DenseNet121', { pretrained: true, classifierActivation: null });
 * ```
 */
export function kerasApplication(
  application: KerasApplication,
  options: NodeKerasApplicationOptions = {},
): Promise<tf.LayersModel> {
  return createApplication(application, options, async (file, onProgress) => {
    const path = await ensureWeightsFile(file, {
      ...options,
      ...(options.progress === undefined && onProgress ? { progress: onProgress } : {}),
    });
    return new Uint8Array(await readFile(path));
  });
}
