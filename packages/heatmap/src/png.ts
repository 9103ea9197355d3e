import { readFile, writeFile } from 'node:fs/promises';
import { convertIndexedToRgb, decode, encode } from 'fast-png';
import { HeatmapShapeError } from './errors.js';
import { checkImage, type Heatmap } from './image.js';

/**
 * Encodes an RGBA image as PNG bytes (8-bit RGBA, via fast-png).
 *
 * @example
 * ```ts
 * const bytes = encodePNG(map);
 * response.end(bytes);
 * ```
 */
export function encodePNG(image: Heatmap): Uint8Array {
  checkImage(image, 'the image to encode');
  return encode({ width: image.width, height: image.height, data: image.data, channels: 4, depth: 8 });
}

/**
 * Decodes PNG bytes into an 8-bit RGBA image, whatever the PNG's colour type (grey, grey+alpha, RGB, RGBA,
 * palette) and bit depth (16-bit channels keep their high byte).
 *
 * @throws `HeatmapShapeError` (from `@xai-ts/heatmap`) when the bytes are not a PNG fast-png can read
 *
 * @example
 * ```ts
 * const img = decodePNG(await readFile('castle.png'));
 * ```
 */
export function decodePNG(bytes: Uint8Array | ArrayBuffer): Heatmap {
  let png: ReturnType<typeof decode>;
  try {
    png = decode(bytes);
  } catch (e) {
    throw new HeatmapShapeError(`cannot decode the PNG: ${e instanceof Error ? e.message : String(e)}`);
  }
  const { width, height } = png;
  let data = png.data;
  let channels = png.channels;
  let depth = png.depth;
  if (png.palette) {
    data = convertIndexedToRgb(png);
    channels = png.palette[0]?.length ?? 3;
    depth = 8;
  }
  const out = new Uint8ClampedArray(width * height * 4);
  const shift = depth === 16 ? 8 : 0;
  const scale = depth < 8 ? 255 / ((1 << depth) - 1) : 1;
  const at = (i: number) => Math.round((data[i]! >> shift) * scale);
  for (let p = 0; p < width * height; p++) {
    const s = p * channels;
    const o = 4 * p;
    if (channels <= 2) {
      out[o] = out[o + 1] = out[o + 2] = at(s);
      out[o + 3] = channels === 2 ? at(s + 1) : 255;
    } else {
      out[o] = at(s);
      out[o + 1] = at(s + 1);
      out[o + 2] = at(s + 2);
      out[o + 3] = channels === 4 ? at(s + 3) : 255;
    }
  }
  return { width, height, data: out };
}

/**
 * Writes an RGBA image (a heatmap, overlay or montage) to a PNG file.
 *
 * @example
 * ```ts
 * const maps = heatmap(expl);
 * await Promise.all(maps.map((m, i) => writePNG(`heatmap-${i}.png`, m)));
 * ```
 */
export async function writePNG(path: string, image: Heatmap): Promise<void> {
  await writeFile(path, encodePNG(image));
}

/**
 * Reads a PNG file as an 8-bit RGBA image (see {@link decodePNG}).
 *
 * @example
 * ```ts
 * const img = await readPNG('castle.png');
 * const blended = overlay(resizeImage(map, img.width, img.height), img);
 * ```
 */
export async function readPNG(path: string): Promise<Heatmap> {
  return decodePNG(await readFile(path));
}
