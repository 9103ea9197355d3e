// Value-moving ops and elementwise merges in float64, with explicit index arithmetic.

import { type Arr, sizeOf, stridesOf, unravel, zeros } from './array.js';

/** Pads (positive) or crops (negative) the two spatial axes of an NHWC array with zeros. */
export function padCrop2d(x: Arr, [top, bottom]: [number, number], [left, right]: [number, number]): Arr {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const oh = h + top + bottom;
  const ow = w + left + right;
  const y = zeros([n, oh, ow, c]);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++) {
      const r = i - top;
      if (r < 0 || r >= h) continue;
      for (let j = 0; j < ow; j++) {
        const q = j - left;
        if (q < 0 || q >= w) continue;
        for (let ci = 0; ci < c; ci++)
          y.data[((b * oh + i) * ow + j) * c + ci] = x.data[((b * h + r) * w + q) * c + ci]!;
      }
    }
  return y;
}

/** `y[idx] = x[idx permuted]`: output axis k is input axis perm[k]. */
export function transpose(x: Arr, perm: readonly number[]): Arr {
  const shape = perm.map((p) => x.shape[p]!);
  const xs = stridesOf(x.shape);
  const y = zeros(shape);
  for (let flat = 0; flat < y.data.length; flat++) {
    const idx = unravel(flat, shape);
    let src = 0;
    idx.forEach((v, k) => {
      src += v * xs[perm[k]!]!;
    });
    y.data[flat] = x.data[src]!;
  }
  return y;
}

export function concat(parts: readonly Arr[], axis: number): Arr {
  const rank = parts[0]!.shape.length;
  const ax = axis < 0 ? axis + rank : axis;
  const shape = [...parts[0]!.shape];
  shape[ax] = parts.reduce((t, p) => t + p.shape[ax]!, 0);
  const y = zeros(shape);
  let offset = 0;
  for (const p of parts) {
    for (let flat = 0; flat < p.data.length; flat++) {
      const idx = unravel(flat, p.shape);
      idx[ax]! += offset;
      let dst = 0;
      const ys = stridesOf(shape);
      idx.forEach((v, k) => {
        dst += v * ys[k]!;
      });
      y.data[dst] = p.data[flat]!;
    }
    offset += p.shape[ax]!;
  }
  return y;
}

/** `f(a, b)` with numpy broadcasting of size-1 axes (equal ranks). */
export function broadcast(a: Arr, b: Arr, f: (u: number, v: number) => number): Arr {
  const shape = a.shape.map((d, k) => Math.max(d, b.shape[k]!));
  const as = stridesOf(a.shape);
  const bs = stridesOf(b.shape);
  const y = zeros(shape);
  for (let flat = 0; flat < y.data.length; flat++) {
    const idx = unravel(flat, shape);
    let ia = 0;
    let ib = 0;
    idx.forEach((v, k) => {
      if (a.shape[k] !== 1) ia += v * as[k]!;
      if (b.shape[k] !== 1) ib += v * bs[k]!;
    });
    y.data[flat] = f(a.data[ia]!, b.data[ib]!);
  }
  return y;
}

export function reshape(x: Arr, shape: readonly number[]): Arr {
  const known = shape.filter((d) => d !== -1);
  const resolved = shape.map((d) => (d === -1 ? x.data.length / sizeOf(known) : d));
  if (sizeOf(resolved) !== x.data.length) throw new Error(`cannot reshape [${x.shape}] to [${shape}]`);
  return { shape: resolved, data: x.data.slice() };
}
