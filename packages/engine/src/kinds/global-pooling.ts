import * as tf from '@tensorflow/tfjs';
import type { LayerKind, LayerOp } from '../kind.js';
import { all, configOf, requireChannelsLast } from './common.js';

function read(layer: tf.layers.Layer, max: boolean): LayerOp {
  const cfg = configOf(layer);
  requireChannelsLast(cfg);
  const keepDims = cfg.keepDims === true;
  // the spatial axes: 1 for [N, L, C], 1 and 2 for [N, H, W, C]
  const axes = (rank: number) => Array.from({ length: rank - 2 }, (_, i) => i + 1);
  return {
    relevance: { kind: 'function' },
    forward: ([a]) => (max ? tf.max(a!, axes(a!.rank), keepDims) : tf.mean(a!, axes(a!.rank), keepDims)),
    vjp: ([a], _output, s) => [
      tf.tidy(() => {
        const x = a!;
        const c = x.shape[x.rank - 1]!;
        const n = x.shape[0]!;
        const positions = x.size / (n * c);
        const sc = s.reshape([n, ...new Array<number>(x.rank - 2).fill(1), c]);
        if (!max) return tf.add(tf.zerosLike(x), tf.div(sc, positions));
        // the first maximum of each channel (in row-major order) takes all of s
        const flat = x.reshape([n, positions, c]);
        const first = tf.argMax(flat, 1); // [n, c]
        const hot = tf
          .oneHot(first.reshape([-1]), positions)
          .reshape([n, c, positions])
          .transpose([0, 2, 1]);
        return tf.mul(hot, s.reshape([n, 1, c])).reshape(x.shape);
      }),
    ],
    nonNegative: all,
  };
}

/**
 * GlobalAveragePooling1D/2D (with `keepDims` where the layer has it): the mean over the spatial axes.
 *
 * @example
 * ```ts
 * layerKind('GlobalAveragePooling2D') === globalAveragePooling; // true
 * ```
 */
export const globalAveragePooling: LayerKind = {
  name: 'GlobalAveragePooling',
  classNames: ['GlobalAveragePooling1D', 'GlobalAveragePooling2D', 'GlobalAvgPool1D', 'GlobalAvgPool2D'],
  groups: ['pooling', 'averagePooling'],
  read: (layer) => read(layer, false),
};

/**
 * GlobalMaxPooling1D/2D (with `keepDims` where the layer has it): the maximum over the spatial axes; the vector-Jacobian
 * product goes to the first maximum.
 *
 * @example
 * ```ts
 * layerKind('GlobalMaxPooling2D') === globalMaxPooling; // true
 * ```
 */
export const globalMaxPooling: LayerKind = {
  name: 'GlobalMaxPooling',
  classNames: ['GlobalMaxPooling1D', 'GlobalMaxPooling2D', 'GlobalMaxPool1D', 'GlobalMaxPool2D'],
  groups: ['pooling', 'maxPooling'],
  read: (layer) => read(layer, true),
};
