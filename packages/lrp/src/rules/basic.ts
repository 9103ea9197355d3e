import type * as tf from '@tensorflow/tfjs';
import { finiteAtLeast, optionsOf } from '../options.js';
import { gammaParams, PARAMS } from './modifiers.js';
import { fmt, type Passes, type Propagator, Rule, type RuleLayer } from './rule.js';
import type { RuleSpec } from './spec.js';

const one = (
  input: 'identity' | 'ones',
  weight = PARAMS.identity,
  bias: typeof weight | null = PARAMS.identity,
) => ({ denominators: [{ terms: [{ input, weight, bias }] }] }) as Passes;

/**
 * LRP-0: `R_j = Σ_i a_j w_ij / stab(z_i, 1e-9) · R_i`, `z = W a + b`. On parameter-free layers (pools, activations)
 * the same through the layer's vector-Jacobian product. Compatible with every layer.
 *
 * @example
 * ```ts
 * new LRP(model, new ZeroRule());
 * ```
 */
export class ZeroRule extends Rule {
  /** {@inheritDoc Rule.toString} */
  toString(): string {
    return 'ZeroRule()';
  }
  /** Compatible with every layer. */
  override isCompatible(): boolean {
    return true;
  }
  /** {@inheritDoc Rule.passes} */
  override passes(): Passes {
    return one('identity');
  }
  /** {@inheritDoc Rule.toSpec} */
  override toSpec(): RuleSpec {
    return { rule: 'ZeroRule' };
  }
}

/** Options of {@link EpsilonRule}. */
export interface EpsilonOptions {
  /** The stabilizer ε added to the denominator (with its sign); default 1e-6. */
  epsilon?: number;
}

/**
 * LRP-ε: `R_j = Σ_i a_j w_ij / stab(z_i, ε) · R_i` (default ε = 1e-6). Absorbs weak, contradictory
 * contributions. Compatible with every layer.
 *
 * @example
 * ```ts
 * new LRP(model, new EpsilonRule({ epsilon: 0.25 }));
 * ```
 */
export class EpsilonRule extends Rule {
  /** ε. */
  readonly epsilon: number;
  /** @param options - `{ epsilon = 1e-6 }` */
  /** @throws {@link LRPOptionError} for an epsilon that is not a finite number ≥ 0, or an unknown option */
  constructor(options: EpsilonOptions = {}) {
    super();
    const { epsilon = 1e-6 } = optionsOf<EpsilonOptions>(
      'EpsilonRule',
      options,
      ['epsilon'],
      '{ epsilon: 1e-6 }',
    );
    this.epsilon = finiteAtLeast('EpsilonRule', 'epsilon', epsilon, 0);
  }
  override get stabilizer(): number {
    return this.epsilon;
  }
  /** {@inheritDoc Rule.toString} */
  toString(): string {
    return `EpsilonRule(epsilon=${fmt(this.epsilon)})`;
  }
  /** Compatible with every layer. */
  override isCompatible(): boolean {
    return true;
  }
  /** {@inheritDoc Rule.passes} */
  override passes(): Passes {
    return one('identity');
  }
  /** {@inheritDoc Rule.toSpec} */
  override toSpec(): RuleSpec {
    return { rule: 'EpsilonRule', epsilon: this.epsilon };
  }
}

/** Options of {@link GammaRule} and {@link GeneralizedGammaRule}. */
export interface GammaOptions {
  /** The factor γ of the added positive weights; default 0.25. */
  gamma?: number;
}

/** Reads the options of a γ rule: `{ gamma }`, γ finite and ≥ 0 (default 0.25). */
export function gammaOf(options: unknown, rule: string): number {
  const { gamma = 0.25 } = optionsOf<GammaOptions>(rule, options, ['gamma'], '{ gamma: 0.25 }');
  return finiteAtLeast(rule, 'gamma', gamma, 0);
}

/**
 * LRP-γ: the generic step with `W̃ = W + γW⁺`, `b̃ = b + γb⁺` on the signed input (default γ = 0.25), favouring
 * positive contributions. Needs a layer with weights.
 *
 * @example
 * ```ts
 * new GammaRule({ gamma: 0.5 });
 * ```
 */
export class GammaRule extends Rule {
  /** γ. */
  readonly gamma: number;
  /** @param options - `{ gamma = 0.25 }` */
  /** @throws {@link LRPOptionError} for a gamma that is not a finite number ≥ 0, or an unknown option */
  constructor(options: GammaOptions = {}) {
    super();
    this.gamma = gammaOf(options, 'GammaRule');
  }
  /** {@inheritDoc Rule.toString} */
  toString(): string {
    return `GammaRule(gamma=${fmt(this.gamma)})`;
  }
  /** {@inheritDoc Rule.passes} */
  override passes(): Passes {
    const g = gammaParams(this.gamma, '+');
    return one('identity', g, g);
  }
  /** {@inheritDoc Rule.toSpec} */
  override toSpec(): RuleSpec {
    return { rule: 'GammaRule', gamma: this.gamma };
  }
}

/**
 * LRP-w²: `R_j = Σ_i w_ij² / Σ_l w_il² · R_i`; input set to 1, weights squared, bias zeroed. Often used on the first
 * layer when inputs are unbounded. Needs a layer with weights.
 *
 * @example
 * ```ts
 * new LRP(model, new Composite(new FirstLayerMap(new WSquareRule())));
 * ```
 */
export class WSquareRule extends Rule {
  /** {@inheritDoc Rule.toString} */
  toString(): string {
    return 'WSquareRule()';
  }
  /** {@inheritDoc Rule.passes} */
  override passes(): Passes {
    return one('ones', PARAMS.square, null);
  }
  /** {@inheritDoc Rule.toSpec} */
  override toSpec(): RuleSpec {
    return { rule: 'WSquareRule' };
  }
}

/**
 * LRP-flat: `R_j = Σ_i R_i / n_i` with `n_i` the number of inputs connected to output `i` (input, weights set to 1,
 * bias zeroed; with `same` padding `n_i` is smaller at the borders). Needs a layer with weights.
 *
 * @example
 * ```ts
 * new FlatRule();
 * ```
 */
export class FlatRule extends Rule {
  /** {@inheritDoc Rule.toString} */
  toString(): string {
    return 'FlatRule()';
  }
  /** {@inheritDoc Rule.passes} */
  override passes(): Passes {
    return one('ones', PARAMS.ones, null);
  }
  /** {@inheritDoc Rule.toSpec} */
  override toSpec(): RuleSpec {
    return { rule: 'FlatRule' };
  }
}

function perSampleSize(shape: readonly (number | null)[]): number {
  return shape.slice(1).reduce<number>((p, d) => p * (d ?? Number.NaN), 1);
}

/**
 * Pass-through: `R_in = reshape(R)`. For layers whose input and output hold the same number of values (reshaping,
 * dropout, normalization, elementwise activations).
 *
 * @example
 * ```ts
 * new GlobalTypeMap([['normalization', new PassRule()]]);
 * ```
 */
export class PassRule extends Rule {
  /** {@inheritDoc Rule.toString} */
  toString(): string {
    return 'PassRule()';
  }
  /** Compatible when the layer has one input with as many values as its output. */
  override isCompatible(layer: RuleLayer): boolean {
    return (
      layer.inputShapes.length === 1 &&
      perSampleSize(layer.inputShapes[0]!) === perSampleSize(layer.outputShape)
    );
  }
  /** {@inheritDoc Rule.prepare} */
  override prepare(): Propagator {
    return {
      propagate: ({ inputs, relevance }) => [relevance.reshape((inputs[0] as tf.Tensor).shape)],
      dispose: () => {},
    };
  }
  /** {@inheritDoc Rule.toSpec} */
  override toSpec(): RuleSpec {
    return { rule: 'PassRule' };
  }
}
