import * as tf from '@tensorflow/tfjs';

/**
 * How a convolution or pooling pads its input, with Keras' names (`causal`: Conv1D only, all padding before the
 * sequence).
 *
 * @example
 * ```ts
 * const padding: Padding = 'same';
 * ```
 */
export type Padding = 'same' | 'valid' | 'causal';

/** A window's geometry along one spatial axis. */
export interface AxisGeometry {
  /** The input's size along the axis. */
  readonly size: number;
  /** The window (kernel) size. */
  readonly k: number;
  readonly stride: number;
  readonly dilation: number;
  readonly padding: Padding;
}

/** Output size and padding of one axis, as TF computes them. */
export interface AxisPads {
  readonly out: number;
  readonly before: number;
  readonly after: number;
}

/**
 * TF's output size and padding of a windowed op along one axis: `same` pads `total = max((out − 1)·s + span − n, 0)`
 * with the smaller half before; `causal` pads `span − 1` before.
 */
export function axisPads({ size, k, stride, dilation, padding }: AxisGeometry): AxisPads {
  const span = dilation * (k - 1) + 1;
  if (padding === 'valid') {
    const out = Math.max(Math.floor((size - span) / stride) + 1, 0);
    return { out, before: 0, after: Math.max((out - 1) * stride + span - size, 0) };
  }
  if (padding === 'causal') {
    const out = Math.ceil(size / stride);
    return { out, before: span - 1, after: Math.max((out - 1) * stride + 1 - size, 0) };
  }
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + span - size, 0);
  const before = Math.floor(total / 2);
  return { out, before, after: total - before };
}

/** A number or a pair, as Keras stores kernel sizes, strides and rates, read as `[h, w]`. */
export function pair(v: unknown, fallback: number): [number, number] {
  if (v === undefined || v === null) return [fallback, fallback];
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) {
    if (v.length === 1) return [v[0] as number, v[0] as number];
    if (v.length >= 2) return [v[0] as number, v[1] as number];
  }
  throw new TypeError(`expected a number or a pair of numbers, got ${JSON.stringify(v)}`);
}

/**
 * Inserts `stride − 1` zeros between the rows (axis 1) and the columns (axis 2) of an NHWC tensor:
 * `[N, H, W, C]` → `[N, (H−1)·sh + 1, (W−1)·sw + 1, C]`. The transpose of a strided window op starts here; built
 * from rank-4 pads and reshapes, which every backend runs.
 */
export function insertZeros(t: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return t;
  return tf.tidy(() => {
    const [n, h, w, c] = t.shape;
    let x: tf.Tensor = t;
    if (sh > 1)
      x = x
        .reshape([n, h, 1, w * c])
        .pad([
          [0, 0],
          [0, 0],
          [0, sh - 1],
          [0, 0],
        ])
        .reshape([n, h * sh, w, c])
        .slice([0, 0, 0, 0], [n, (h - 1) * sh + 1, w, c]);
    const h2 = x.shape[1]!;
    if (sw > 1)
      x = x
        .reshape([n * h2, w, 1, c])
        .pad([
          [0, 0],
          [0, 0],
          [0, sw - 1],
          [0, 0],
        ])
        .reshape([n, h2, w * sw, c])
        .slice([0, 0, 0, 0], [n, h2, (w - 1) * sw + 1, c]);
    return x as tf.Tensor4D;
  });
}

/**
 * Pads (positive amounts) or crops (negative amounts) the two spatial axes of an NHWC tensor.
 */
export function padOrCrop(
  t: tf.Tensor4D,
  [top, bottom]: readonly [number, number],
  [left, right]: readonly [number, number],
  value = 0,
): tf.Tensor4D {
  if (top === 0 && bottom === 0 && left === 0 && right === 0) return t;
  return tf.tidy(() => {
    let x: tf.Tensor4D = t;
    const [n, h, w, c] = x.shape;
    const ct = Math.max(-top, 0);
    const cb = Math.max(-bottom, 0);
    const cl = Math.max(-left, 0);
    const cr = Math.max(-right, 0);
    if (ct || cb || cl || cr) x = x.slice([0, ct, cl, 0], [n, h - ct - cb, w - cl - cr, c]);
    const pt = Math.max(top, 0);
    const pb = Math.max(bottom, 0);
    const pl = Math.max(left, 0);
    const pr = Math.max(right, 0);
    if (pt || pb || pl || pr)
      x = x.pad(
        [
          [0, 0],
          [pt, pb],
          [pl, pr],
          [0, 0],
        ],
        value,
      );
    return x;
  });
}

/**
 * The input values that window tap `(u, v)` reads for every output position of a windowed op, from the padded
 * input `padded` (`[N, Hp, Wp, C]`): `padded[:, oh·sh + u·dh, ow·sw + v·dw, :]`, shaped `[N, Ho, Wo, C]`.
 */
export function windowTap(
  padded: tf.Tensor4D,
  u: number,
  v: number,
  out: readonly [number, number],
  strides: readonly [number, number],
  dilation: readonly [number, number] = [1, 1],
): tf.Tensor4D {
  const [n, , , c] = padded.shape;
  const [ho, wo] = out;
  const [sh, sw] = strides;
  const h0 = u * dilation[0];
  const w0 = v * dilation[1];
  if (sh === 1 && sw === 1) return padded.slice([0, h0, w0, 0], [n, ho, wo, c]);
  return tf.stridedSlice(
    padded,
    [0, h0, w0, 0],
    [n, h0 + (ho - 1) * sh + 1, w0 + (wo - 1) * sw + 1, c],
    [1, sh, sw, 1],
  ) as tf.Tensor4D;
}

/**
 * The transpose of {@link windowTap}: puts `values` (`[N, Ho, Wo, C]`) back where tap `(u, v)` read them, in a
 * zero tensor of the padded input's spatial size `[hp, wp]`.
 */
export function windowScatter(
  values: tf.Tensor4D,
  u: number,
  v: number,
  padded: readonly [number, number],
  strides: readonly [number, number],
  dilation: readonly [number, number] = [1, 1],
): tf.Tensor4D {
  return tf.tidy(() => {
    const spread = insertZeros(values, strides[0], strides[1]);
    const h0 = u * dilation[0];
    const w0 = v * dilation[1];
    return padOrCrop(spread, [h0, padded[0] - h0 - spread.shape[1]], [w0, padded[1] - w0 - spread.shape[2]]);
  });
}
