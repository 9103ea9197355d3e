import type * as tf from '@tensorflow/tfjs';
import { ZooError } from '../errors.js';
import { readKerasH5 } from '../formats/keras-h5.js';
import { readSafetensors } from '../formats/safetensors.js';
import { buildVgg, type VggDepth, type VggSpec, vggSpec } from './architecture.js';
import { loadKerasWeights } from './keras.js';
import { vggWeightsFile, type WeightSource, type WeightsFile } from './sources.js';
import { loadTorchvisionWeights } from './torchvision.js';

/**
 * Download progress: bytes received so far and the total, where the server says it.
 *
 * @example
 * ```ts
 * await vgg16({ pretrained: true, onProgress: ({ received, total }: Progress) => console.log(received, total) });
 * ```
 */
export interface Progress {
  /** Bytes received so far. */
  received: number;
  /** The file's size in bytes, or `undefined` when unknown. */
  total: number | undefined;
}

/**
 * Weights given directly: the bytes of a weights file and the source whose layout (and preprocessing) it has.
 *
 * @example
 * ```ts
 * const weights: WeightsData = { source: 'torchvision', data: bytes };
 * await vgg16({ weights });
 * ```
 */
export interface WeightsData {
  /** The layout and preprocessing of the file. */
  source: WeightSource;
  /** The file's bytes (a `.safetensors` for torchvision, an `.h5` for keras). */
  data: Uint8Array | ArrayBuffer;
}

/**
 * Options of {@link vgg11}, {@link vgg13}, {@link vgg16} and {@link vgg19}.
 *
 * @example
 * ```ts
 * const options: VggOptions = { batchNorm: true, pretrained: true, includeTop: false };
 * await vgg16(options);
 * ```
 */
export interface VggOptions {
  /** Conv → BatchNorm → ReLU, as torchvision's `vggNN_bn` (default false). */
  batchNorm?: boolean;
  /** Load ImageNet weights (default false: random initialisation). */
  pretrained?: boolean;
  /**
   * Which weights: a source (`torchvision`, the default, or `keras`), or a file's bytes with its source. Giving
   * bytes implies `pretrained`.
   */
  weights?: WeightSource | WeightsData;
  /** Output classes (default 1000). Pretrained weights need 1000, or `includeTop: false`. */
  numClasses?: number;
  /** Include flatten, fc1, fc2 and predictions (default true); without, the output is block5_pool. */
  includeTop?: boolean;
  /** Called as a download proceeds. */
  onProgress?: (progress: Progress) => void;
  /**
   * The starting weights when none are loaded: `random` (Glorot uniform, the default) or `zeros`, which draws no
   * random numbers for VGG16's 138 million parameters: for a model whose weights you set yourself, or whose
   * architecture is all you need (a model check, a `layer => rule` table). Loaded weights replace zeros either way.
   */
  init?: 'random' | 'zeros';
}

/** Fetches a weights file's bytes; the browser entry uses `fetch`, `@xai-ts/zoo/node` a checked cache. */
export type WeightsFetcher = (
  file: WeightsFile,
  onProgress?: (progress: Progress) => void,
) => Promise<Uint8Array>;

const sources = new WeakMap<tf.LayersModel, WeightSource>();

/**
 * The source of the weights a zoo model was loaded with, which decides its preprocessing.
 *
 * @param model - a model from {@link vgg16} and friends
 * @returns `torchvision`, `keras`, or `undefined` for a model without pretrained weights
 *
 * @example
 * ```ts
 * weightSourceOf(await vgg16({ pretrained: true })); // 'torchvision'
 * ```
 */
export function weightSourceOf(model: tf.LayersModel): WeightSource | undefined {
  return sources.get(model);
}

/**
 * Builds a VGG and, when asked, loads pretrained weights into it. Shared by the browser entry and the Node entry,
 * which differ only in how they fetch a file. `shape` overrides the ImageNet shapes (tests build small VGGs).
 */
export async function createVgg(
  depth: VggDepth,
  options: VggOptions,
  fetcher: WeightsFetcher,
  shape: Partial<Pick<VggSpec, 'inputSize' | 'fcSize' | 'widths'>> = {},
): Promise<tf.LayersModel> {
  const given = typeof options.weights === 'object' ? options.weights : undefined;
  const source: WeightSource =
    given?.source ?? (options.weights as WeightSource | undefined) ?? 'torchvision';
  const pretrained = options.pretrained ?? given !== undefined;
  const includeTop = options.includeTop ?? true;
  const batchNorm = options.batchNorm ?? false;
  const numClasses = options.numClasses ?? 1000;
  if (pretrained && includeTop && numClasses !== 1000)
    throw new ZooError(
      `pretrained VGG weights have 1000 ImageNet classes, not ${numClasses}; build with includeTop: false and add your own head`,
    );
  const file = pretrained ? vggWeightsFile(depth, { source, batchNorm, includeTop }) : undefined;
  const bytes = given
    ? given.data instanceof Uint8Array
      ? given.data
      : new Uint8Array(given.data)
    : file
      ? await fetcher(file, options.onProgress)
      : undefined;
  const model = buildVgg(
    vggSpec(depth, {
      ...shape,
      batchNorm,
      includeTop,
      numClasses,
      init: bytes || options.init === 'zeros' ? 'zeros' : 'random',
    }),
  );
  if (!bytes) return model;
  try {
    if (source === 'keras') loadKerasWeights(model, await readKerasH5(bytes));
    else loadTorchvisionWeights(model, readSafetensors(bytes));
  } catch (e) {
    model.dispose();
    throw e;
  }
  sources.set(model, source);
  return model;
}

/**
 * Fetches a URL with `fetch`, reporting progress; works in browsers and Node. No cache: in Node use
 * `@xai-ts/zoo/node`, which caches and checks downloads.
 *
 * @example
 * ```ts
 * const bytes = await fetchBytes(vggWeightsFile(16).url, ({ received, total }) => console.log(received, total));
 * ```
 */
export async function fetchBytes(
  url: string,
  onProgress?: (progress: Progress) => void,
): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new ZooError(
      `could not fetch ${url} (${(e as Error).message}); check the network, or pass the file's bytes as weights: { source, data }`,
    );
  }
  if (!response.ok || !response.body)
    throw new ZooError(`fetching ${url} answered HTTP ${response.status} ${response.statusText}`);
  const length = Number(response.headers.get('content-length'));
  const total = Number.isFinite(length) && length > 0 ? length : undefined;
  const chunks: Uint8Array[] = [];
  let received = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.byteLength;
    onProgress?.({ received, total });
  }
  if (total !== undefined && received !== total)
    throw new ZooError(`the download of ${url} stopped after ${received} of ${total} bytes; try again`);
  const out = new Uint8Array(received);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** Fetches a weights file with `fetch`, checking its SHA-256 where one is pinned (MD5 is not in WebCrypto). */
export const browserFetcher: WeightsFetcher = async (file, onProgress) => {
  const bytes = await fetchBytes(file.url, onProgress);
  if (file.sha256) {
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
    const hex = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
    if (hex !== file.sha256)
      throw new ZooError(
        `the download of ${file.url} has SHA-256 ${hex}, expected ${file.sha256}; try again`,
      );
  }
  return bytes;
};

/**
 * VGG11 (configuration A of Simonyan & Zisserman), Metalhead.jl's `VGG(11)`: a `tf.LayersModel` with Keras layer
 * names (`block1_conv1` … `block5_pool`, `flatten`, `fc1`, `fc2`, `predictions`), input `[batch, 224, 224, 3]`,
 * output logits (no softmax). 132,863,336 parameters without BatchNorm. Pretrained: torchvision weights.
 *
 * @param options - batchNorm, pretrained, weights, numClasses, includeTop, onProgress
 * @returns the model; dispose it when done
 * @throws {@link ZooError} for impossible combinations, download and format errors
 *
 * @example
 * ```ts
 * const model = await vgg11({ pretrained: true });
 * ```
 */
export function vgg11(options: VggOptions = {}): Promise<tf.LayersModel> {
  return createVgg(11, options, browserFetcher);
}

/**
 * VGG13 (configuration B), as {@link vgg11}; 133,047,848 parameters without BatchNorm.
 *
 * @param options - batchNorm, pretrained, weights, numClasses, includeTop, onProgress
 * @returns the model; dispose it when done
 *
 * @example
 * ```ts
 * const model = await vgg13({ batchNorm: true, pretrained: true });
 * ```
 */
export function vgg13(options: VggOptions = {}): Promise<tf.LayersModel> {
  return createVgg(13, options, browserFetcher);
}

/**
 * VGG16 (configuration D), as {@link vgg11}; 138,357,544 parameters without BatchNorm. Pretrained weights from
 * torchvision (default) or keras-applications (`weights: 'keras'`).
 *
 * @param options - batchNorm, pretrained, weights, numClasses, includeTop, onProgress
 * @returns the model; dispose it when done
 *
 * @example
 * ```ts
 * const model = await vgg16({ pretrained: true });
 * const logits = model.predict(preprocess(image)) as tf.Tensor; // [1, 1000]
 * ```
 */
export function vgg16(options: VggOptions = {}): Promise<tf.LayersModel> {
  return createVgg(16, options, browserFetcher);
}

/**
 * VGG19 (configuration E), as {@link vgg11}; 143,667,240 parameters without BatchNorm. Pretrained weights from
 * torchvision (default) or keras-applications (`weights: 'keras'`).
 *
 * @param options - batchNorm, pretrained, weights, numClasses, includeTop, onProgress
 * @returns the model; dispose it when done
 *
 * @example
 * ```ts
 * const features = await vgg19({ pretrained: true, includeTop: false }); // output [batch, 7, 7, 512]
 * ```
 */
export function vgg19(options: VggOptions = {}): Promise<tf.LayersModel> {
  return createVgg(19, options, browserFetcher);
}
