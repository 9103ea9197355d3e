import * as tf from '@tensorflow/tfjs';
import { checkGamma } from './basic.js';
import { gammaParams, PARAMS } from './modifiers.js';
import { fmt, type Passes, Rule, type Term } from './rule.js';
import type { RuleSpec } from './spec.js';

const { identity, plus, minus } = PARAMS;

/** `W⁺a⁺ + b⁺ + W⁻a⁻` (`side` +) or `W⁻a⁺ + b⁻ + W⁺a⁻` (`side` −): the terms of positive / negative contributions. */
function contributions(side: '+' | '-'): Term[] {
  const [same, other] = side === '+' ? [plus, minus] : [minus, plus];
  return [
    { input: 'positive', weight: same, bias: same },
    { input: 'negative', weight: other, bias: null },
  ];
}

/**
 * LRP-z⁺ (= AlphaBeta(1, 0)): `z = W⁺a⁺ + b⁺ + W⁻a⁻`, `s = R / stab(z)`, `R_in = a⁺ ⊙ W⁺ᵀs + a⁻ ⊙ W⁻ᵀs`. Only
 * positive contributions count. Needs a layer with weights.
 *
 * @example
 * ```ts
 * new GlobalTypeMap([['conv', new ZPlusRule()]]);
 * ```
 */
export class ZPlusRule extends Rule {
  /** {@inheritDoc Rule.toString} */
  toString(): string {
    return 'ZPlusRule()';
  }
  /** {@inheritDoc Rule.passes} */
  override passes(): Passes {
    return { denominators: [{ terms: contributions('+') }] };
  }
  /** {@inheritDoc Rule.toSpec} */
  override toSpec(): RuleSpec {
    return { rule: 'ZPlusRule' };
  }
}

/** Options of {@link AlphaBetaRule}. */
export interface AlphaBetaOptions {
  /** Weight of the positive contributions; default 2. */
  alpha?: number;
  /** Weight of the negative contributions; default 1. `alpha − beta` must be 1. */
  beta?: number;
}

/**
 * LRP-αβ: `zα = W⁺a⁺ + b⁺ + W⁻a⁻`, `zβ = W⁻a⁺ + b⁻ + W⁺a⁻`,
 * `R_in = α(a⁺ ⊙ W⁺ᵀsα + a⁻ ⊙ W⁻ᵀsα) − β(a⁺ ⊙ W⁻ᵀsβ + a⁻ ⊙ W⁺ᵀsβ)` with `sα = R / stab(zα)`, `sβ = R / stab(zβ)`.
 * Defaults α = 2, β = 1; α − β = 1 and both ≥ 0. Needs a layer with weights.
 *
 * @example
 * ```ts
 * new AlphaBetaRule({ alpha: 1, beta: 0 });
 * ```
 */
export class AlphaBetaRule extends Rule {
  /** α. */
  readonly alpha: number;
  /** β. */
  readonly beta: number;
  /** @param options - `{ alpha = 2, beta = 1 }` */
  constructor({ alpha = 2, beta = 1 }: AlphaBetaOptions = {}) {
    super();
    if (typeof alpha !== 'number' || typeof beta !== 'number' || !(alpha >= 0) || !(beta >= 0))
      throw new RangeError(`AlphaBetaRule needs alpha ≥ 0 and beta ≥ 0, got ${alpha}, ${beta}`);
    if (!Number.isFinite(alpha) || Math.abs(alpha - beta - 1) > 1e-12)
      throw new RangeError(`AlphaBetaRule needs alpha − beta = 1, got alpha = ${alpha}, beta = ${beta}`);
    this.alpha = alpha;
    this.beta = beta;
  }
  /** {@inheritDoc Rule.toString} */
  toString(): string {
    return `AlphaBetaRule(alpha=${fmt(this.alpha)}, beta=${fmt(this.beta)})`;
  }
  /** {@inheritDoc Rule.passes} */
  override passes(): Passes {
    const alpha = { terms: contributions('+'), scale: this.alpha };
    if (this.beta === 0) return { denominators: [alpha] };
    return { denominators: [alpha, { terms: contributions('-'), scale: -this.beta }] };
  }
  /** {@inheritDoc Rule.toSpec} */
  override toSpec(): RuleSpec {
    return { rule: 'AlphaBetaRule', alpha: this.alpha, beta: this.beta };
  }
}

/** Options of {@link ZBoxRule}. */
export interface ZBoxOptions {
  /** Lowest input value: a number or a tensor broadcastable to the input. */
  low: number | tf.Tensor;
  /** Highest input value: a number or a tensor broadcastable to the input. */
  high: number | tf.Tensor;
}

/**
 * LRP-zᴮ for bounded inputs such as pixels: `z = W a − W⁺l − W⁻h` (the bias cancels),
 * `R_in = a ⊙ Wᵀs − l ⊙ W⁺ᵀs − h ⊙ W⁻ᵀs`, `s = R / stab(z)`. Needs a layer with weights. Tensor bounds are copied;
 * {@link ZBoxRule.dispose} frees the copies.
 *
 * @example
 * ```ts
 * new ZBoxRule({ low: -3, high: 3 });
 * ```
 */
export class ZBoxRule extends Rule {
  /** The lower bound. */
  readonly low: number | tf.Tensor;
  /** The upper bound. */
  readonly high: number | tf.Tensor;
  /** @param options - `{ low, high }` */
  constructor({ low, high }: ZBoxOptions) {
    super();
    const ok = (v: unknown) => (typeof v === 'number' && Number.isFinite(v)) || v instanceof tf.Tensor;
    if (!ok(low) || !ok(high))
      throw new RangeError(
        `ZBoxRule needs finite numbers or tensors for low and high, got low = ${String(low)}, high = ${String(high)}`,
      );
    if (typeof low === 'number' && typeof high === 'number' && !(low <= high))
      throw new RangeError(`ZBoxRule needs low ≤ high, got low = ${low}, high = ${high}`);
    this.low = typeof low === 'number' ? low : tf.keep(low.clone());
    this.high = typeof high === 'number' ? high : tf.keep(high.clone());
  }
  /** {@inheritDoc Rule.toString} */
  toString(): string {
    const show = (v: number | tf.Tensor) => (typeof v === 'number' ? fmt(v) : `tensor[${v.shape}]`);
    return `ZBoxRule(low=${show(this.low)}, high=${show(this.high)})`;
  }
  /** {@inheritDoc Rule.passes} */
  override passes(): Passes {
    return {
      denominators: [
        {
          terms: [
            { input: 'identity', weight: identity, bias: null },
            { input: { fill: this.low }, weight: plus, bias: null, sign: -1 },
            { input: { fill: this.high }, weight: minus, bias: null, sign: -1 },
          ],
        },
      ],
    };
  }
  /** {@inheritDoc Rule.toSpec} */
  override toSpec(): RuleSpec | undefined {
    if (typeof this.low !== 'number' || typeof this.high !== 'number') return undefined;
    return { rule: 'ZBoxRule', low: this.low, high: this.high };
  }
  /** Frees the copies of tensor bounds. */
  dispose(): void {
    if (typeof this.low !== 'number') this.low.dispose();
    if (typeof this.high !== 'number') this.high.dispose();
  }
}

/**
 * Generalized LRP-γ (Andéol et al. 2021) for layers whose outputs may be negative:
 * where the layer's output is positive, `((W+γW⁺)a⁺ + (W+γW⁻)a⁻ + b+γb⁺)` explains it; where negative,
 * `((W+γW⁻)a⁺ + (W+γW⁺)a⁻ + b+γb⁻)`; relevance at zero outputs is dropped. As in RelevancePropagation.jl the sign is
 * read from the layer's output after its fused activation. Needs a layer with weights.
 *
 * @example
 * ```ts
 * new GeneralizedGammaRule({ gamma: 0.25 });
 * ```
 */
export class GeneralizedGammaRule extends Rule {
  /** γ. */
  readonly gamma: number;
  /** @param options - `{ gamma = 0.25 }` */
  constructor({ gamma = 0.25 }: { gamma?: number } = {}) {
    super();
    this.gamma = checkGamma(gamma, 'GeneralizedGammaRule');
  }
  /** {@inheritDoc Rule.toString} */
  toString(): string {
    return `GeneralizedGammaRule(gamma=${fmt(this.gamma)})`;
  }
  /** {@inheritDoc Rule.passes} */
  override passes(): Passes {
    const gp = gammaParams(this.gamma, '+');
    const gn = gammaParams(this.gamma, '-');
    return {
      denominators: [
        {
          terms: [
            { input: 'positive', weight: gp, bias: gp },
            { input: 'negative', weight: gn, bias: null },
          ],
          where: 'positive',
        },
        {
          terms: [
            { input: 'positive', weight: gn, bias: gn },
            { input: 'negative', weight: gp, bias: null },
          ],
          where: 'negative',
        },
      ],
    };
  }
  /** {@inheritDoc Rule.toSpec} */
  override toSpec(): RuleSpec {
    return { rule: 'GeneralizedGammaRule', gamma: this.gamma };
  }
}
