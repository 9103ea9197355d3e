import { WeightsFormatError } from '../errors.js';

/**
 * One tensor read from a weights file: its shape and its values as float32.
 *
 * @example
 * ```ts
 * const t: RawTensor = { shape: [2], data: new Float32Array([1, 2]) };
 * ```
 */
export interface RawTensor {
  shape: number[];
  data: Float32Array;
}

/**
 * Reads a safetensors file (Hugging Face's format: an 8-byte little-endian header length, a JSON header of
 * `{ name: { dtype, shape, data_offsets } }`, then the raw little-endian data) into float32 tensors. F32, F16, BF16
 * and F64 are converted; integer tensors (such as BatchNorm's `num_batches_tracked`) are skipped.
 *
 * @param bytes - the whole file
 * @returns the tensors by name
 * @throws {@link WeightsFormatError} for a truncated or malformed file
 *
 * @example
 * ```ts
 * const tensors = readSafetensors(new Uint8Array(await (await fetch(url)).arrayBuffer()));
 * tensors.get('features.0.weight')?.shape; // [64, 3, 3, 3]
 * ```
 */
export function readSafetensors(bytes: Uint8Array): Map<string, RawTensor> {
  if (bytes.byteLength < 8)
    throw new WeightsFormatError(`a safetensors file has at least 8 bytes, got ${bytes.byteLength}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.byteLength - 8)
    throw new WeightsFormatError(
      `the safetensors header claims ${headerLength} bytes but the file has ${bytes.byteLength}: the file is truncated or not safetensors`,
    );
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch (e) {
    throw new WeightsFormatError(`the safetensors header is not valid JSON (${(e as Error).message})`);
  }
  const base = 8 + headerLength;
  const out = new Map<string, RawTensor>();
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [begin, end] = info.data_offsets;
    if (base + end > bytes.byteLength)
      throw new WeightsFormatError(
        `tensor "${name}" ends at byte ${base + end} but the file has ${bytes.byteLength}`,
      );
    const count = info.shape.reduce((a, b) => a * b, 1);
    const data = decode(
      info.dtype,
      new DataView(bytes.buffer, bytes.byteOffset + base + begin, end - begin),
      count,
    );
    if (data === undefined) continue;
    if (data.length !== count)
      throw new WeightsFormatError(
        `tensor "${name}" has ${end - begin} bytes, not ${count} ${info.dtype} values`,
      );
    out.set(name, { shape: info.shape, data });
  }
  return out;
}

/**
 * Writes float32 tensors as a safetensors file (keys sorted, as the reference implementation does).
 *
 * @param tensors - the tensors by name
 * @param metadata - optional string metadata (`__metadata__`)
 * @returns the file's bytes
 *
 * @example
 * ```ts
 * const bytes = writeSafetensors(new Map([['w', { shape: [2], data: new Float32Array([1, 2]) }]]));
 * ```
 */
export function writeSafetensors(
  tensors: Map<string, RawTensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // align the data to 8 bytes
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.byteLength), true);
  out.set(head, 8);
  let at = 8 + head.byteLength;
  for (const name of names) {
    const t = tensors.get(name)!;
    const le = new Float32Array(t.data.length);
    const dv = new DataView(le.buffer);
    for (let i = 0; i < t.data.length; i++) dv.setFloat32(i * 4, t.data[i]!, true);
    out.set(new Uint8Array(le.buffer), at);
    at += le.byteLength;
  }
  return out;
}

function decode(dtype: string, view: DataView, count: number): Float32Array | undefined {
  const out = new Float32Array(count);
  switch (dtype) {
    case 'F32':
      if (view.byteLength !== count * 4) return new Float32Array(0);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    case 'F64':
      if (view.byteLength !== count * 8) return new Float32Array(0);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
      return out;
    case 'F16':
      if (view.byteLength !== count * 2) return new Float32Array(0);
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
      return out;
    case 'BF16': {
      if (view.byteLength !== count * 2) return new Float32Array(0);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(i * 2, true) << 16;
      return out;
    }
    default:
      return undefined;
  }
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}
