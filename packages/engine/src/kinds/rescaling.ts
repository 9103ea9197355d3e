import * as tf from '@tensorflow/tfjs';
import { KindReadError } from '../errors.js';
import type { LayerKind } from '../kind.js';
import { configOf, weightsOf } from './common.js';

/**
 * Rescaling (`y = a·scale + offset`, scale and offset numbers or one per channel) and Normalization (`y = (a − μ)/max(√σ², 1e-7)`, Keras' preprocessing layer,
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
      // A number, or one value per channel (Keras's EfficientNet divides each channel by its own √σ).
      const scale = cfg.scale as number | number[];
      const offset = (cfg.offset as number | number[] | undefined) ?? 0;
      const ok = (v: unknown) =>
        typeof v === 'number' || (Array.isArray(v) && v.length > 0 && v.every((e) => typeof e === 'number'));
      if (!ok(scale) || !ok(offset))
        throw new KindReadError(
          'Rescaling needs a numeric scale and offset (numbers or one number per channel)',
        );
      const [s, o] = [scale, offset].map((v) => (typeof v === 'number' ? v : tf.keep(tf.tensor1d(v)))) as [
        number | tf.Tensor,
        number | tf.Tensor,
      ];
      const min = (v: number | number[]) => (typeof v === 'number' ? v : Math.min(...v));
      return {
        relevance: { kind: 'function' },
        forward: ([a]) => tf.tidy(() => tf.add(tf.mul(a!, s), o)),
        vjp: (_inputs, _output, g) => [tf.mul(g, s)],
        nonNegative: ([x]) => !!x && min(scale) >= 0 && min(offset) >= 0,
        dispose: () => {
          for (const t of [s, o]) if (typeof t !== 'number') t.dispose();
        },
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
