import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { type Heatmap, tensorToImages } from '@xai-ts/heatmap';
import { centerResizeCrop, type Pixels, preprocess } from '@xai-ts/zoo';
import { loadImage } from '@xai-ts/zoo/node';
import { CliError, oneLine } from './errors.js';
import type { LoadedModel } from './models.js';

/** An image made ready for a model: the input tensor and the picture the model sees, for overlays. */
export interface PreparedImage {
  /** `[1, h, w, c]`, preprocessed for the model. */
  readonly input: tf.Tensor4D;
  /** The resized and cropped image in its true colours, at the model's input size. */
  readonly display: Heatmap;
}

/**
 * Reads and decodes a PNG or JPEG file.
 *
 * @throws {@link CliError} for a missing file or data that is neither PNG nor JPEG
 */
export async function readImage(path: string): Promise<Pixels> {
  let file: Stats;
  try {
    file = await stat(path);
  } catch {
    throw new CliError(`no image at ${path}`);
  }
  if (!file.isFile()) throw new CliError(`${path} is not a file; give PNG or JPEG files`);
  try {
    return await loadImage(path);
  } catch (e) {
    throw new CliError(`cannot read the image ${path}: ${oneLine(e)}`);
  }
}

function rgbTensor(pixels: Pixels): tf.Tensor3D {
  const { width, height, data } = pixels;
  const ch = pixels.channels ?? 4;
  const rgb = new Float32Array(width * height * 3);
  for (let p = 0; p < width * height; p++) for (let c = 0; c < 3; c++) rgb[p * 3 + c] = data[p * ch + c]!;
  return tf.tensor3d(rgb, [height, width, 3]);
}

/**
 * Turns decoded pixels into the model's input: resize the shorter side and crop the centre to the input size
 * (stretch to it when the input is not square), then `unit` (/255), `raw`, or the zoo's ImageNet `preprocess`.
 * One-channel models get the mean of R, G and B.
 */
export function prepareImage(pixels: Pixels, loaded: LoadedModel): PreparedImage {
  const [h, w, c] = loaded.inputSize;
  if (pixels.width === 0 || pixels.height === 0) throw new CliError('the image is empty');
  const crop = tf.tidy(() => {
    const rgb = rgbTensor(pixels);
    const resized = h === w ? centerResizeCrop(rgb, h) : tf.image.resizeBilinear(rgb, [h, w], false, true);
    return resized.clipByValue(0, 255).expandDims(0) as tf.Tensor4D;
  });
  const [display] = tensorToImages(crop, { range: [0, 255] });
  const input = tf.tidy(() => {
    if (loaded.preprocessing === 'torchvision' || loaded.preprocessing === 'keras')
      return preprocess(pixels, { weights: loaded.preprocessing, size: h });
    const scaled = loaded.preprocessing === 'unit' ? crop.div(255) : crop.clone();
    return (c === 1 ? scaled.mean(-1, true) : scaled) as tf.Tensor4D;
  });
  crop.dispose();
  return { input, display: display! };
}
