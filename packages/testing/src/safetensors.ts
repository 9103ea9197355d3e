/** One tensor of a safetensors file. */
export interface StoredTensor {
  readonly shape: number[];
  readonly data: Float32Array;
}

/** Reads a safetensors buffer holding F32 tensors (u64 LE header length, JSON header, little-endian data). */
export function readSafetensors(bytes: Uint8Array): Map<string, StoredTensor> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const base = 8 + headerLength;
  const out = new Map<string, StoredTensor>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (entry.dtype !== 'F32')
      throw new Error(`tensor ${name} has dtype ${entry.dtype}; only F32 is supported`);
    const [begin, end] = entry.data_offsets;
    const data = new Float32Array((end - begin) / 4);
    for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(base + begin + 4 * i, true);
    out.set(name, { shape: entry.shape, data });
  }
  return out;
}
