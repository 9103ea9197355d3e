import * as tf from '@tensorflow/tfjs';
import { KindReadError } from '../errors.js';
import type { LayerKind } from '../kind.js';
import { configOf, weightsOf } from './common.js';

/**
 * BatchNormalization in inference mode, on the last axis: `y = a ⊙ scale + shift`, `scale = γ/√(σ² + ϵ)`,
 * `shift = β − μ ⊙ scale`. A parameter-free function for LRP (ZeroRule/EpsilonRule through its elementwise map;
 * PassRule in the presets); `canonize` folds it into the layer before it where it can.
 *
 * @example
 * ```ts
 * layerKind('BatchNormalization') === batchNorm; // true
 * ```
 */
export const batchNorm: LayerKind = {
  name: 'BatchNormalization',
  classNames: ['BatchNormalization'],
  groups: ['normalization'],
  read(layer, ctx) {
    const cfg = configOf(layer);
    const rank = ctx.inputShapes[0]?.length ?? 0;
    const axis = typeof cfg.axis === 'number' ? cfg.axis : Array.isArray(cfg.axis) ? cfg.axis[0] : -1;
    if ((Array.isArray(cfg.axis) && cfg.axis.length !== 1) || (axis !== -1 && axis !== rank - 1))
      throw new KindReadError(
        `BatchNormalization over axis ${JSON.stringify(cfg.axis)} is not supported; normalize the last (channel) axis`,
      );
    const w = weightsOf(layer);
    let i = 0;
    const gamma = cfg.scale !== false ? w[i++]! : null;
    const beta = cfg.center !== false ? w[i++]! : null;
    const mean = w[i++]!;
    const variance = w[i++]!;
    const epsilon = (cfg.epsilon as number | undefined) ?? 1e-3;
    const scale = tf.keep(
      tf.tidy(() => {
        const inv = tf.rsqrt(tf.add(variance, epsilon));
        return gamma ? tf.mul(inv, gamma) : inv;
      }),
    );
    return {
      relevance: { kind: 'function' },
      // the same op as the Keras layer
      forward: ([a]) => tf.batchNorm(a!, mean, variance, beta ?? undefined, gamma ?? undefined, epsilon),
      vjp: (_inputs, _output, s) => [tf.mul(s, scale)],
      dispose: () => scale.dispose(),
    };
  },
};
