import { convertIndexedToRgb, decode as decodePng, hasPngSignature } from 'fast-png';
import jpeg from 'jpeg-js';
import { ZooError } from '../errors.js';

/**
 * Decoded pixels: `width × height` pixels of `channels` 8-bit values each (3 = RGB, 4 = RGBA), row-major.
 * A browser `ImageData` fits (it is RGBA).
 *
 * @example
 * ```ts
 * const pixels: Pixels = { width: 1, height: 1, data: new Uint8Array([255, 0, 0, 255]) }; // one red RGBA pixel
 * ```
 */
export interface Pixels {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** The values, row-major, `channels` per pixel. */
  data: Uint8Array | Uint8ClampedArray;
  /** Values per pixel: 3 (RGB) or 4 (RGBA, the default, as `ImageData`). */
  channels?: 3 | 4;
}

/**
 * Decodes a PNG (any bit depth, grey, palette, alpha; via fast-png) or a baseline/progressive JPEG (via jpeg-js)
 * into RGBA pixels. Runs in Node and browsers.
 *
 * @param bytes - the encoded file
 * @returns RGBA pixels
 * @throws {@link ZooError} for data that is neither PNG nor JPEG, or that the decoder rejects
 *
 * @example
 * ```ts
 * const pixels = decodeImage(new Uint8Array(await (await fetch('castle.jpg')).arrayBuffer()));
 * ```
 */
export function decodeImage(bytes: Uint8Array | ArrayBuffer): Pixels {
  const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  try {
    if (hasPngSignature(data)) return pngToRgba(data);
    if (data[0] === 0xff && data[1] === 0xd8) {
      const img = jpeg.decode(data, { useTArray: true, formatAsRGBA: true });
      return { width: img.width, height: img.height, data: img.data, channels: 4 };
    }
  } catch (e) {
    throw new ZooError(`could not decode the image: ${(e as Error).message ?? e}`);
  }
  throw new ZooError(
    'the data is neither PNG nor JPEG (no PNG signature, no JPEG SOI marker); decode it first',
  );
}

function pngToRgba(data: Uint8Array): Pixels {
  const png = decodePng(data);
  const { width, height } = png;
  const out = new Uint8Array(width * height * 4);
  if (png.palette) {
    const rgb = convertIndexedToRgb(png);
    const ch = png.palette[0]?.length ?? 3;
    for (let p = 0; p < width * height; p++) {
      for (let c = 0; c < 3; c++) out[p * 4 + c] = rgb[p * ch + c]!;
      out[p * 4 + 3] = ch === 4 ? rgb[p * ch + 3]! : 255;
    }
    return { width, height, data: out, channels: 4 };
  }
  const shift = png.depth === 16 ? 8 : 0;
  const scale = png.depth < 8 ? 255 / (2 ** png.depth - 1) : 1;
  const ch = png.channels;
  const src = png.data;
  for (let p = 0; p < width * height; p++) {
    const v = (c: number) => Math.round((src[p * ch + c]! >> shift) * scale);
    const grey = ch <= 2;
    out[p * 4] = v(0);
    out[p * 4 + 1] = grey ? v(0) : v(1);
    out[p * 4 + 2] = grey ? v(0) : v(2);
    out[p * 4 + 3] = ch === 2 ? v(1) : ch === 4 ? v(3) : 255;
  }
  return { width, height, data: out, channels: 4 };
}

/**
 * Loads and decodes a PNG or JPEG from a URL (with `fetch`) or from its bytes. In Node, `loadImage` of
 * `@xai-ts/zoo/node` also reads file paths.
 *
 * @param source - a URL, or the encoded bytes
 * @returns RGBA pixels
 * @throws {@link ZooError} when the fetch fails or the data is neither PNG nor JPEG
 *
 * @example
 * ```ts
 * const input = preprocess(await loadImage('https://example.org/castle.jpg'));
 * ```
 */
export async function loadImage(source: string | Uint8Array | ArrayBuffer): Promise<Pixels> {
  if (typeof source !== 'string') return decodeImage(source);
  let response: Response;
  try {
    response = await fetch(source);
  } catch (e) {
    throw new ZooError(`could not fetch the image ${source}: ${(e as Error).message}`);
  }
  if (!response.ok) throw new ZooError(`fetching the image ${source} answered HTTP ${response.status}`);
  return decodeImage(new Uint8Array(await response.arrayBuffer()));
}
