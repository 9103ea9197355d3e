import * as tf from '@tensorflow/tfjs';
import { DEFAULT_STABILIZER, stabilize } from '../stabilize.js';
import { type Propagator, Rule, type RuleLayer } from './rule.js';
import type { RuleSpec } from './spec.js';

/**
 * LRP for LayerNormalization (Ali et al. 2022, RelevancePropagation.jl's `LayerNormRule`): the normalization's
 * scaling is treated as constant and the centring `z = a − mean(a)` is explained with LRP-0,
 * `R_in = a ⊙ (s − mean(s))`, `s = R' / stab(z)`; where the layer has a scale or offset, `R'` first comes back
 * through that affine part with LRP-0, `R' = x̂ ⊙ γ ⊙ R / stab(γ ⊙ x̂ + β)`, `x̂ = (a − μ)/√(σ² + ϵ)` as the Keras
 * layer normalizes. Only compatible with LayerNormalization.
 *
 * @example
 * ```ts
 * new GlobalTypeMap([['LayerNormalization', new LayerNormRule()]]);
 * ```
 */
export class LayerNormRule extends Rule {
  /** {@inheritDoc Rule.toString} */
  toString(): string {
    return 'LayerNormRule()';
  }
  /** Compatible with LayerNormalization only. */
  override isCompatible(layer: RuleLayer): boolean {
    return layer.node.className === 'LayerNormalization';
  }
  /** {@inheritDoc Rule.prepare} */
  override prepare(layer: RuleLayer): Propagator {
    const cfg = layer.node.layer.getConfig();
    const weights = layer.node.layer.getWeights();
    let i = 0;
    const gamma = cfg.scale !== false ? weights[i++]! : null;
    const beta = cfg.center !== false ? weights[i++]! : null;
    const epsilon = (cfg.epsilon as number | undefined) ?? 1e-3;
    const axisCfg = cfg.axis as number | number[] | undefined;
    return {
      propagate: ({ inputs, relevance }) => {
        const a = inputs[0]!;
        const axes = (Array.isArray(axisCfg) ? axisCfg : [axisCfg ?? -1]).map((ax) =>
          ax < 0 ? ax + a.rank : ax,
        );
        const along = (t: tf.Tensor) => t.reshape(a.shape.map((d, k) => (axes.includes(k) ? d : 1)));
        const { mean, variance } = tf.moments(a, axes, true);
        const z = tf.sub(a, mean);
        let r = relevance;
        if (gamma || beta) {
          const an = tf.div(z, tf.sqrt(tf.add(variance, epsilon)));
          const scaled = gamma ? tf.mul(an, along(gamma)) : an;
          const y = beta ? tf.add(scaled, along(beta)) : scaled;
          r = tf.div(tf.mul(scaled, relevance), stabilize(y, DEFAULT_STABILIZER));
        }
        const s = tf.div(r, stabilize(z, DEFAULT_STABILIZER));
        return [tf.mul(a, tf.sub(s, tf.mean(s, axes, true)))];
      },
      dispose: () => {},
    };
  }
  /** {@inheritDoc Rule.toSpec} */
  override toSpec(): RuleSpec {
    return { rule: 'LayerNormRule' };
  }
}
