import * as tf from '@tensorflow/tfjs';
import { APPLICATION_PREPROCESSING, applicationOf } from '../applications/registry.js';
import { ZooError } from '../errors.js';
import type { WeightSource } from '../vgg/sources.js';
import { weightSourceOf } from '../vgg/vgg.js';
import type { Pixels } from './image.js';

/**
 * The modes of Keras's `imagenet_utils.preprocess_input`, each applied to RGB values in [0, 255]:
 * - `caffe`: RGB → BGR, minus the ImageNet channel means (B, G, R) = (103.939, 116.779, 123.68), no scaling;
 * - `tf`: scaled to [-1, 1] (`x / 127.5 − 1`);
 * - `torch`: scaled to [0, 1], minus the ImageNet mean (0.485, 0.456, 0.406), divided by the std (0.229, 0.224, 0.225);
 * - `none`: unchanged (models that preprocess inside, such as Keras's EfficientNet).
 *
 * @example
 * ```ts
 * const mode: PreprocessMode = APPLICATION_PREPROCESSING.ResNet50; // 'caffe'
 * ```
 */
export type PreprocessMode = 'caffe' | 'tf' | 'torch' | 'none';

/**
 * One normalisation: `(bgr ? reverse(x) : x) · scale`, then `(· − mean) / std` per channel (in the output's order).
 *
 * @example
 * ```ts
 * const torch: ChannelNormalization = { bgr: false, scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
 * ```
 */
export interface ChannelNormalization {
  /** Reverse the channels (RGB → BGR) first. */
  bgr: boolean;
  /** The factor applied first. */
  scale: number;
  /** Subtracted per channel after scaling. */
  mean: number[];
  /** Divides per channel last. */
  std: number[];
}

/**
 * Each preprocessing mode as a {@link ChannelNormalization} (Keras's `imagenet_utils.preprocess_input`).
 *
 * @example
 * ```ts
 * PREPROCESS_MODES.tf; // { bgr: false, scale: 1 / 127.5, mean: [1, 1, 1], std: [1, 1, 1] }
 * ```
 */
export const PREPROCESS_MODES: Readonly<Record<PreprocessMode, ChannelNormalization>> = {
  caffe: { bgr: true, scale: 1, mean: [103.939, 116.779, 123.68], std: [1, 1, 1] },
  tf: { bgr: false, scale: 1 / 127.5, mean: [1, 1, 1], std: [1, 1, 1] },
  torch: { bgr: false, scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  none: { bgr: false, scale: 1, mean: [0, 0, 0], std: [1, 1, 1] },
};

/**
 * The normalisation each VGG weight source was trained with, applied to RGB values in [0, 255]: torchvision is
 * Keras's `torch` mode, keras-applications' VGG the `caffe` mode.
 *
 * @example
 * ```ts
 * NORMALIZATION.keras.bgr; // true
 * ```
 */
export const NORMALIZATION: Record<WeightSource, ChannelNormalization> = {
  torchvision: PREPROCESS_MODES.torch,
  keras: PREPROCESS_MODES.caffe,
};

/**
 * Keras's `imagenet_utils.preprocess_input` on a tensor: RGB values in [0, 255] along the last axis, any leading
 * shape, normalised for `mode`.
 *
 * @param x - `[..., 3]` RGB in [0, 255]
 * @param mode - `caffe`, `tf`, `torch` or `none`
 * @returns a new float32 tensor of the same shape; dispose it when done
 * @throws {@link ZooError} for a last axis other than 3, or an unknown mode
 *
 * @example
 * ```ts
 * preprocessInput(tf.tensor([[0, 127.5, 255]]), 'tf').dataSync(); // [-1, 0, 1]
 * ```
 */
export function preprocessInput(x: tf.Tensor, mode: PreprocessMode): tf.Tensor {
  const norm = PREPROCESS_MODES[mode];
  if (!norm)
    throw new ZooError(`unknown preprocessing mode "${String(mode)}"; use 'caffe', 'tf', 'torch' or 'none'`);
  if (x.shape[x.rank - 1] !== 3)
    throw new ZooError(`preprocessInput takes RGB along the last axis, got shape [${x.shape.join(',')}]`);
  return normalize(x, norm);
}

function normalize(x: tf.Tensor, norm: ChannelNormalization): tf.Tensor {
  return tf.tidy(() => {
    let y = tf.mul(tf.cast(x, 'float32'), norm.scale);
    if (norm.bgr) y = tf.reverse(y, -1);
    return tf.div(tf.sub(y, tf.tensor1d(norm.mean)), tf.tensor1d(norm.std));
  });
}

/**
 * Anything {@link preprocess} takes: decoded pixels (or `ImageData`), a `[h, w, 3]` tensor in [0, 255], or a DOM image.
 *
 * @example
 * ```ts
 * const input: ImageInput = decodeImage(bytes);
 * preprocess(input);
 * ```
 */
export type ImageInput =
  | Pixels
  | tf.Tensor3D
  | HTMLImageElement
  | HTMLCanvasElement
  | ImageBitmap
  | OffscreenCanvas;

/**
 * Options of {@link preprocess}.
 *
 * @example
 * ```ts
 * const options: PreprocessOptions = { mode: 'caffe', size: 224, resize: 256 };
 * preprocess(decodeImage(bytes), options);
 * ```
 */
export interface PreprocessOptions {
  /**
   * The weights' source, or the model loaded with them (default `torchvision`): a VGG gets its weights' source, a
   * Keras application its mode of {@link APPLICATION_PREPROCESSING} (by the model's name).
   */
  weights?: WeightSource | tf.LayersModel;
  /** The preprocessing mode; overrides `weights`. */
  mode?: PreprocessMode;
  /** The side of the square output (default 224). */
  size?: number;
  /**
   * The shorter side is resized to this before the centre crop (default: `size`, as Metalhead.jl's
   * `CenterResizeCrop((224, 224))`; torchvision's evaluation transform uses 256).
   */
  resize?: number;
}

/**
 * Prepares an image for an ImageNet model: resizes the shorter side to `resize` (bilinear), crops the centre
 * `size × size` (DataAugmentation.jl's `CenterResizeCrop`, as in the Julia-XAI examples), and normalises for the
 * weights (torchvision: RGB/255, ImageNet mean and std; keras: BGR minus the Caffe means) or the mode.
 *
 * @param image - decoded pixels, `ImageData`, a `[h, w, 3]` tensor in [0, 255], or (in browsers) an image element
 * @param options - weight source or model, output size, resize side
 * @returns `[1, size, size, 3]` float32, ready for `model.predict`; dispose it when done
 * @throws {@link ZooError} for an empty image or bad sizes
 *
 * @example
 * ```ts
 * const model = await vgg16({ pretrained: true });
 * const input = preprocess(decodeImage(bytes), { weights: model }); // [1, 224, 224, 3]
 * ```
 */
export function preprocess(image: ImageInput, options: PreprocessOptions = {}): tf.Tensor4D {
  const size = options.size ?? 224;
  const resize = options.resize ?? size;
  if (!Number.isInteger(size) || size < 1 || !Number.isInteger(resize) || resize < size)
    throw new ZooError(
      `preprocess needs integers size ≥ 1 and resize ≥ size, got size ${size}, resize ${resize}`,
    );
  const norm = normalizationFor(options);
  return tf.tidy(() => {
    const rgb = toTensor(image);
    const cropped = centerResizeCrop(rgb, size, resize);
    return normalize(cropped, norm).expandDims(0) as tf.Tensor4D;
  });
}

/**
 * Resizes an image so that its shorter side is `resize` (bilinear, half-pixel centres) and crops the centre
 * `size × size`.
 *
 * @param image - `[h, w, c]`
 * @param size - the side of the crop
 * @param resize - the shorter side after resizing (default `size`)
 * @returns `[size, size, c]`
 *
 * @example
 * ```ts
 * centerResizeCrop(tf.zeros([480, 640, 3]) as tf.Tensor3D, 224).shape; // [224, 224, 3]
 * ```
 */
export function centerResizeCrop(image: tf.Tensor3D, size: number, resize = size): tf.Tensor3D {
  const [h, w] = image.shape;
  if (h === 0 || w === 0) throw new ZooError(`the image is empty (${h}×${w})`);
  return tf.tidy(() => {
    const scale = resize / Math.min(h, w);
    const nh = Math.max(size, Math.round(h * scale));
    const nw = Math.max(size, Math.round(w * scale));
    const resized = tf.image.resizeBilinear(image, [nh, nw], false, true);
    const top = Math.floor((nh - size) / 2);
    const left = Math.floor((nw - size) / 2);
    return resized.slice([top, left, 0], [size, size, -1]);
  });
}

/** The normalisation `preprocess` applies: the mode, else the model's or the source's. */
function normalizationFor(options: PreprocessOptions): ChannelNormalization {
  if (options.mode !== undefined) {
    const norm = PREPROCESS_MODES[options.mode];
    if (!norm)
      throw new ZooError(
        `unknown preprocessing mode "${String(options.mode)}"; use 'caffe', 'tf', 'torch' or 'none'`,
      );
    return norm;
  }
  const w = options.weights;
  if (w instanceof tf.LayersModel) {
    const source = weightSourceOf(w);
    if (source) return NORMALIZATION[source];
    const app = applicationOf(w);
    return app ? PREPROCESS_MODES[APPLICATION_PREPROCESSING[app]] : NORMALIZATION.torchvision;
  }
  return NORMALIZATION[w ?? 'torchvision'];
}

/** An image as a `[h, w, 3]` float tensor in [0, 255]. */
function toTensor(image: ImageInput): tf.Tensor3D {
  if (image instanceof tf.Tensor) {
    if (image.rank !== 3 || image.shape[2] !== 3)
      throw new ZooError(`preprocess takes a [h, w, 3] tensor, got shape [${image.shape.join(',')}]`);
    return image.toFloat();
  }
  if ('data' in image && typeof image.width === 'number') {
    const { width, height, data } = image;
    const ch = image.channels ?? 4;
    if (data.length !== width * height * ch)
      throw new ZooError(
        `the pixels hold ${data.length} values, not ${width}×${height}×${ch}: give channels (3 or 4) that match the data`,
      );
    const rgb = new Float32Array(width * height * 3);
    for (let p = 0; p < width * height; p++) for (let c = 0; c < 3; c++) rgb[p * 3 + c] = data[p * ch + c]!;
    return tf.tensor3d(rgb, [height, width, 3]);
  }
  return tf.browser.fromPixels(image as HTMLImageElement).toFloat();
}
