/**
 * Cheap checks that a weights file is what its name says, reading only its header: a download without a pinned
 * digest is checked this way before it is cached, so that an HTML page or a cut-off body never is. The readers in
 * this folder decode whole files (hundreds of MB for VGG); these read a few hundred bytes.
 */

/** The weight file formats whose content can be checked from their header. */
export type WeightsFormat = 'safetensors' | 'hdf5';

/**
 * Reads up to `length` bytes at `offset` of a file (fewer at its end).
 *
 * @example
 * ```ts
 * const readAt: ReadAt = async (offset, length) => bytes.subarray(offset, offset + length);
 * ```
 */
export type ReadAt = (offset: number, length: number) => Promise<Uint8Array>;

/**
 * The format a file name promises: `.safetensors`, or `.h5` / `.hdf5` (HDF5); `undefined` for anything else.
 *
 * @param name - a file name or path
 * @returns the format to check, if any
 *
 * @example
 * ```ts
 * formatOfName('timm-vgg16.tv_in1k.safetensors'); // 'safetensors'
 * formatOfName('vgg16_weights_tf_dim_ordering_tf_kernels.h5'); // 'hdf5'
 * ```
 */
export function formatOfName(name: string): WeightsFormat | undefined {
  if (/\.safetensors$/i.test(name)) return 'safetensors';
  if (/\.(h5|hdf5)$/i.test(name)) return 'hdf5';
  return undefined;
}

/**
 * What is wrong with a file's content, or `undefined` when it looks right: a `safetensors` file needs a consistent
 * header whose tensors cover the file exactly; an `hdf5` file the HDF5 signature (at byte 0, or 512, 1024, … after
 * a user block) and no fewer bytes than its superblock says it has. Without a format only an empty body or an HTML
 * page is wrong. The answer says what arrived, such as `an HTML page (starts with '<!DOCTYPE html'), expected a
 * safetensors file` or `412 bytes, expected a safetensors file: the tensors need 9000 bytes of data but the file has
 * 380 (cut off?)`.
 *
 * @param read - reads bytes of the file
 * @param size - the file's size in bytes
 * @param format - the format the file should have
 * @returns a description of the problem, or `undefined`
 *
 * @example
 * ```ts
 * const bytes = new TextEncoder().encode('<!DOCTYPE html><html>…');
 * await contentProblem(async (o, n) => bytes.subarray(o, o + n), bytes.byteLength, 'safetensors');
 * // "an HTML page (starts with '<!DOCTYPE html><html>…'), expected a safetensors file"
 * ```
 */
export async function contentProblem(
  read: ReadAt,
  size: number,
  format: WeightsFormat | undefined,
): Promise<string | undefined> {
  if (size === 0) return `an empty body${format ? `, expected ${FORMAT_NAMES[format]}` : ''}`;
  const head = await read(0, Math.min(size, 512));
  const text = describeText(head);
  if (format === undefined) return text?.startsWith('an HTML page') ? text : undefined;
  const reason =
    format === 'safetensors' ? await safetensorsProblem(read, size) : await hdf5Problem(read, size);
  if (reason === undefined) return undefined;
  // A page of text explains itself; the format's complaint about its "header" would not.
  if (text) return `${text}, expected ${FORMAT_NAMES[format]}`;
  return `${bytesText(size)}, expected ${FORMAT_NAMES[format]}: ${reason}`;
}

const FORMAT_NAMES: Record<WeightsFormat, string> = {
  safetensors: 'a safetensors file',
  hdf5: 'an HDF5 (.h5) file',
};

function bytesText(size: number): string {
  return size === 1 ? '1 byte' : `${size} bytes`;
}

/** An HTML page, a JSON document or other text, named by how it starts; `undefined` for binary data. */
function describeText(head: Uint8Array): string | undefined {
  for (const b of head) if (b < 0x09 || (b > 0x0d && b < 0x20) || b === 0x7f) return undefined;
  const text = new TextDecoder().decode(head).replace(/^\uFEFF/, '');
  const start = text.trimStart();
  const firstLine = start.split(/\r?\n/)[0]!.trim();
  const quote = `'${firstLine.length > 30 ? `${firstLine.slice(0, 30)}…` : firstLine}'`;
  if (/^<(!doctype\s+html|html|head|body|!--|title|meta)\b/i.test(start) || /<html[\s>]/i.test(start))
    return `an HTML page (starts with ${quote})`;
  if (/^<\?xml/i.test(start)) return `an XML document (starts with ${quote})`;
  if (/^[{[]/.test(start)) return `a JSON document (starts with ${quote})`;
  return `text (starts with ${quote})`;
}

// Bytes per element of the safetensors dtypes; the sub-byte ones (F4, F6_*) are not size-checked.
const DTYPE_BYTES: Record<string, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  F8_E8M0: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
  C64: 8,
};

// The reference implementation refuses larger headers.
const MAX_HEADER_BYTES = 100_000_000;

async function safetensorsProblem(read: ReadAt, size: number): Promise<string | undefined> {
  if (size < 8) return 'a safetensors file has at least 8 bytes';
  const prefix = await read(0, 8);
  const length = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (length > BigInt(Math.min(size - 8, MAX_HEADER_BYTES)))
    return `its first 8 bytes announce a header of ${length} bytes, more than the file has`;
  const headerBytes = Number(length);
  let header: unknown;
  try {
    const json = new TextDecoder('utf-8', { fatal: true }).decode(await read(8, headerBytes));
    if (!json.startsWith('{')) return 'its header is not a JSON object';
    header = JSON.parse(json);
  } catch (e) {
    return `its header is not valid JSON (${(e as Error).message})`;
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    return 'its header is not a JSON object';
  const spans: { name: string; begin: number; end: number }[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const problem = entryProblem(info);
    if (problem) return `tensor "${name}" ${problem}`;
    const [begin, end] = (info as { data_offsets: [number, number] }).data_offsets;
    spans.push({ name, begin, end });
  }
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const s of spans) {
    if (s.begin !== cursor)
      return s.begin > cursor
        ? `its data has a gap before tensor "${s.name}" (bytes ${cursor} to ${s.begin})`
        : `tensor "${s.name}" overlaps the tensor before it`;
    cursor = s.end;
  }
  const data = size - 8 - headerBytes;
  if (cursor > data) return `the tensors need ${cursor} bytes of data but the file has ${data} (cut off?)`;
  if (cursor < data) return `the file has ${data - cursor} bytes after its last tensor`;
  return undefined;
}

function entryProblem(info: unknown): string | undefined {
  if (typeof info !== 'object' || info === null) return 'is not an object';
  const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
  if (typeof dtype !== 'string') return 'has no dtype';
  const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
  if (!Array.isArray(shape) || !shape.every(isCount)) return 'has no valid shape';
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount))
    return 'has no valid data_offsets';
  const [begin, end] = offsets as [number, number];
  if (begin > end) return 'has no valid data_offsets';
  const bytes = DTYPE_BYTES[dtype];
  const count = shape.reduce((a: number, b: number) => a * b, 1);
  if (bytes !== undefined && count * bytes !== end - begin)
    return `has ${end - begin} bytes for ${count} ${dtype} values`;
  return undefined;
}

// The HDF5 superblock signature, at byte 0 or after a user block of 512, 1024, 2048, … bytes.
const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

async function hdf5Problem(read: ReadAt, size: number): Promise<string | undefined> {
  for (let at = 0; at + 8 <= size; at = at === 0 ? 512 : at * 2) {
    const block = await read(at, 64);
    if (!HDF5_SIGNATURE.every((b, i) => block[i] === b)) continue;
    const end = endOfFile(block);
    if (end !== undefined && at + end > size)
      return `its superblock says it ends at byte ${at + end} but the file has ${size} (cut off?)`;
    return undefined;
  }
  return 'it has no HDF5 signature';
}

/** The superblock's end-of-file address (relative to the superblock), when it can be read. */
function endOfFile(block: Uint8Array): number | undefined {
  const version = block[8];
  // Versions 0 and 1 list their addresses after 16 (24) bytes of fields; 2 and 3 after 4 bytes.
  const width = version === 0 || version === 1 ? block[13] : version === 2 || version === 3 ? block[9] : 0;
  if (width !== 2 && width !== 4 && width !== 8) return undefined;
  const at = version === 0 ? 24 + 2 * width : version === 1 ? 28 + 2 * width : 12 + 2 * width;
  if (at + width > block.byteLength) return undefined;
  let value = 0n;
  let undefinedAddress = true;
  for (let i = width - 1; i >= 0; i--) {
    value = (value << 8n) | BigInt(block[at + i]!);
    if (block[at + i] !== 0xff) undefinedAddress = false;
  }
  return undefinedAddress ? undefined : Number(value);
}
