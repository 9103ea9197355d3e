import { encode } from 'fast-png';
import type { ConceptSample } from './dataset.js';

/** The largest side of a stored sample picture; larger inputs are shrunk by an integer factor (box average). */
export const THUMBNAIL_SIDE = 128;

/**
 * A small PNG of a sample for the store and the atlas: its `display` pixels when given, else its input scaled from
 * its own min and max to 0..255 (one channel as grey, the first three as RGB), shrunk by an integer factor when a
 * side is above {@link THUMBNAIL_SIDE}.
 */
export function samplePng(
  input: Float32Array,
  shape: readonly [number, number, number],
  display?: ConceptSample['display'],
): Uint8Array {
  const [h, w, c] = shape;
  const rgb = new Uint8Array(h * w * 3);
  if (display) {
    const ch = display.channels;
    for (let p = 0; p < h * w; p++)
      for (let k = 0; k < 3; k++) rgb[p * 3 + k] = display.data[p * ch + k] ?? 0;
  } else {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of input) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const scale = hi > lo ? 255 / (hi - lo) : 0;
    for (let p = 0; p < h * w; p++)
      for (let k = 0; k < 3; k++)
        rgb[p * 3 + k] = Math.round((input[p * c + Math.min(k, c - 1)]! - lo) * scale);
  }
  const f = Math.max(1, Math.ceil(Math.max(h, w) / THUMBNAIL_SIDE));
  if (f === 1) return encode({ width: w, height: h, data: rgb, channels: 3, depth: 8 });
  const [th, tw] = [Math.floor(h / f), Math.floor(w / f)];
  const small = new Uint8Array(th * tw * 3);
  for (let y = 0; y < th; y++)
    for (let x = 0; x < tw; x++)
      for (let k = 0; k < 3; k++) {
        let s = 0;
        for (let dy = 0; dy < f; dy++)
          for (let dx = 0; dx < f; dx++) s += rgb[((y * f + dy) * w + x * f + dx) * 3 + k]!;
        small[(y * tw + x) * 3 + k] = Math.round(s / (f * f));
      }
  return encode({ width: tw, height: th, data: small, channels: 3, depth: 8 });
}
