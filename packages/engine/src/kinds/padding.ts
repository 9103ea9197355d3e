import type * as tf from '@tensorflow/tfjs';
import { KindReadError } from '../errors.js';
import type { LayerKind } from '../kind.js';
import { padOrCrop } from '../ops/geometry.js';
import { all, configOf, requireChannelsLast } from './common.js';

type Amounts = [[number, number], [number, number]];

/** Keras' padding/cropping amounts (`n`, `[h, w]` or `[[top, bottom], [left, right]]`). */
function amounts(value: unknown, what: string): Amounts {
  const side = (v: unknown): [number, number] => {
    if (typeof v === 'number') return [v, v];
    if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number'))
      return [v[0] as number, v[1] as number];
    throw new KindReadError(`${what} ${JSON.stringify(value)} is not understood`);
  };
  if (typeof value === 'number') return [side(value), side(value)];
  if (Array.isArray(value) && value.length === 2) return [side(value[0]), side(value[1])];
  throw new KindReadError(`${what} ${JSON.stringify(value)} is not understood`);
}

const negate = ([a, b]: [number, number]): [number, number] => [-a, -b];

/**
 * ZeroPadding2D: pads the spatial axes with zeros; relevance and gradients are cropped back (what lands on the
 * border is dropped).
 *
 * @example
 * ```ts
 * layerKind('ZeroPadding2D') === zeroPadding; // true
 * ```
 */
export const zeroPadding: LayerKind = {
  name: 'ZeroPadding2D',
  classNames: ['ZeroPadding2D'],
  groups: ['reshaping'],
  read(layer) {
    const cfg = configOf(layer);
    requireChannelsLast(cfg);
    const [h, w] = amounts(cfg.padding ?? 1, 'padding');
    return {
      relevance: { kind: 'route' },
      forward: ([a]) => padOrCrop(a as tf.Tensor4D, h, w),
      vjp: (_inputs, _output, s) => [padOrCrop(s as tf.Tensor4D, negate(h), negate(w))],
      nonNegative: all,
    };
  },
};

/**
 * Cropping2D: crops the spatial axes; relevance and gradients are padded back with zeros.
 *
 * @example
 * ```ts
 * layerKind('Cropping2D') === cropping; // true
 * ```
 */
export const cropping: LayerKind = {
  name: 'Cropping2D',
  classNames: ['Cropping2D'],
  groups: ['reshaping'],
  read(layer) {
    const cfg = configOf(layer);
    requireChannelsLast(cfg);
    const [h, w] = amounts(cfg.cropping ?? 0, 'cropping');
    return {
      relevance: { kind: 'route' },
      forward: ([a]) => padOrCrop(a as tf.Tensor4D, negate(h), negate(w)),
      vjp: (_inputs, _output, s) => [padOrCrop(s as tf.Tensor4D, h, w)],
      nonNegative: all,
    };
  },
};
