import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { centerResizeCrop, decodeImage } from '@xai-ts/zoo';
import type { ConceptDataset } from '../dataset.js';
import { DatasetError } from '../errors.js';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

/**
 * Options of {@link folderDataset}.
 *
 * @example
 * ```ts
 * const options: FolderDatasetOptions = { size: [32, 32], preprocess: 'unit' };
 * ```
 */
export interface FolderDatasetOptions {
  /** The model's input height and width: each image's shorter side is resized to fit, and the centre cropped. */
  size: readonly [number, number];
  /**
   * From RGB bytes (`[h, w, 3]`, 0..255) to the model's input: `unit` (÷ 255, the demo model), `raw`, or a
   * function (it owns nothing: return a new tensor). Default `unit`.
   */
  preprocess?: 'unit' | 'raw' | ((rgb: tf.Tensor3D) => tf.Tensor3D);
}

/**
 * A folder of PNG and JPEG images as a {@link ConceptDataset}. With subfolders, each subfolder is a class (labels by
 * subfolder name order, class names the subfolder names) and its images are its samples; otherwise the folder's
 * images are samples without labels. Files are taken in name order; a sample's id is its path in the folder. Images
 * are decoded (the zoo's decoder), resized and centre-cropped (the zoo's `centerResizeCrop`, as the CLI does) when a
 * batch is asked for.
 *
 * @param dir - the folder
 * @param options - the input size and the preprocessing
 * @throws {@link DatasetError} for a folder without images
 * @example
 * ```ts
 * const data = await folderDataset('photos', { size: [32, 32] }); // photos/cat/*.png, photos/dog/*.jpg
 * ```
 */
export async function folderDataset(dir: string, options: FolderDatasetOptions): Promise<ConceptDataset> {
  const [h, w] = options.size;
  const entries = (
    await readdir(dir, { withFileTypes: true }).catch((e: Error) => {
      throw new DatasetError(`cannot read the folder ${dir}: ${e.message}`);
    })
  ).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const isImage = (name: string) => IMAGE_EXTENSIONS.has(extname(name).toLowerCase());
  const classes = entries.filter((e) => e.isDirectory()).map((e) => e.name);
  const files: { path: string; label: number | null }[] = [];
  if (classes.length) {
    for (const [label, cls] of classes.entries()) {
      const inner = (await readdir(join(dir, cls))).filter(isImage).sort();
      for (const f of inner) files.push({ path: join(dir, cls, f), label });
    }
  } else
    for (const e of entries)
      if (e.isFile() && isImage(e.name)) files.push({ path: join(dir, e.name), label: null });
  if (files.length === 0)
    throw new DatasetError(
      `the folder ${dir} has no PNG or JPEG images (directly, or in one subfolder per class)`,
    );
  const prep = options.preprocess ?? 'unit';
  return {
    name: `folder:${dir}`,
    size: files.length,
    inputShape: [h, w, 3],
    ...(classes.length ? { classNames: classes } : {}),
    batch: (indices) =>
      Promise.all(
        indices.map(async (i) => {
          const file = files[i];
          if (!file)
            throw new DatasetError(
              `sample index ${i} is out of range: the folder has ${files.length} images`,
            );
          let pixels: ReturnType<typeof decodeImage>;
          try {
            pixels = decodeImage(new Uint8Array(await readFile(file.path)));
          } catch (e) {
            throw new DatasetError(`cannot read the image ${file.path}: ${(e as Error).message}`);
          }
          const { input, display } = tf.tidy(() => {
            const ch = pixels.channels ?? 4;
            const rgb = new Float32Array(pixels.width * pixels.height * 3);
            for (let p = 0; p < pixels.width * pixels.height; p++)
              for (let c = 0; c < 3; c++) rgb[p * 3 + c] = pixels.data[p * ch + c]!;
            const t = tf.tensor3d(rgb, [pixels.height, pixels.width, 3]);
            const crop = (
              h === w ? centerResizeCrop(t, h) : tf.image.resizeBilinear(t, [h, w], false, true)
            ).clipByValue(0, 255) as tf.Tensor3D;
            const x = prep === 'unit' ? crop.div(255) : prep === 'raw' ? crop : prep(crop);
            return { input: x.dataSync() as Float32Array, display: Uint8Array.from(crop.round().dataSync()) };
          });
          return {
            id: relative(dir, file.path),
            label: file.label,
            input,
            display: { data: display, channels: 3 as const },
          };
        }),
      ),
  };
}
