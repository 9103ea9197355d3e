import * as tf from '@tensorflow/tfjs';
import { AUTODIFF, type FunctionSupport, type LayerConfig, vjpFunction } from './layers.js';

/**
 * The vector-Jacobian product of a max pooling whose windows tile the input (pool size = strides, 'valid'
 * padding, or 'same' padding on a size the pool divides): `s` goes to the first maximum of each window in
 * row-major order, as the gradients of TF.js and PyTorch send it; rows and columns no window covers get 0.
 *
 * It replaces TF.js's `MaxPoolGrad`, which TF.js 4.22's wasm backend gets wrong in windows whose maximum is ≤ 0 (it
 * routes to the first element or nowhere) and computes with a plain loop, by slices, comparisons and concatenations,
 * which are correct on every backend and faster on wasm.
 */
function tiledMaxPoolVjp(a: tf.Tensor4D, s: tf.Tensor4D, kh: number, kw: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = a.shape;
    const [, ho, wo] = s.shape;
    const windows = n * ho * wo;
    const z = tf.maxPool(a, [kh, kw], [kh, kw], 'valid').reshape([windows, 1, c]);
    const tiled = h === ho * kh && w === wo * kw ? a : a.slice([0, 0, 0, 0], [n, ho * kh, wo * kw, c]);
    // [n·ho, kh, wo·kw·c]: a slice along axis 1 is the i-th row of every window, in contiguous runs
    const byRow = tiled.reshape([n * ho, kh, wo * kw * c]);
    const zero = tf.zeros([windows, 1, c]);
    // what is still to route: s, until a window's first maximum (in row-major order) has taken it
    let rest: tf.Tensor = s.reshape([windows, 1, c]);
    const rows: tf.Tensor[] = [];
    for (let i = 0; i < kh; i++) {
      const row = byRow.slice([0, i, 0], [n * ho, 1, wo * kw * c]).reshape([windows, kw, c]);
      const cols: tf.Tensor[] = [];
      for (let j = 0; j < kw; j++) {
        const taken = tf.where(tf.equal(row.slice([0, j, 0], [windows, 1, c]), z), rest, zero);
        cols.push(taken);
        if (i < kh - 1 || j < kw - 1) rest = tf.sub(rest, taken);
      }
      rows.push((kw === 1 ? cols[0]! : tf.concat(cols, 1)).reshape([n * ho, 1, wo * kw * c]));
    }
    const routed = (kh === 1 ? rows[0]! : tf.concat(rows, 1)).reshape([n, ho * kh, wo * kw, c]);
    if (routed.shape[1] === h && routed.shape[2] === w) return routed as tf.Tensor4D;
    return tf.pad(routed, [
      [0, 0],
      [0, h - ho * kh],
      [0, w - wo * kw],
      [0, 0],
    ]) as tf.Tensor4D;
  });
}

function asPair(v: unknown): [number, number] | null {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) {
    if (v.length === 1) return [v[0] as number, v[0] as number];
    if (v.length === 2) return [v[0] as number, v[1] as number];
  }
  return null;
}

/** The window of a max pooling, `[kh, kw]`, when its windows tile the input of `shape` (NHWC); else null. */
function tiledWindow(cfg: LayerConfig, shape: readonly number[], oneD: boolean): [number, number] | null {
  if ((cfg.dataFormat ?? 'channelsLast') !== 'channelsLast') return null;
  const pool = asPair(cfg.poolSize);
  const strides = asPair(cfg.strides ?? cfg.poolSize);
  if (!pool || !strides || pool[0] !== strides[0] || pool[1] !== strides[1]) return null;
  const [kh, kw] = oneD ? [1, pool[0]] : pool;
  const [h, w] = oneD ? [1, shape[1]!] : [shape[1]!, shape[2]!];
  if (cfg.padding === 'same' && (h % kh !== 0 || w % kw !== 0)) return null;
  return [kh, kw];
}

/** MaxPooling2D and MaxPooling1D: the fast tiled route where it applies, TF.js autodiff elsewhere. */
export function maxPoolingSupport(oneD: boolean): FunctionSupport {
  return {
    kind: 'function',
    groups: ['pooling', 'maxPooling'],
    vjp: (layer, inputs, s) => {
      const a = inputs[0]!;
      const window = tiledWindow(layer.getConfig(), a.shape, oneD);
      if (!window) return vjpFunction(AUTODIFF, layer, inputs, s); // overlapping or untiled windows
      if (!oneD) return [tiledMaxPoolVjp(a as tf.Tensor4D, s as tf.Tensor4D, window[0], window[1])];
      return [
        tf.tidy(() =>
          tiledMaxPoolVjp(
            a.expandDims(1) as tf.Tensor4D,
            s.expandDims(1) as tf.Tensor4D,
            window[0],
            window[1],
          ).squeeze([1]),
        ),
      ];
    },
  };
}
