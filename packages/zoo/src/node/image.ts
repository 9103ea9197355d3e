import { readFile } from 'node:fs/promises';
import { ZooError } from '../errors.js';
import { decodeImage, loadImage as loadUrl, type Pixels } from '../imagenet/image.js';

/**
 * Loads and decodes a PNG or JPEG from a file path (or an http(s) URL, or bytes).
 *
 * @param source - a file path, an http(s) URL, or the encoded bytes
 * @returns RGBA pixels, ready for `preprocess`
 * @throws {@link index!ZooError} for a missing file or data that is neither PNG nor JPEG
 *
 * @example
 * ```ts
 * import { preprocess } from '@xai-ts/zoo';
 * import { loadImage } from '@xai-ts/zoo/node';
 * const input = preprocess(await loadImage('castle.jpg')); // [1, 224, 224, 3]
 * ```
 */
export async function loadImage(source: string | Uint8Array | ArrayBuffer): Promise<Pixels> {
  if (typeof source !== 'string' || /^https?:\/\//.test(source)) return loadUrl(source);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(source));
  } catch (e) {
    throw new ZooError(`could not read the image ${source}: ${(e as Error).message}`);
  }
  return decodeImage(bytes);
}
