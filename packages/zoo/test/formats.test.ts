import { describe, expect, it } from 'vitest';
import { WeightsFormatError } from '../src/errors.js';
import { readSafetensors, writeSafetensors } from '../src/formats/safetensors.js';

/** A safetensors file assembled by hand: header JSON, then the raw bytes, as the format specifies. */
function handmade(header: Record<string, unknown>, data: number[]): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('safetensors', () => {
  it('round-trips float32 tensors and keeps metadata out of the tensors', () => {
    const tensors = new Map([
      ['b', { shape: [2, 2], data: new Float32Array([1, -2, 3.5, 1e-8]) }],
      ['a.weight', { shape: [3], data: new Float32Array([0, 0.25, -7]) }],
    ]);
    const bytes = writeSafetensors(tensors, { format: 'pt' });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLength) % 8).toBe(0);
    const back = readSafetensors(bytes);
    expect([...back.keys()].sort()).toEqual(['a.weight', 'b']);
    expect(back.get('b')).toEqual(tensors.get('b'));
    expect(back.get('a.weight')).toEqual(tensors.get('a.weight'));
  });

  it('converts F16, BF16 and F64, and skips integer tensors such as num_batches_tracked', () => {
    // F16 0x3c00 = 1, 0xc000 = -2; BF16 0x3f80 = 1, 0x4049 = 3.140625; F64 0.5; I64 7.
    const f64 = new Uint8Array(new Float64Array([0.5]).buffer);
    const bytes = handmade(
      {
        h: { dtype: 'F16', shape: [2], data_offsets: [0, 4] },
        bf: { dtype: 'BF16', shape: [2], data_offsets: [4, 8] },
        d: { dtype: 'F64', shape: [1], data_offsets: [8, 16] },
        'features.1.num_batches_tracked': { dtype: 'I64', shape: [], data_offsets: [16, 24] },
      },
      [0x00, 0x3c, 0x00, 0xc0, 0x80, 0x3f, 0x49, 0x40, ...f64, 7, 0, 0, 0, 0, 0, 0, 0],
    );
    const t = readSafetensors(bytes);
    expect(Array.from(t.get('h')!.data)).toEqual([1, -2]);
    expect(Array.from(t.get('bf')!.data)).toEqual([1, 3.140625]);
    expect(Array.from(t.get('d')!.data)).toEqual([0.5]);
    expect(t.has('features.1.num_batches_tracked')).toBe(false);
  });

  it('rejects truncated and malformed files', () => {
    expect(() => readSafetensors(new Uint8Array(3))).toThrow(WeightsFormatError);
    const big = new Uint8Array(16);
    new DataView(big.buffer).setBigUint64(0, 1000n, true);
    expect(() => readSafetensors(big)).toThrow(/claims 1000 bytes/);
    expect(() => readSafetensors(handmade({ x: 1 }, []).subarray(0, 10))).toThrow(WeightsFormatError);
    const short = handmade({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, [0, 0, 0, 0]);
    expect(() => readSafetensors(short)).toThrow(/ends at byte/);
  });
});
