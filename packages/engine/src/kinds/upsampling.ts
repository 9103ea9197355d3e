import * as tf from '@tensorflow/tfjs';
import { KindReadError } from '../errors.js';
import type { LayerKind } from '../kind.js';
import { all, configOf, pairOf, requireChannelsLast } from './common.js';

/**
 * The interpolation matrix `[out, in]` of TF.js's `resizeBilinear` along one axis (no corner alignment, no
 * half-pixel centres, as the UpSampling2D layer of TF.js calls it): output `i` reads `src = i·in/out` from rows
 * `⌊src⌋` and `min(⌊src⌋ + 1, in − 1)` with weights `1 − f` and `f`.
 */
export function bilinearMatrix(size: number, out: number): Float32Array {
  const m = new Float32Array(out * size);
  const ratio = size / out;
  for (let i = 0; i < out; i++) {
    const src = i * ratio;
    const lo = Math.max(0, Math.floor(src));
    const hi = Math.min(size - 1, Math.ceil(src));
    const f = src - Math.floor(src);
    m[i * size + lo]! += 1 - f;
    m[i * size + hi]! += f;
  }
  return m;
}

/** `matrix` (`[out, in]`) applied along spatial axis `axis` (1: rows, 2: columns) of an NHWC tensor. */
function applyAlong(t: tf.Tensor4D, matrix: tf.Tensor2D, axis: 1 | 2): tf.Tensor4D {
  return tf.tidy(() => {
    // move `axis` first, multiply, move it back
    const [perm, inverse] =
      axis === 1
        ? [
            [1, 0, 2, 3],
            [1, 0, 2, 3],
          ]
        : [
            [2, 0, 1, 3],
            [1, 2, 0, 3],
          ];
    const moved = t.transpose(perm);
    const [d0, ...rest] = moved.shape;
    const product = tf.matMul(matrix, moved.reshape([d0!, -1]) as tf.Tensor2D);
    return product.reshape([matrix.shape[0], ...rest]).transpose(inverse) as tf.Tensor4D;
  });
}

/**
 * UpSampling2D, `nearest` or `bilinear` (TF.js's resize ops, as the layer calls them). Nearest: each input is copied
 * `size` times and its vector-Jacobian product sums the copies (TF.js 4.22's gradient through the layer is wrong for
 * batches of more than one sample). Bilinear: the interpolation matrices' transposes.
 *
 * @example
 * ```ts
 * layerKind('UpSampling2D') === upSampling; // true
 * ```
 */
export const upSampling: LayerKind = {
  name: 'UpSampling2D',
  classNames: ['UpSampling2D'],
  groups: ['upsampling'],
  read(layer) {
    const cfg = configOf(layer);
    requireChannelsLast(cfg);
    const [sh, sw] = pairOf(cfg, 'size', 2);
    const interpolation = cfg.interpolation ?? 'nearest';
    if (interpolation !== 'nearest' && interpolation !== 'bilinear')
      throw new KindReadError(
        `interpolation '${String(interpolation)}' is not supported (nearest, bilinear)`,
      );
    if (interpolation === 'nearest')
      return {
        relevance: { kind: 'function' },
        forward: ([a]) => {
          const [, h, w] = a!.shape as [number, number, number, number];
          return tf.image.resizeNearestNeighbor(a as tf.Tensor4D, [h * sh, w * sw]);
        },
        vjp: ([a], _output, s) => [
          tf.tidy(() => {
            const [n, h, w, c] = a!.shape as [number, number, number, number];
            return s
              .reshape([n * h, sh, w * sw * c])
              .sum(1)
              .reshape([n * h * w, sw, c])
              .sum(1)
              .reshape([n, h, w, c]);
          }),
        ],
        nonNegative: all,
      };
    return {
      relevance: { kind: 'function' },
      forward: ([a]) => {
        const [, h, w] = a!.shape as [number, number, number, number];
        return tf.image.resizeBilinear(a as tf.Tensor4D, [h * sh, w * sw]);
      },
      vjp: ([a], _output, s) => [
        tf.tidy(() => {
          const [, h, w] = a!.shape as [number, number, number, number];
          const rows = tf.tensor2d(bilinearMatrix(h, h * sh), [h * sh, h]).transpose() as tf.Tensor2D;
          const cols = tf.tensor2d(bilinearMatrix(w, w * sw), [w * sw, w]).transpose() as tf.Tensor2D;
          return applyAlong(applyAlong(s as tf.Tensor4D, rows, 1), cols, 2);
        }),
      ],
      nonNegative: all,
    };
  },
};
