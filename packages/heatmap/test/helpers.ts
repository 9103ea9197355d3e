import { readFileSync } from 'node:fs';
import type { Heatmap } from '../src/index.js';

/** One tensor of a safetensors file. */
export interface StoredTensor {
  shape: number[];
  data: Float32Array;
}

/** Reads a safetensors file: u64 LE header length, JSON header, raw little-endian float32 data. */
export function readSafetensors(path: string): Map<string, StoredTensor> {
  const bytes = readFileSync(path);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const base = 8 + headerLength;
  const out = new Map<string, StoredTensor>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (entry.dtype !== 'F32') throw new Error(`${name}: dtype ${entry.dtype}`);
    const [begin, end] = entry.data_offsets;
    const data = new Float32Array((end - begin) / 4);
    for (let i = 0; i < data.length; i++) data[i] = bytes.readFloatLE(base + begin + 4 * i);
    out.set(name, { shape: entry.shape, data });
  }
  return out;
}

/** The RGBA value of pixel (x, y). */
export function px(image: Heatmap, x: number, y: number): [number, number, number, number] {
  const o = 4 * (y * image.width + x);
  return [image.data[o]!, image.data[o + 1]!, image.data[o + 2]!, image.data[o + 3]!];
}

/** The RGB values of every pixel, row-major. */
export function rgbOf(image: Heatmap): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < image.data.length; i += 4)
    out.push([image.data[i]!, image.data[i + 1]!, image.data[i + 2]!]);
  return out;
}
