// Poolings and resizes in float64, NHWC. `same` pooling windows reach into padding that max pooling ignores and
// average pooling leaves out of its count (TF divides each window by its number of valid inputs).

import { type Arr, zeros } from './array.js';
import { type Pad, padsOf } from './conv.js';

export interface PoolGeometry {
  readonly pool: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly padding: Pad;
}

export function pool2d(x: Arr, g: PoolGeometry, max: boolean): Arr {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const ph = padsOf(h, g.pool[0], g.strides[0], 1, g.padding);
  const pw = padsOf(w, g.pool[1], g.strides[1], 1, g.padding);
  const y = zeros([n, ph.out, pw.out, c]);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < ph.out; i++)
      for (let j = 0; j < pw.out; j++)
        for (let ci = 0; ci < c; ci++) {
          let acc = max ? Number.NEGATIVE_INFINITY : 0;
          let count = 0;
          for (let u = 0; u < g.pool[0]; u++) {
            const r = i * g.strides[0] + u - ph.before;
            if (r < 0 || r >= h) continue;
            for (let v = 0; v < g.pool[1]; v++) {
              const q = j * g.strides[1] + v - pw.before;
              if (q < 0 || q >= w) continue;
              const xv = x.data[((b * h + r) * w + q) * c + ci]!;
              acc = max ? Math.max(acc, xv) : acc + xv;
              count++;
            }
          }
          y.data[((b * ph.out + i) * pw.out + j) * c + ci] = max ? acc : acc / count;
        }
  return y;
}

/** Mean or maximum over every axis between the batch and the channels. */
export function globalPool(x: Arr, max: boolean): Arr {
  const n = x.shape[0]!;
  const c = x.shape[x.shape.length - 1]!;
  const positions = x.data.length / (n * c);
  const y = zeros([n, c]);
  for (let b = 0; b < n; b++)
    for (let ci = 0; ci < c; ci++) {
      let acc = max ? Number.NEGATIVE_INFINITY : 0;
      for (let p = 0; p < positions; p++) {
        const xv = x.data[(b * positions + p) * c + ci]!;
        acc = max ? Math.max(acc, xv) : acc + xv;
      }
      y.data[b * c + ci] = max ? acc : acc / positions;
    }
  return y;
}

/** Nearest upsampling: each pixel copied sh × sw times. */
export function upsampleNearest(x: Arr, sh: number, sw: number): Arr {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const y = zeros([n, h * sh, w * sw, c]);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < h * sh; i++)
      for (let j = 0; j < w * sw; j++)
        for (let ci = 0; ci < c; ci++)
          y.data[((b * h * sh + i) * w * sw + j) * c + ci] =
            x.data[((b * h + Math.floor(i / sh)) * w + Math.floor(j / sw)) * c + ci]!;
  return y;
}

/**
 * Bilinear resize as `tf.image.resizeBilinear` without corner alignment or half-pixel centres: output i reads
 * src = i·in/out between rows ⌊src⌋ and min(⌊src⌋ + 1, in − 1) with weights 1 − f, f (f = src − ⌊src⌋).
 */
export function resizeBilinear(x: Arr, oh: number, ow: number): Arr {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const taps = (out: number, size: number) =>
    Array.from({ length: out }, (_, i) => {
      const src = (i * size) / out;
      const lo = Math.floor(src);
      return { lo, hi: Math.min(lo + 1, size - 1), f: src - lo };
    });
  const rows = taps(oh, h);
  const cols = taps(ow, w);
  const y = zeros([n, oh, ow, c]);
  const at = (b: number, r: number, q: number, ci: number) => x.data[((b * h + r) * w + q) * c + ci]!;
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let ci = 0; ci < c; ci++) {
          const { lo: r0, hi: r1, f: fr } = rows[i]!;
          const { lo: q0, hi: q1, f: fc } = cols[j]!;
          const top = (1 - fc) * at(b, r0, q0, ci) + fc * at(b, r0, q1, ci);
          const bottom = (1 - fc) * at(b, r1, q0, ci) + fc * at(b, r1, q1, ci);
          y.data[((b * oh + i) * ow + j) * c + ci] = (1 - fr) * top + fr * bottom;
        }
  return y;
}
