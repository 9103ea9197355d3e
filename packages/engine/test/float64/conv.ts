// Convolutions in float64 by their defining sums, NHWC. Padding follows TF: `same` pads
// total = max((out − 1)·stride + dilation·(k − 1) + 1 − size, 0), the smaller half before; `causal` pads
// dilation·(k − 1) before.

import { type Arr, zeros } from './array.js';

export type Pad = 'valid' | 'same' | 'causal';

/** Output length and padding before, along one axis. */
export function padsOf(
  size: number,
  k: number,
  stride: number,
  dilation: number,
  padding: Pad,
): { out: number; before: number } {
  const span = dilation * (k - 1) + 1;
  if (padding === 'valid') return { out: Math.floor((size - span) / stride) + 1, before: 0 };
  const out = Math.ceil(size / stride);
  if (padding === 'causal') return { out, before: dilation * (k - 1) };
  const total = Math.max((out - 1) * stride + span - size, 0);
  return { out, before: Math.floor(total / 2) };
}

export interface Geometry {
  readonly strides: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly padding: Pad;
}

/** `y[n,i,j,f] = Σ_{u,v,c} x[n, i·sh + u·dh − top, j·sw + v·dw − left, c] · K[u,v,c,f]` (zero outside x). */
export function conv2d(x: Arr, kernel: Arr, g: Geometry): Arr {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const [kh, kw, kc, f] = kernel.shape as [number, number, number, number];
  if (kc !== c) throw new Error(`kernel for ${kc} channels on ${c}`);
  const ph = padsOf(h, kh, g.strides[0], g.dilation[0], g.padding);
  const pw = padsOf(w, kw, g.strides[1], g.dilation[1], g.padding);
  const y = zeros([n, ph.out, pw.out, f]);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < ph.out; i++)
      for (let j = 0; j < pw.out; j++)
        for (let u = 0; u < kh; u++) {
          const r = i * g.strides[0] + u * g.dilation[0] - ph.before;
          if (r < 0 || r >= h) continue;
          for (let v = 0; v < kw; v++) {
            const q = j * g.strides[1] + v * g.dilation[1] - pw.before;
            if (q < 0 || q >= w) continue;
            for (let ci = 0; ci < c; ci++) {
              const xv = x.data[((b * h + r) * w + q) * c + ci]!;
              const k0 = ((u * kw + v) * c + ci) * f;
              const y0 = ((b * ph.out + i) * pw.out + j) * f;
              for (let o = 0; o < f; o++) y.data[y0 + o]! += xv * kernel.data[k0 + o]!;
            }
          }
        }
  return y;
}

/** Depthwise: kernel `[kh, kw, C, M]`, output channel `c·M + m` reads input channel c only. */
export function depthwiseConv2d(x: Arr, kernel: Arr, g: Geometry): Arr {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const [kh, kw, , m] = kernel.shape as [number, number, number, number];
  const ph = padsOf(h, kh, g.strides[0], g.dilation[0], g.padding);
  const pw = padsOf(w, kw, g.strides[1], g.dilation[1], g.padding);
  const y = zeros([n, ph.out, pw.out, c * m]);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < ph.out; i++)
      for (let j = 0; j < pw.out; j++)
        for (let u = 0; u < kh; u++) {
          const r = i * g.strides[0] + u * g.dilation[0] - ph.before;
          if (r < 0 || r >= h) continue;
          for (let v = 0; v < kw; v++) {
            const q = j * g.strides[1] + v * g.dilation[1] - pw.before;
            if (q < 0 || q >= w) continue;
            for (let ci = 0; ci < c; ci++)
              for (let mi = 0; mi < m; mi++)
                y.data[((b * ph.out + i) * pw.out + j) * c * m + ci * m + mi]! +=
                  x.data[((b * h + r) * w + q) * c + ci]! * kernel.data[((u * kw + v) * c + ci) * m + mi]!;
          }
        }
  return y;
}

/**
 * Conv2DTranspose, kernel `[kh, kw, F, C]`: the adjoint of the convolution (same strides and padding) from an
 * input of length `size·stride` (same) or `size·stride + max(k − stride, 0)` (valid) down to `size`; each input
 * value is scattered through the kernel to the positions that convolution would have read it from.
 */
export function conv2dTranspose(x: Arr, kernel: Arr, strides: readonly [number, number], padding: Pad): Arr {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const [kh, kw, f, kc] = kernel.shape as [number, number, number, number];
  if (kc !== c) throw new Error(`transposed kernel for ${kc} channels on ${c}`);
  const length = (size: number, s: number, k: number) =>
    padding === 'same' ? size * s : size * s + Math.max(k - s, 0);
  const lh = length(h, strides[0], kh);
  const lw = length(w, strides[1], kw);
  const ph = padsOf(lh, kh, strides[0], 1, padding);
  const pw = padsOf(lw, kw, strides[1], 1, padding);
  if (ph.out !== h || pw.out !== w)
    throw new Error('the adjoint convolution does not map back onto the input');
  const y = zeros([n, lh, lw, f]);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++)
        for (let u = 0; u < kh; u++) {
          const p = i * strides[0] + u - ph.before;
          if (p < 0 || p >= lh) continue;
          for (let v = 0; v < kw; v++) {
            const q = j * strides[1] + v - pw.before;
            if (q < 0 || q >= lw) continue;
            for (let ci = 0; ci < c; ci++) {
              const xv = x.data[((b * h + i) * w + j) * c + ci]!;
              for (let o = 0; o < f; o++)
                y.data[((b * lh + p) * lw + q) * f + o]! +=
                  xv * kernel.data[((u * kw + v) * f + o) * c + ci]!;
            }
          }
        }
  return y;
}

/** Adds a bias along the last axis. */
export function addBias(y: Arr, bias: Arr | undefined): Arr {
  if (!bias) return y;
  const f = bias.data.length;
  const out = new Float64Array(y.data.length);
  for (let i = 0; i < out.length; i++) out[i] = y.data[i]! + bias.data[i % f]!;
  return { shape: [...y.shape], data: out };
}

/** `y = a·W` on the last axis (any rank), kernel `[in, out]`. */
export function matmulLast(a: Arr, kernel: Arr): Arr {
  const [k, f] = kernel.shape as [number, number];
  const rows = a.data.length / k;
  const y = zeros([...a.shape.slice(0, -1), f]);
  for (let r = 0; r < rows; r++)
    for (let i = 0; i < k; i++) {
      const av = a.data[r * k + i]!;
      for (let o = 0; o < f; o++) y.data[r * f + o]! += av * kernel.data[i * f + o]!;
    }
  return y;
}

/** A `[N, L, C]` array seen as `[N, 1, L, C]` and back (1-D ops as 2-D ones of height 1). */
export function asImage(a: Arr): Arr {
  return { shape: [a.shape[0]!, 1, ...a.shape.slice(1)], data: a.data };
}
export function asSequence(a: Arr): Arr {
  return { shape: [a.shape[0]!, ...a.shape.slice(2)], data: a.data };
}
