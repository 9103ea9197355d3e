import * as tf from '@tensorflow/tfjs';
import { LRPOptionError } from '../errors.js';
import { finiteAtLeast, optionsOf, shapeOf, shown } from '../options.js';
import { type GammaOptions, gammaOf } from './basic.js';
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
  /** @throws {@link LRPOptionError} unless alpha and beta are finite, ≥ 0 and alpha − beta = 1, or for an unknown option */
  constructor(options: AlphaBetaOptions = {}) {
    super();
    const given = optionsOf<AlphaBetaOptions>(
      'AlphaBetaRule',
      options,
      ['alpha', 'beta'],
      '{ alpha: 2, beta: 1 }',
    );
    const alpha = finiteAtLeast('AlphaBetaRule', 'alpha', given.alpha ?? 2, 0);
    const beta = finiteAtLeast('AlphaBetaRule', 'beta', given.beta ?? 1, 0);
    if (Math.abs(alpha - beta - 1) > 1e-12)
      throw new LRPOptionError(`AlphaBetaRule needs alpha − beta = 1, got alpha = ${alpha}, beta = ${beta}`);
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
 * Reads ZBox bounds: `low` and `high`, each a finite number or a tensor of finite values (broadcast against the
 * layer's input), with `low ≤ high` everywhere. Checked when the rule or preset is built.
 */
export function checkBounds(
  owner: string,
  options: unknown,
): { low: number | tf.Tensor; high: number | tf.Tensor } {
  if (options === undefined)
    throw new LRPOptionError(
      `${owner} needs { low, high }: the lowest and highest input values, such as { low: 0, high: 1 } for images in [0, 1]`,
    );
  const { low, high } = optionsOf<ZBoxOptions>(owner, options, ['low', 'high'], '{ low: 0, high: 1 }');
  for (const [name, v] of [
    ['low', low],
    ['high', high],
  ] as const) {
    if (v === undefined)
      throw new LRPOptionError(
        `${owner} needs { low, high }: ${name} is missing (the ${name === 'low' ? 'lowest' : 'highest'} input value, a number or a tensor that broadcasts against the input)`,
      );
    if (v instanceof tf.Tensor) {
      if (v.isDisposed) throw new LRPOptionError(`${owner}: the tensor given as ${name} has been disposed`);
      const finite = tf.tidy(() => tf.all(tf.isFinite(v)).dataSync()[0] === 1);
      if (!finite)
        throw new LRPOptionError(
          `${owner}: the tensor given as ${name} ${shapeOf(v)} holds NaN or ±Infinity`,
        );
    } else if (typeof v !== 'number' || !Number.isFinite(v))
      throw new LRPOptionError(`${owner} needs a finite number or a tensor as ${name}, got ${shown(v)}`);
  }
  const lo = low as number | tf.Tensor;
  const hi = high as number | tf.Tensor;
  const ordered = tf.tidy(() => {
    try {
      return tf.all(tf.lessEqual(lo, hi)).dataSync()[0] === 1;
    } catch {
      throw new LRPOptionError(
        `${owner}: low ${typeof lo === 'number' ? lo : shapeOf(lo)} and high ${typeof hi === 'number' ? hi : shapeOf(hi)} do not broadcast against each other`,
      );
    }
  });
  if (!ordered)
    throw new LRPOptionError(
      typeof lo === 'number' && typeof hi === 'number'
        ? `${owner} needs low ≤ high, got low = ${lo}, high = ${hi}`
        : `${owner} needs low ≤ high everywhere; some values of low exceed high`,
    );
  return { low: lo, high: hi };
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
  /**
   * @throws {@link LRPOptionError} when low or high is missing, not a finite number or a tensor of finite values,
   *   when low > high anywhere, or for an unknown option
   */
  constructor(options: ZBoxOptions) {
    super();
    const bounds = checkBounds('ZBoxRule', options);
    this.low = typeof bounds.low === 'number' ? bounds.low : tf.keep(bounds.low.clone());
    this.high = typeof bounds.high === 'number' ? bounds.high : tf.keep(bounds.high.clone());
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
  /** @throws {@link LRPOptionError} for a gamma that is not a finite number ≥ 0, or an unknown option */
  constructor(options: GammaOptions = {}) {
    super();
    this.gamma = gammaOf(options, 'GeneralizedGammaRule');
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
