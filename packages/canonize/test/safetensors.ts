import { readFileSync } from 'node:fs';

/** One F32 tensor of a safetensors file. */
export interface StoredTensor {
  readonly shape: number[];
  readonly data: Float32Array;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/**
 * Reads a safetensors file: a u64 little-endian header length, a JSON header
 * `{name: {dtype, shape, data_offsets: [begin, end]}}` (offsets relative to the end of the header), then the data.
 * Only F32 is needed by the reference cases.
 */
export function readSafetensors(path: string): Map<string, StoredTensor> {
  const bytes = readFileSync(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<
    string,
    HeaderEntry
  >;
  const start = 8 + headerLength;
  const out = new Map<string, StoredTensor>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (entry.dtype !== 'F32')
      throw new Error(`${path}: tensor "${name}" is ${entry.dtype}, only F32 is read`);
    const [begin, end] = entry.data_offsets;
    const count = entry.shape.reduce((a, b) => a * b, 1);
    if (end - begin !== count * 4)
      throw new Error(`${path}: tensor "${name}" has ${end - begin} bytes for ${count} floats`);
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = view.getFloat32(start + begin + 4 * i, true);
    out.set(name, { shape: entry.shape, data });
  }
  return out;
}
