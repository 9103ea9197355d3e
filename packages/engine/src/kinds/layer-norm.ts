import * as tf from '@tensorflow/tfjs';
import type { LayerKind } from '../kind.js';
import { configOf, weightsOf } from './common.js';

/**
 * LayerNormalization: `x̂ = (a − μ)/√(σ² + ϵ)` over the layer's axes (biased variance, per sample), then `γ ⊙ x̂ + β`.
 * The vector-Jacobian product includes the statistics: `(1/σ)(g − mean(g) − x̂ ⊙ mean(g ⊙ x̂))`, `g = γ ⊙ s`.
 * LRP presets give it LayerNormRule; single ZeroRule/EpsilonRule go through this whole Jacobian.
 *
 * @example
 * ```ts
 * layerKind('LayerNormalization') === layerNorm; // true
 * ```
 */
export const layerNorm: LayerKind = {
  name: 'LayerNormalization',
  classNames: ['LayerNormalization'],
  groups: ['normalization'],
  read(layer, ctx) {
    const cfg = configOf(layer);
    const rank = ctx.inputShapes[0]?.length ?? 2;
    const axisCfg = cfg.axis as number | number[] | undefined;
    const axes = (Array.isArray(axisCfg) ? axisCfg : [axisCfg ?? -1]).map((ax) => (ax < 0 ? ax + rank : ax));
    // weights: [gamma?, beta?]; β does not enter the Jacobian
    const gamma = cfg.scale !== false ? weightsOf(layer)[0]! : null;
    const epsilon = (cfg.epsilon as number | undefined) ?? 1e-3;
    // γ and β are stored over the normalized axes only: broadcast them against the input's rank
    const broadcast = (t: tf.Tensor, shape: readonly number[]) =>
      t.reshape(shape.map((d, k) => (axes.includes(k) ? d : 1)));
    return {
      relevance: { kind: 'function' },
      forward: ([a]) => layer.apply(a!, { training: false }) as tf.Tensor,
      vjp: ([a], _output, s) => [
        tf.tidy(() => {
          const x = a!;
          const { mean, variance } = tf.moments(x, axes, true);
          const inv = tf.rsqrt(tf.add(variance, epsilon));
          const xhat = tf.mul(tf.sub(x, mean), inv);
          const g = gamma ? tf.mul(s, broadcast(gamma, x.shape)) : s;
          const meanG = tf.mean(g, axes, true);
          const meanGX = tf.mean(tf.mul(g, xhat), axes, true);
          return tf.mul(inv, tf.sub(tf.sub(g, meanG), tf.mul(xhat, meanGX)));
        }),
      ],
    };
  },
};
