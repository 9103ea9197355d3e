import * as tf from '@tensorflow/tfjs';
import { KindReadError } from '../errors.js';
import type { LayerKind } from '../kind.js';
import { configOf, weightsOf } from './common.js';

/**
 * Rescaling (`y = a·scale + offset`) and Normalization (`y = (a − μ)/max(√σ², 1e-7)`, Keras' preprocessing layer,
 * its statistics from its weights `[mean, variance, count]` or its config): elementwise affine preprocessing inside
 * the model. Parameter-free functions for LRP (PassRule in the presets, as the `normalization` group).
 *
 * @example
 * ```ts
 * layerKind('Rescaling') === preprocessing; // true
 * ```
 */
export const preprocessing: LayerKind = {
  name: 'Preprocessing',
  classNames: ['Rescaling', 'Normalization'],
  groups: ['normalization', 'preprocessing'],
  read(layer) {
    const cfg = configOf(layer);
    if (layer.getClassName() === 'Rescaling') {
      const scale = cfg.scale as number;
      const offset = (cfg.offset as number | undefined) ?? 0;
      if (typeof scale !== 'number' || typeof offset !== 'number')
        throw new KindReadError('Rescaling needs numeric scale and offset');
      return {
        relevance: { kind: 'function' },
        forward: ([a]) => tf.tidy(() => tf.add(tf.mul(a!, scale), offset)),
        vjp: (_inputs, _output, s) => [tf.mul(s, scale)],
        nonNegative: ([x]) => !!x && scale >= 0 && offset >= 0,
      };
    }
    const w = weightsOf(layer);
    const mean = w[0] ?? (cfg.mean !== undefined ? tf.tensor(cfg.mean as number[]) : undefined);
    const variance = w[1] ?? (cfg.variance !== undefined ? tf.tensor(cfg.variance as number[]) : undefined);
    if (!mean || !variance)
      throw new KindReadError('Normalization needs its mean and variance (as weights or in its config)');
    const owned = w[0] ? [] : [mean, variance];
    const inv = tf.keep(tf.tidy(() => tf.reciprocal(tf.maximum(tf.sqrt(variance), 1e-7))));
    return {
      relevance: { kind: 'function' },
      forward: ([a]) => tf.tidy(() => tf.mul(tf.sub(a!, mean), inv)),
      vjp: ([a], _output, s) => [tf.tidy(() => tf.mul(tf.add(tf.zerosLike(a!), s), inv))],
      dispose: () => {
        inv.dispose();
        for (const t of owned) t.dispose();
      },
    };
  },
};
