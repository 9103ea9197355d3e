import { describe, expect, it } from 'vitest';
import { contentProblem, formatOfName, type WeightsFormat } from '../src/formats/check.js';
import { writeSafetensors } from '../src/index.js';

const problem = (bytes: Uint8Array, format: WeightsFormat | undefined) =>
  contentProblem(async (offset, length) => bytes.subarray(offset, offset + length), bytes.byteLength, format);

const safetensors = writeSafetensors(
  new Map([
    ['a', { shape: [2, 3], data: new Float32Array(6) }],
    ['b', { shape: [4], data: new Float32Array([1, 2, 3, 4]) }],
  ]),
  { format: 'pt' },
);

/** A safetensors file with a header of our own making. */
function withHeader(header: unknown, dataBytes: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.byteLength + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  return out;
}

async function hdf5(): Promise<Uint8Array> {
  const { default: h5wasm } = await import('h5wasm');
  const { FS } = await h5wasm.ready;
  const f = new h5wasm.File('/check.h5', 'w');
  f.create_attribute('layer_names', ['dense']);
  f.create_dataset({ name: 'x', data: new Float32Array(500), shape: [500], dtype: '<f' });
  f.close();
  const bytes = FS!.readFile('/check.h5');
  FS!.unlink('/check.h5');
  return bytes;
}

const html = new TextEncoder().encode(
  '\n<!DOCTYPE html>\n<html><head><title>Sign in</title></head></html>\n',
);

describe('contentProblem', () => {
  it('accepts a safetensors file and names the format by file name', async () => {
    expect(await problem(safetensors, 'safetensors')).toBeUndefined();
    expect(formatOfName('/c/timm-vgg16.tv_in1k.safetensors')).toBe('safetensors');
    expect(formatOfName('vgg16.H5')).toBe('hdf5');
    expect(formatOfName('w.bin')).toBeUndefined();
  });

  it('says what arrived instead of a safetensors file', async () => {
    expect(await problem(html, 'safetensors')).toBe(
      "an HTML page (starts with '<!DOCTYPE html>'), expected a safetensors file",
    );
    expect(await problem(new TextEncoder().encode('{"error":"Repository not found"}'), 'safetensors')).toBe(
      `a JSON document (starts with '{"error":"Repository not found…'), expected a safetensors file`,
    );
    expect(await problem(new Uint8Array(0), 'safetensors')).toBe(
      'an empty body, expected a safetensors file',
    );
    expect(await problem(new Uint8Array(5), 'safetensors')).toBe(
      '5 bytes, expected a safetensors file: a safetensors file has at least 8 bytes',
    );
  });

  it('catches a cut-off or inconsistent safetensors file', async () => {
    const cut = safetensors.subarray(0, safetensors.byteLength - 3);
    expect(await problem(cut, 'safetensors')).toBe(
      `${cut.byteLength} bytes, expected a safetensors file: the tensors need 40 bytes of data but the file has 37 (cut off?)`,
    );
    const headerCut = safetensors.subarray(0, 20);
    expect(await problem(headerCut, 'safetensors')).toMatch(
      /announce a header of \d+ bytes, more than the file has/,
    );
    const longer = new Uint8Array(safetensors.byteLength + 4);
    longer.set(safetensors);
    expect(await problem(longer, 'safetensors')).toMatch(/4 bytes after its last tensor/);
    const entry = (offsets: number[], shape = [2]) => ({ dtype: 'F32', shape, data_offsets: offsets });
    expect(await problem(withHeader({ a: entry([0, 8]), b: entry([12, 20]) }, 20), 'safetensors')).toMatch(
      /gap before tensor "b" \(bytes 8 to 12\)/,
    );
    expect(await problem(withHeader({ a: entry([0, 8]), b: entry([4, 12]) }, 12), 'safetensors')).toMatch(
      /tensor "b" overlaps/,
    );
    expect(await problem(withHeader({ a: entry([0, 12]) }, 12), 'safetensors')).toMatch(
      /tensor "a" has 12 bytes for 2 F32 values/,
    );
    expect(
      await problem(withHeader({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 0] } }, 0), 'safetensors'),
    ).toMatch(/no valid shape/);
    // unknown dtypes (sub-byte F4, future ones) are not size-checked, but must still cover the data
    expect(
      await problem(
        withHeader(
          { __metadata__: { format: 'pt' }, a: { dtype: 'F4', shape: [3], data_offsets: [0, 2] } },
          2,
        ),
        'safetensors',
      ),
    ).toBeUndefined();
  });

  it('accepts HDF5 with the signature at 0 or after a user block, and catches a cut-off one', async () => {
    const h5 = await hdf5();
    expect(await problem(h5, 'hdf5')).toBeUndefined();
    const userBlock = new Uint8Array(512 + h5.byteLength);
    userBlock.set(new TextEncoder().encode('a user block of text'));
    userBlock.set(h5, 512);
    expect(await problem(userBlock, 'hdf5')).toBeUndefined();
    const cut = h5.subarray(0, h5.byteLength - 100);
    expect(await problem(cut, 'hdf5')).toBe(
      `${cut.byteLength} bytes, expected an HDF5 (.h5) file: its superblock says it ends at byte ${h5.byteLength} but the file has ${cut.byteLength} (cut off?)`,
    );
    expect(await problem(new Uint8Array(412), 'hdf5')).toBe(
      '412 bytes, expected an HDF5 (.h5) file: it has no HDF5 signature',
    );
    expect(await problem(html, 'hdf5')).toMatch(/^an HTML page .*expected an HDF5 \(\.h5\) file$/);
  });

  it('without a format, rejects only empty bodies and HTML pages', async () => {
    expect(await problem(new Uint8Array([1, 2, 3]), undefined)).toBeUndefined();
    expect(await problem(new TextEncoder().encode('{"a":1}'), undefined)).toBeUndefined();
    expect(await problem(html, undefined)).toMatch(/^an HTML page/);
    expect(await problem(new Uint8Array(0), undefined)).toBe('an empty body');
  });
});
