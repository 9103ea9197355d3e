import * as tf from '@tensorflow/tfjs';
import { KindReadError } from '../errors.js';
import type { LayerKind } from '../kind.js';
import { all, configOf } from './common.js';

/**
 * Flatten and Reshape: the values keep their order; the vector-Jacobian product (and relevance) is reshaped back.
 *
 * @example
 * ```ts
 * layerKind('Flatten') === reshape; // true
 * ```
 */
export const reshape: LayerKind = {
  name: 'Reshape',
  classNames: ['Flatten', 'Reshape'],
  groups: ['reshaping'],
  read(layer) {
    const cfg = configOf(layer);
    if (layer.getClassName() === 'Flatten' && (cfg.dataFormat ?? 'channelsLast') !== 'channelsLast')
      throw new KindReadError("Flatten with dataFormat 'channelsFirst' is not supported");
    // TF.js stores an inferred dimension (-1) as null
    const target =
      layer.getClassName() === 'Reshape' ? (cfg.targetShape as (number | null)[]).map((d) => d ?? -1) : null;
    return {
      relevance: { kind: 'route' },
      forward: ([a]) => a!.reshape([a!.shape[0]!, ...(target ?? [-1])]),
      vjp: ([a], _output, s) => [s.reshape(a!.shape)],
      nonNegative: all,
    };
  },
};

/**
 * Permute: reorders the axes after the batch axis (`dims` is 1-based, as in Keras); the vector-Jacobian product
 * applies the inverse permutation.
 *
 * @example
 * ```ts
 * layerKind('Permute') === permute; // true
 * ```
 */
export const permute: LayerKind = {
  name: 'Permute',
  classNames: ['Permute'],
  groups: ['reshaping'],
  read(layer) {
    const dims = configOf(layer).dims as number[];
    const inverse = new Array<number>(dims.length);
    dims.forEach((d, i) => {
      inverse[d - 1] = i + 1;
    });
    return {
      relevance: { kind: 'route' },
      forward: ([a]) => tf.transpose(a!, [0, ...dims]),
      vjp: (_inputs, _output, s) => [tf.transpose(s, [0, ...inverse])],
      nonNegative: all,
    };
  },
};

/**
 * Dropout and the noise layers (SpatialDropout1D/2D, GaussianDropout, GaussianNoise, AlphaDropout): the identity in
 * inference mode.
 *
 * @example
 * ```ts
 * layerKind('GaussianNoise') === identity; // true
 * ```
 */
export const identity: LayerKind = {
  name: 'Identity',
  classNames: [
    'Dropout',
    'SpatialDropout1D',
    'SpatialDropout2D',
    'GaussianDropout',
    'GaussianNoise',
    'AlphaDropout',
  ],
  groups: ['dropout'],
  read: () => ({
    relevance: { kind: 'route' },
    forward: ([a]) => a!.clone(),
    vjp: (_inputs, _output, s) => [s.clone()],
    nonNegative: all,
  }),
};
