import * as tf from '@tensorflow/tfjs';
import type { LayerKind, LayerOp } from '../kind.js';
import { transposeByFlip } from '../linear/conv.js';
import { axisPads, interleaveGrids, type Padding, padOrCrop } from '../ops/geometry.js';
import { equalToBound } from '../ops/masks.js';
import { all, configOf, paddingOf, pairOf, requireChannelsLast } from './common.js';

/** A 2-D pooling window (1-D poolings run as 2-D ones of height 1). */
interface Window {
  readonly pool: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
}

function spatialPads(shape: readonly number[], w: Window) {
  const [, h, wd] = shape as [number, number, number, number];
  const ph = axisPads({ size: h, k: w.pool[0], stride: w.strides[0], dilation: 1, padding: w.padding });
  const pw = axisPads({ size: wd, k: w.pool[1], stride: w.strides[1], dilation: 1, padding: w.padding });
  return { ph, pw };
}

/**
 * Max pooling's vector-Jacobian product where the windows tile the input (pool size = strides, no padding needed):
 * `s` goes to the first maximum of each window in row-major order, as the gradients of TF.js and PyTorch send it;
 * rows and columns no window covers get 0. What each tap takes ({@link maxPoolTaps}) is put in place by two
 * concatenations and a reshape: TF.js 4.22's wasm `MaxPoolGrad` is wrong in windows whose maximum is ≤ 0, and slices
 * and transposes are slow on wasm.
 */
function tiledMaxPoolVjp(a: tf.Tensor4D, z: tf.Tensor4D, s: tf.Tensor4D, w: Window): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, wd] = a.shape;
    const [n, ho, wo, c] = s.shape;
    const [kh, kw] = w.pool;
    const taps = maxPoolTaps(a, z, s, w).map((t) => t.reshape([n, ho, 1, wo, 1, c]));
    const rows = Array.from({ length: kh }, (_, u) =>
      kw === 1 ? taps[u]! : tf.concat(taps.slice(u * kw, (u + 1) * kw), 4),
    );
    const routed = (kh === 1 ? rows[0]! : tf.concat(rows, 2)).reshape([
      n,
      ho * kh,
      wo * kw,
      c,
    ]) as tf.Tensor4D;
    return padOrCrop(routed, [0, h - ho * kh], [0, wd - wo * kw]);
  });
}

/**
 * The input value each tap of the windows reads, at output size, and where the tap reads padding (null where it
 * never does). A depthwise convolution with a one-hot window per tap: on wasm a gather by slices or phase grids costs
 * some twenty times as much. Exact for finite inputs (one product by 1, the others by 0).
 */
function tapReader(shape: readonly number[], w: Window) {
  const [, h, wd, c] = shape as [number, number, number, number];
  const [kh, kw] = w.pool;
  const [sh, sw] = w.strides;
  const { ph, pw } = spatialPads(shape, w);
  const padding = w.padding as 'same' | 'valid';
  const reads = (u: number, v: number) => {
    const rows = Array.from({ length: ph.out }, (_, i) => i * sh - ph.before + u);
    const cols = Array.from({ length: pw.out }, (_, j) => j * sw - pw.before + v);
    if (rows.every((r) => r >= 0 && r < h) && cols.every((q) => q >= 0 && q < wd)) return null;
    const valid = new Float32Array(ph.out * pw.out);
    rows.forEach((r, i) => {
      cols.forEach((q, j) => {
        valid[i * pw.out + j] = r >= 0 && r < h && q >= 0 && q < wd ? 1 : 0;
      });
    });
    return tf.tensor4d(valid, [1, ph.out, pw.out, 1], 'float32');
  };
  return (a: tf.Tensor4D, u: number, v: number): { value: tf.Tensor4D; valid: tf.Tensor4D | null } => {
    const window = new Float32Array(kh * kw * c);
    window.fill(1, (u * kw + v) * c, (u * kw + v + 1) * c);
    const value = tf.depthwiseConv2d(a, tf.tensor4d(window, [kh, kw, c, 1]), w.strides, padding);
    return { value, valid: reads(u, v) };
  };
}

/**
 * What each tap of a max pooling's windows takes of `s` (the taps in row-major order): where the input the tap reads
 * is the window's maximum, what the window has left, so each window's `s` goes to its first maximum. Padding never
 * takes anything.
 */
function maxPoolTaps(a: tf.Tensor4D, z: tf.Tensor4D, s: tf.Tensor4D, w: Window): tf.Tensor4D[] {
  const [kh, kw] = w.pool;
  const read = tapReader(a.shape, w);
  return tf.tidy(() => {
    const taps: tf.Tensor4D[] = [];
    let rest: tf.Tensor4D = s;
    for (let u = 0; u < kh; u++)
      for (let v = 0; v < kw; v++) {
        const tap = read(a, u, v);
        // 1 where the tap holds the window's maximum (tap ≤ z), as arithmetic: equal and where are slow on wasm
        const equal = equalToBound(tap.value, z);
        const isMax = tap.valid ? tf.mul(equal, tap.valid) : equal;
        const taken = tf.mul(rest, isMax) as tf.Tensor4D;
        if (u < kh - 1 || v < kw - 1) rest = tf.sub(rest, taken);
        taps.push(taken);
      }
    return taps;
  });
}

/** The transpose of the taps: puts what each tap took back where it read, summing over windows. */
function scatterTaps(taps: readonly tf.Tensor4D[], shape: readonly number[], w: Window): tf.Tensor4D {
  const kw = w.pool[1];
  const [sh, sw] = w.strides;
  const { ph, pw } = spatialPads(shape, w);
  return tf.tidy(() => {
    const [n, h, wd, c] = shape as [number, number, number, number];
    const [hs, ws] = [
      Math.ceil((h + ph.before + ph.after) / sh),
      Math.ceil((wd + pw.before + pw.after) / sw),
    ];
    const acc: (tf.Tensor4D | undefined)[][] = Array.from({ length: sh }, () =>
      new Array(sw).fill(undefined),
    );
    taps.forEach((taken, t) => {
      const [u, v] = [Math.floor(t / kw), t % kw];
      const [p, q, du, dv] = [u % sh, v % sw, Math.floor(u / sh), Math.floor(v / sw)];
      const back = padOrCrop(taken, [du, hs - ph.out - du], [dv, ws - pw.out - dv]);
      acc[p]![q] = acc[p]![q] ? tf.add(acc[p]![q]!, back) : back;
    });
    const routed = interleaveGrids(
      acc.map((row) => row.map((g) => g ?? (tf.zeros([n, hs, ws, c]) as tf.Tensor4D))),
    );
    const [, hq, wq] = routed.shape;
    return padOrCrop(routed, [-ph.before, -(hq - ph.before - h)], [-pw.before, -(wq - pw.before - wd)]);
  });
}

/** Max pooling's vector-Jacobian product for any window: each window's `s` goes to its first maximum. */
function maxPoolVjp(a: tf.Tensor4D, z: tf.Tensor4D, s: tf.Tensor4D, w: Window): tf.Tensor4D {
  const [kh, kw] = w.pool;
  const { ph, pw } = spatialPads(a.shape, w);
  if (w.padding === 'valid' || (ph.before + ph.after === 0 && pw.before + pw.after === 0))
    if (kh === w.strides[0] && kw === w.strides[1]) return tiledMaxPoolVjp(a, z, s, w);
  return tf.tidy(() => scatterTaps(maxPoolTaps(a, z, s, w), a.shape, w));
}

/** The number of valid (non-padding) inputs of each window, `[1, Ho, Wo, 1]`: TF divides by it. */
function windowCounts(shape: readonly number[], w: Window): tf.Tensor4D {
  const { ph, pw } = spatialPads(shape, w);
  const [, h, wd] = shape as [number, number, number, number];
  const count = (out: number, size: number, k: number, stride: number, before: number) =>
    Array.from({ length: out }, (_, o) => {
      const start = o * stride - before;
      return Math.min(start + k, size) - Math.max(start, 0);
    });
  const rows = count(ph.out, h, w.pool[0], w.strides[0], ph.before);
  const cols = count(pw.out, wd, w.pool[1], w.strides[1], pw.before);
  const data = new Float32Array(ph.out * pw.out);
  rows.forEach((r, i) => {
    cols.forEach((c, j) => {
      data[i * pw.out + j] = r * c;
    });
  });
  return tf.tensor4d(data, [1, ph.out, pw.out, 1]);
}

/**
 * Average pooling's vector-Jacobian product: each window hands `s / count` to every valid input it covers (`count`
 * the number of valid inputs, as TF's forward pass divides: TF.js 4.22's own gradient divides border windows of
 * `same` poolings by the full window size, which is wrong). A depthwise correlation of the zero-inserted
 * `s / count` with a window of ones.
 */
function avgPoolVjp(shape: readonly number[], s: tf.Tensor4D, w: Window): tf.Tensor4D {
  return tf.tidy(() => {
    const c = shape[3]!;
    const scaled = tf.div(s, windowCounts(shape, w)) as tf.Tensor4D;
    const ones = tf.ones([w.pool[0], w.pool[1], c, 1]) as tf.Tensor4D;
    return transposeByFlip(
      scaled,
      shape,
      w.pool,
      { strides: w.strides, dilation: [1, 1], padding: w.padding },
      (p) => tf.depthwiseConv2d(p, ones, 1, 'valid'),
    );
  });
}

function read(layer: tf.layers.Layer, max: boolean): LayerOp {
  const cfg = configOf(layer);
  requireChannelsLast(cfg);
  const oneD = layer.getClassName().endsWith('1D');
  const [p] = pairOf(cfg, 'poolSize', 2);
  const pool = oneD ? ([1, p] as [number, number]) : pairOf(cfg, 'poolSize', 2);
  const stridesRaw = cfg.strides ?? cfg.poolSize;
  const strides2 = pairOf({ strides: stridesRaw }, 'strides', pool[1]);
  const w: Window = {
    pool,
    strides: oneD ? [1, strides2[0]] : strides2,
    padding: paddingOf(cfg),
  };
  const to4 = (t: tf.Tensor) => (oneD ? t.expandDims(1) : t) as tf.Tensor4D;
  const from4 = (t: tf.Tensor) => (oneD ? t.squeeze([1]) : t);
  const padding = w.padding as 'same' | 'valid';
  return {
    relevance: { kind: 'function' },
    forward: ([a]) =>
      tf.tidy(() =>
        from4(
          max
            ? tf.maxPool(to4(a!), w.pool, w.strides, padding)
            : tf.avgPool(to4(a!), w.pool, w.strides, padding),
        ),
      ),
    vjp: ([a], output, s) => [
      tf.tidy(() =>
        from4(max ? maxPoolVjp(to4(a!), to4(output), to4(s), w) : avgPoolVjp(to4(a!).shape, to4(s), w)),
      ),
    ],
    // the expected route: how often each tap held its window's first maximum
    ...(max
      ? {
          expected: {
            sample: ([a]: readonly tf.Tensor[], output: tf.Tensor) =>
              tf.tidy(() => {
                const z = to4(output);
                return maxPoolTaps(to4(a!), z, tf.onesLike(z) as tf.Tensor4D, w);
              }),
            vjp: (means: readonly tf.Tensor[], [a]: readonly tf.Tensor[], s: tf.Tensor) => [
              tf.tidy(() => {
                const s4 = to4(s);
                return from4(
                  scatterTaps(
                    means.map((m) => tf.mul(m, s4) as tf.Tensor4D),
                    to4(a!).shape,
                    w,
                  ),
                );
              }),
            ],
          },
        }
      : {}),
    nonNegative: all,
  };
}

/**
 * MaxPooling1D and MaxPooling2D (any window, stride and padding). The vector-Jacobian product sends each window's
 * `s` to its first maximum in row-major order, as TF.js's and PyTorch's gradients do.
 *
 * @example
 * ```ts
 * layerKind('MaxPooling2D') === maxPooling; // true
 * ```
 */
export const maxPooling: LayerKind = {
  name: 'MaxPooling',
  classNames: ['MaxPooling1D', 'MaxPooling2D', 'MaxPool1D', 'MaxPool2D'],
  groups: ['pooling', 'maxPooling'],
  read: (layer) => read(layer, true),
};

/**
 * AveragePooling1D and AveragePooling2D (any window, stride and padding; `same` windows divide by their number of
 * valid inputs, as TF does).
 *
 * @example
 * ```ts
 * layerKind('AveragePooling2D') === averagePooling; // true
 * ```
 */
export const averagePooling: LayerKind = {
  name: 'AveragePooling',
  classNames: ['AveragePooling1D', 'AveragePooling2D', 'AvgPool1D', 'AvgPool2D'],
  groups: ['pooling', 'averagePooling'],
  read: (layer) => read(layer, false),
};
