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
 * `[N, H, W, C]` → `[N, (H−1)·sh + 1, (W−1)·sw + 1, C]`, or with `trim: false` `[N, H·sh, W·sw, C]` (the zeros after
 * the last row and column kept, which saves a crop). The transpose of a strided window op starts here; built from
 * rank-4 pads and reshapes, which every backend runs.
 */
export function insertZeros(t: tf.Tensor4D, sh: number, sw: number, trim = true): tf.Tensor4D {
  if (sh === 1 && sw === 1) return t;
  return tf.tidy(() => {
    const [n, h, w, c] = t.shape;
    let x: tf.Tensor4D = t;
    if (sh > 1)
      x = x
        .reshape([n, h, 1, w * c])
        .pad([
          [0, 0],
          [0, 0],
          [0, sh - 1],
          [0, 0],
        ])
        .reshape([n, h * sh, w, c]);
    const h2 = x.shape[1];
    if (sw > 1)
      x = x
        .reshape([n * h2, w, 1, c])
        .pad([
          [0, 0],
          [0, 0],
          [0, sw - 1],
          [0, 0],
        ])
        .reshape([n, h2, w * sw, c]);
    // with `trim: false` the stride − 1 zero rows and columns after the last ones stay (no crop)
    return trim ? padOrCrop(x, [0, -(sh - 1)], [0, -(sw - 1)]) : x;
  });
}

/** The largest window a crop by convolution uses: beyond it, slicing. */
const CROP_TAPS = 16;

/**
 * Crops the two spatial axes of an NHWC tensor (amounts ≥ 0). TF.js's wasm backend slices in JavaScript after copying
 * the whole input out of its heap (a 113×113×96 crop: 15 ms), so there small crops run as a depthwise convolution
 * with a one-hot window, `valid`, which reads each kept value once, times one (about 2 ms); other backends slice.
 */
function crop(t: tf.Tensor4D, [top, bottom]: [number, number], [left, right]: [number, number]): tf.Tensor4D {
  const [n, h, w, c] = t.shape;
  const [kh, kw] = [top + bottom + 1, left + right + 1];
  if (tf.getBackend() !== 'wasm' || kh * kw > CROP_TAPS || t.dtype !== 'float32')
    return t.slice([0, top, left, 0], [n, h - top - bottom, w - left - right, c]);
  return tf.tidy(() => {
    const window = new Float32Array(kh * kw * c);
    window.fill(1, (top * kw + left) * c, (top * kw + left + 1) * c);
    return tf.depthwiseConv2d(t, tf.tensor4d(window, [kh, kw, c, 1]), 1, 'valid');
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
    const ct = Math.max(-top, 0);
    const cb = Math.max(-bottom, 0);
    const cl = Math.max(-left, 0);
    const cr = Math.max(-right, 0);
    if (ct || cb || cl || cr) x = crop(x, [ct, cb], [cl, cr]);
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
 * The phase grids of an NHWC tensor for strides `[sh, sw]`: grid `(p, q)` holds `t[:, i·sh + p, j·sw + q, :]`, all
 * `[N, ⌈H/sh⌉, ⌈W/sw⌉, C]` (the tensor is first padded with `fill` to multiples of the strides). A strided window's
 * tap `(u, v)` reads a plain slice of grid `(u mod sh, v mod sw)`, at offset `(⌊u/sh⌋, ⌊v/sw⌋)`.
 */
export function phaseGrids(t: tf.Tensor4D, sh: number, sw: number, fill = 0): tf.Tensor4D[][] {
  return tf.tidy(() => {
    const [n, h, w, c] = t.shape;
    const hq = Math.ceil(h / sh) * sh;
    const wq = Math.ceil(w / sw) * sw;
    const full = padOrCrop(t, [0, hq - h], [0, wq - w], fill);
    if (sh === 1 && sw === 1) return [[full]];
    const [hs, ws] = [hq / sh, wq / sw];
    // [N·Hs, sh, Ws, sw·C]: grid (p, q) is one rank-4 slice (TF.js's wasm strided slice is element by element)
    const folded = full.reshape([n * hs, sh, ws, sw * c]);
    return Array.from({ length: sh }, (_, p) =>
      Array.from(
        { length: sw },
        (_, q) => folded.slice([0, p, 0, q * c], [n * hs, 1, ws, c]).reshape([n, hs, ws, c]) as tf.Tensor4D,
      ),
    );
  });
}

/** Below this many channels grids are interleaved by padding rather than stacking. */
const NARROW = 16;

/**
 * The inverse of {@link phaseGrids}: interleaves the grids `[sh][sw]` (each `[N, Hs, Ws, C]`) into
 * `[N, Hs·sh, Ws·sw, C]`, by stacking and reshaping.
 */
export function interleaveGrids(grids: readonly (readonly tf.Tensor4D[])[]): tf.Tensor4D {
  return tf.tidy(() => {
    const sh = grids.length;
    const sw = grids[0]!.length;
    const [n, hs, ws, c] = grids[0]![0]!.shape;
    if (sh === 1 && sw === 1) return grids[0]![0]!.clone();
    // stacking copies c values at a time (in JavaScript on wasm): with few channels, placing each grid by padding
    // and summing is faster (112×112×3 grids: 2.3 ms against 8.4; 56×56×96: 3.1 against 1.1)
    if (c < NARROW)
      return tf
        .addN(
          grids.flatMap((row, p) =>
            row.map((g, q) =>
              g.reshape([n, hs, 1, ws, 1, c]).pad([
                [0, 0],
                [0, 0],
                [p, sh - 1 - p],
                [0, 0],
                [q, sw - 1 - q],
                [0, 0],
              ]),
            ),
          ),
        )
        .reshape([n, hs * sh, ws * sw, c]);
    const rows = grids.map((row) =>
      sw === 1 ? row[0]! : (tf.stack([...row], 3).reshape([n, hs, ws * sw, c]) as tf.Tensor4D),
    );
    return (sh === 1 ? rows[0]! : tf.stack(rows, 2).reshape([n, hs * sh, ws * sw, c])) as tf.Tensor4D;
  });
}
