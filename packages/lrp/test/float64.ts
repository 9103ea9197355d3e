/**
 * An independent float64 formulation of the LRP rules on explicit matrices (Zennit tests its rules the same way):
 * a layer is its Jacobian `M` (outputs × inputs) and bias `b`, built here in plain TypeScript from the kernel, never
 * through TF.js ops.
 */
export type Matrix = number[][];

const stab = (z: number, e: number) => (z >= 0 ? z + e : z - e);
const pos = (v: number) => Math.max(v, 0);
const neg = (v: number) => Math.min(v, 0);
const mapM = (m: Matrix, f: (v: number) => number): Matrix => m.map((row) => row.map(f));
const apply = (m: Matrix, a: number[], b?: number[]) =>
  m.map((row, i) => row.reduce((s, w, j) => s + w * a[j]!, 0) + (b ? b[i % b.length]! : 0));
const applyT = (m: Matrix, s: number[]) => {
  const out = new Array<number>(m[0]!.length).fill(0);
  m.forEach((row, i) => {
    row.forEach((w, j) => {
      out[j]! += w * s[i]!;
    });
  });
  return out;
};

/** The generic step: `R_j = ã_j Σ_i M_ij R_i / stab(z_i, e)`, `z = M ã + b`. */
export function generic(m: Matrix, b: number[] | undefined, a: number[], r: number[], e: number): number[] {
  const z = apply(m, a, b);
  const c = applyT(
    m,
    r.map((ri, i) => ri / stab(z[i]!, e)),
  );
  return a.map((aj, j) => aj * c[j]!);
}

/** Every linear rule by name, in float64. `ones` is the connectivity matrix (the layer with an all-ones kernel). */
export function linearRule(
  rule: string,
  m: Matrix,
  ones: Matrix,
  b: number[] | undefined,
  a: number[],
  r: number[],
): number[] {
  const e = 1e-9;
  const ap = a.map(pos);
  const an = a.map(neg);
  const mp = mapM(m, pos);
  const mn = mapM(m, neg);
  const bp = b?.map(pos);
  const bn = b?.map(neg);
  const add = (u: number[], v: number[]) => u.map((x, i) => x + v[i]!);
  switch (rule) {
    case 'zero':
      return generic(m, b, a, r, e);
    case 'epsilon':
      return generic(m, b, a, r, 0.1);
    case 'gamma':
      return generic(
        mapM(m, (w) => w + 0.25 * pos(w)),
        b?.map((v) => v + 0.25 * pos(v)),
        a,
        r,
        e,
      );
    case 'wsquare':
      return generic(
        mapM(m, (w) => w * w),
        undefined,
        a.map(() => 1),
        r,
        e,
      );
    case 'flat':
      return generic(
        ones,
        undefined,
        a.map(() => 1),
        r,
        e,
      );
    case 'zplus': {
      const z = add(apply(mp, ap, bp), apply(mn, an));
      const s = r.map((ri, i) => ri / stab(z[i]!, e));
      const cp = applyT(mp, s);
      const cn = applyT(mn, s);
      return a.map((_, j) => ap[j]! * cp[j]! + an[j]! * cn[j]!);
    }
    case 'alphabeta': {
      const za = add(apply(mp, ap, bp), apply(mn, an));
      const zb = add(apply(mn, ap, bn), apply(mp, an));
      const sa = r.map((ri, i) => ri / stab(za[i]!, e));
      const sb = r.map((ri, i) => ri / stab(zb[i]!, e));
      const [pa, na, pb, nb] = [applyT(mp, sa), applyT(mn, sa), applyT(mp, sb), applyT(mn, sb)];
      return a.map((_, j) => 2 * (ap[j]! * pa[j]! + an[j]! * na[j]!) - (ap[j]! * nb[j]! + an[j]! * pb[j]!));
    }
    case 'zbox': {
      const l = a.map(() => -1);
      const h = a.map(() => 2);
      const z = apply(m, a).map((v, i) => v - apply(mp, l)[i]! - apply(mn, h)[i]!);
      const s = r.map((ri, i) => ri / stab(z[i]!, e));
      const [c, cp, cn] = [applyT(m, s), applyT(mp, s), applyT(mn, s)];
      return a.map((aj, j) => aj * c[j]! - l[j]! * cp[j]! - h[j]! * cn[j]!);
    }
    case 'generalizedgamma': {
      const gp = mapM(m, (w) => w + 0.25 * pos(w));
      const gn = mapM(m, (w) => w + 0.25 * neg(w));
      const out = apply(m, a, b);
      const zl = add(
        apply(
          gp,
          ap,
          b?.map((v) => v + 0.25 * pos(v)),
        ),
        apply(gn, an),
      );
      const zr = add(
        apply(
          gn,
          ap,
          b?.map((v) => v + 0.25 * neg(v)),
        ),
        apply(gp, an),
      );
      const sl = r.map((ri, i) => (out[i]! > 0 ? ri / stab(zl[i]!, e) : 0));
      const sr = r.map((ri, i) => (out[i]! < 0 ? ri / stab(zr[i]!, e) : 0));
      const [lp, ln, rp, rn] = [applyT(gp, sl), applyT(gn, sl), applyT(gp, sr), applyT(gn, sr)];
      return a.map((_, j) => ap[j]! * (lp[j]! + rn[j]!) + an[j]! * (ln[j]! + rp[j]!));
    }
    default:
      throw new Error(rule);
  }
}

/** A convolution's geometry on one spatial axis. */
interface Axis {
  size: number;
  k: number;
  stride: number;
  dilation: number;
  padding: 'same' | 'valid' | 'causal';
}

function outSize({ size, k, stride, dilation, padding }: Axis): { out: number; before: number } {
  const span = dilation * (k - 1) + 1;
  if (padding === 'valid') return { out: Math.floor((size - span) / stride) + 1, before: 0 };
  if (padding === 'causal') return { out: size, before: span - 1 };
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + span - size, 0);
  return { out, before: Math.floor(total / 2) };
}

/**
 * The matrix of an NHWC convolution for one sample (rows: outputs (oh, ow, o); columns: inputs (h, w, c)).
 * `kernel(u, v, c, o)` gives the weight; for a depthwise convolution pass `multiplier` and the output channel is
 * `c·multiplier + m`.
 */
export function convMatrix(
  h: Axis,
  w: Axis,
  channels: number,
  outChannels: number,
  kernel: (u: number, v: number, c: number, o: number) => number,
  depthwise?: { multiplier: number },
): Matrix {
  const H = outSize(h);
  const W = outSize(w);
  const rows = H.out * W.out * outChannels;
  const cols = h.size * w.size * channels;
  const m: Matrix = Array.from({ length: rows }, () => new Array<number>(cols).fill(0));
  for (let oh = 0; oh < H.out; oh++)
    for (let ow = 0; ow < W.out; ow++)
      for (let u = 0; u < h.k; u++)
        for (let v = 0; v < w.k; v++) {
          const ih = oh * h.stride + u * h.dilation - H.before;
          const iw = ow * w.stride + v * w.dilation - W.before;
          if (ih < 0 || iw < 0 || ih >= h.size || iw >= w.size) continue;
          for (let c = 0; c < channels; c++) {
            const col = (ih * w.size + iw) * channels + c;
            if (depthwise) {
              for (let mm = 0; mm < depthwise.multiplier; mm++) {
                const o = c * depthwise.multiplier + mm;
                m[(oh * W.out + ow) * outChannels + o]![col]! += kernel(u, v, c, mm);
              }
            } else {
              for (let o = 0; o < outChannels; o++)
                m[(oh * W.out + ow) * outChannels + o]![col]! += kernel(u, v, c, o);
            }
          }
        }
  return m;
}

/** The matrix of a Dense layer given its TF.js kernel `[in][out]`. */
export function denseMatrix(kernel: number[][]): Matrix {
  const outs = kernel[0]!.length;
  return Array.from({ length: outs }, (_, i) => kernel.map((row) => row[i]!));
}

export { apply, applyT };
