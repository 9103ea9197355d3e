import * as tf from '@tensorflow/tfjs';
import { ZooError } from '../errors.js';
import type { WeightSource } from '../vgg/sources.js';
import { weightSourceOf } from '../vgg/vgg.js';
import type { Pixels } from './image.js';

/** The normalisation each weight source was trained with, applied to RGB values in [0, 255]. */
export const NORMALIZATION: Record<
  WeightSource,
  { bgr: boolean; scale: number; mean: number[]; std: number[] }
> = {
  // torchvision: RGB / 255, then (x - mean) / std per channel.
  torchvision: { bgr: false, scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  // keras-applications "caffe" mode: RGB → BGR, minus the Caffe channel means (B, G, R), no scaling.
  keras: { bgr: true, scale: 1, mean: [103.939, 116.779, 123.68], std: [1, 1, 1] },
};

/** Anything {@link preprocess} takes: decoded pixels (or `ImageData`), a `[h, w, 3]` tensor in [0, 255], or a DOM image. */
export type ImageInput =
  | Pixels
  | tf.Tensor3D
  | HTMLImageElement
  | HTMLCanvasElement
  | ImageBitmap
  | OffscreenCanvas;

/** Options of {@link preprocess}. */
export interface PreprocessOptions {
  /** The weights' source, or the model loaded with them (default `torchvision`). */
  weights?: WeightSource | tf.LayersModel;
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
 * weights (torchvision: RGB/255, ImageNet mean and std; keras: BGR minus the Caffe means).
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
  const source =
    options.weights instanceof tf.LayersModel
      ? (weightSourceOf(options.weights) ?? 'torchvision')
      : (options.weights ?? 'torchvision');
  const norm = NORMALIZATION[source];
  return tf.tidy(() => {
    const rgb = toTensor(image);
    const cropped = centerResizeCrop(rgb, size, resize);
    let x = cropped.mul(norm.scale);
    if (norm.bgr) x = x.reverse(-1);
    x = x.sub(tf.tensor1d(norm.mean)).div(tf.tensor1d(norm.std));
    return x.expandDims(0) as tf.Tensor4D;
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
