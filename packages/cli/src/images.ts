import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { type Heatmap, tensorToImages } from '@xai-ts/heatmap';
import { centerResizeCrop, decodeImage, type Pixels, preprocess } from '@xai-ts/zoo';
import { CliError, oneLine } from './errors.js';
import type { LoadedModel } from './models.js';

/** An image made ready for a model: the input tensor and the picture the model sees, for overlays. */
export interface PreparedImage {
  /** `[1, h, w, c]`, preprocessed for the model. */
  readonly input: tf.Tensor4D;
  /** The resized and cropped image in its true colours, at the model's input size. */
  readonly display: Heatmap;
}

/** The file extensions of the images a folder argument contributes. */
const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['.png', '.jpg', '.jpeg']);

/**
 * The image files that arguments name: a file stands for itself, a folder for its PNG and JPEG files (by extension,
 * in name order, not recursing).
 *
 * @throws {@link CliError} for a missing path, or a folder without PNG or JPEG files
 */
export async function imageFiles(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const found = await stat(path).catch(() => undefined);
    if (!found) throw new CliError(`no image at ${path}`);
    if (found.isFile()) files.push(path);
    else if (found.isDirectory()) {
      const inside = (await readdir(path))
        .filter((f) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase()))
        .sort();
      if (inside.length === 0)
        throw new CliError(
          `the folder ${path} holds no PNG or JPEG images (.png, .jpg, .jpeg); give image files, or a folder that has some`,
        );
      files.push(...inside.map((f) => join(path, f)));
    } else throw new CliError(`${path} is not a file; give PNG or JPEG files`);
  }
  return files;
}

const PNG_END = Buffer.from('IEND');
const JPEG_END = Buffer.from([0xff, 0xd9]);

/** Other image formats by their first bytes, so that a GIF named .png is called a GIF. */
const OTHER_FORMATS: readonly [string, (b: Buffer) => boolean][] = [
  ['a GIF image', (b) => b.subarray(0, 4).toString('latin1') === 'GIF8'],
  [
    'a WebP image',
    (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
  ],
  ['a BMP image', (b) => b.subarray(0, 2).toString('latin1') === 'BM'],
  ['a TIFF image', (b) => ['II*\0', 'MM\0*'].includes(b.subarray(0, 4).toString('latin1'))],
  ['an HEIC or AVIF image', (b) => b.subarray(4, 8).toString('latin1') === 'ftyp'],
];

/** What a file that is neither PNG nor JPEG holds, as far as its first bytes tell. */
function whatItIs(bytes: Buffer): string {
  const other = OTHER_FORMATS.find(([, test]) => test(bytes));
  if (other) return `the file is ${other[0]}; convert it to PNG or JPEG`;
  const head = bytes.subarray(0, 64);
  if (head.every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127)))
    return 'the file holds text; give PNG or JPEG files';
  const hex = [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return `the file starts with the bytes ${hex}; give PNG or JPEG files`;
}

/**
 * Reads and decodes a PNG or JPEG file, so that a damaged image stops the command before a model is loaded. The
 * message says what is wrong with the file: missing, unreadable, empty, another format, truncated, damaged.
 *
 * @throws {@link CliError} naming the file and what to do
 */
export async function readImage(path: string): Promise<Pixels> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`no image at ${path}`);
    if (code === 'EISDIR') throw new CliError(`${path} is not a file; give PNG or JPEG files`);
    throw new CliError(`cannot read the image ${path} (${code ?? oneLine(e)}); check that you may read it`);
  }
  if (bytes.length === 0) throw new CliError(`the image ${path} is empty (0 bytes); give a PNG or JPEG file`);
  const format = bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    ? 'PNG'
    : bytes[0] === 0xff && bytes[1] === 0xd8
      ? 'JPEG'
      : undefined;
  if (!format)
    throw new CliError(`cannot read the image ${path}: it is neither PNG nor JPEG (${whatItIs(bytes)})`);
  let pixels: Pixels;
  try {
    pixels = decodeImage(bytes);
  } catch (e) {
    // a file cut short (an interrupted download or copy) lacks its end marker: PNG's IEND chunk, JPEG's EOI
    const truncated =
      format === 'PNG'
        ? bytes.lastIndexOf(PNG_END) < 0
        : bytes.subarray(Math.max(0, bytes.length - 1024)).lastIndexOf(JPEG_END) < 0;
    const reason = oneLine(e)
      .replace(/^could not decode the image: /, '')
      .replace(/[:\s]+$/, '');
    throw new CliError(
      truncated
        ? `cannot read the image ${path}: the ${format} file is truncated (it ends before its ${format === 'PNG' ? 'IEND chunk' : 'end-of-image marker'}); copy or download it again`
        : `cannot read the image ${path}: the ${format} data is damaged (${reason}); export or download the image again`,
    );
  }
  if (pixels.width === 0 || pixels.height === 0)
    throw new CliError(
      `the image ${path} has no pixels (${pixels.width}×${pixels.height}); give another image`,
    );
  return pixels;
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
 * (stretch to it when the input is not square), then `unit` (/255), `raw`, `tf` (/127.5 − 1), or the zoo's ImageNet
 * `preprocess`.
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
    const scaled =
      loaded.preprocessing === 'unit'
        ? crop.div(255)
        : loaded.preprocessing === 'tf'
          ? crop.div(127.5).sub(1)
          : crop.clone();
    return (c === 1 ? scaled.mean(-1, true) : scaled) as tf.Tensor4D;
  });
  crop.dispose();
  return { input, display: display! };
}
