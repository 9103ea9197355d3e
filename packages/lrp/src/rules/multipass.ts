import * as tf from '@tensorflow/tfjs';
import type { BoundLinear, LinearMap } from '../linear.js';
import { stabilize } from '../stabilize.js';
import { type ForwardStep, fmt, type Propagator, Rule, type RuleLayer } from './rule.js';

const pos = (t: tf.Tensor) => tf.relu(t);
const neg = (t: tf.Tensor) => tf.minimum(t, 0);

/**
 * `f(t)`, freeing `t` right after when `owned`. The rules below free their large intermediates as they go rather than
 * at the end of the step: on VGG16 at batch 8 one tensor of the first block is 100 MB, and TF.js's wasm heap is
 * bounded.
 */
function consume<T>(t: tf.Tensor, owned: boolean, f: (t: tf.Tensor) => T): T {
  const out = f(t);
  if (owned) t.dispose();
  return out;
}

/** `a ⊙ g`, freeing `g`. */
function times(a: tf.Tensor, g: tf.Tensor): tf.Tensor {
  return consume(g, true, (t) => tf.mul(a, t));
}

/** Binds modified kernels once and tracks everything to free. */
class Prepared {
  readonly #owned: tf.Tensor[] = [];
  readonly #bound: BoundLinear[] = [];
  constructor(readonly linear: LinearMap) {}
  keep(t: tf.Tensor): tf.Tensor {
    this.#owned.push(tf.keep(t));
    return t;
  }
  bind(kernel: tf.Tensor): BoundLinear {
    const b = this.linear.bind(kernel, null);
    this.#bound.push(b);
    return b;
  }
  dispose(): void {
    for (const b of this.#bound) b.dispose();
    for (const t of this.#owned) t.dispose();
  }
}

function linearOf(layer: RuleLayer, rule: string): LinearMap {
  if (!layer.linear) throw new Error(`${rule} needs a layer with weights; "${layer.node.name}" has none`);
  return layer.linear;
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
  /** {@inheritDoc Rule.prepare} */
  prepare(layer: RuleLayer): Propagator {
    const p = new Prepared(linearOf(layer, 'ZPlusRule'));
    const wp = p.bind(p.keep(pos(p.linear.kernel)));
    const wn = p.bind(p.keep(neg(p.linear.kernel)));
    const bp = p.linear.bias ? p.keep(pos(p.linear.bias)) : null;
    const nonNegative = layer.nonNegativeInput;
    // where the input is non-negative by construction, a⁻ = 0: only the positive-weight pass remains
    const denominators = ({ inputs }: ForwardStep) => {
      const a = inputs[0]!;
      let z = nonNegative ? wp.apply(a) : tf.add(wp.apply(pos(a)), wn.apply(neg(a)));
      if (bp) z = tf.add(z, bp);
      return [stabilize(z, this.stabilizer, 'nonNegative')]; // every term of z is ≥ 0
    };
    return {
      denominators,
      propagate: (step) => {
        const a = step.inputs[0]!;
        const d = (step.denominators ?? denominators(step))[0]!;
        const s = consume(d, !step.denominators, (d) => tf.div(step.relevance, d));
        if (nonNegative) return [consume(s, true, (s) => times(a, wp.transpose(s, a.shape)))];
        const positive = times(pos(a), wp.transpose(s, a.shape));
        const negative = consume(s, true, (s) => times(neg(a), wn.transpose(s, a.shape)));
        return [consume(positive, true, (p) => consume(negative, true, (n) => tf.add(p, n)))];
      },
      dispose: () => p.dispose(),
    };
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
    if (!(alpha >= 0) || !(beta >= 0))
      throw new RangeError(`AlphaBetaRule needs alpha ≥ 0 and beta ≥ 0, got ${alpha}, ${beta}`);
    if (Math.abs(alpha - beta - 1) > 1e-12)
      throw new RangeError(`AlphaBetaRule needs alpha − beta = 1, got alpha = ${alpha}, beta = ${beta}`);
    this.alpha = alpha;
    this.beta = beta;
  }
  /** {@inheritDoc Rule.toString} */
  toString(): string {
    return `AlphaBetaRule(alpha=${fmt(this.alpha)}, beta=${fmt(this.beta)})`;
  }
  /** {@inheritDoc Rule.prepare} */
  prepare(layer: RuleLayer): Propagator {
    const p = new Prepared(linearOf(layer, 'AlphaBetaRule'));
    const wp = p.bind(p.keep(pos(p.linear.kernel)));
    const wn = p.bind(p.keep(neg(p.linear.kernel)));
    const bp = p.linear.bias ? p.keep(pos(p.linear.bias)) : null;
    const bn = p.linear.bias ? p.keep(neg(p.linear.bias)) : null;
    const nonNegative = layer.nonNegativeInput;
    // zα = W⁺a⁺ + b⁺ + W⁻a⁻ (≥ 0) and zβ = W⁻a⁺ + b⁻ + W⁺a⁻ (≤ 0); where the input is non-negative, a⁻ = 0
    const denominator = (
      a: tf.Tensor,
      forPositive: BoundLinear,
      forNegative: BoundLinear,
      alphaSide: boolean,
    ) =>
      tf.tidy(() => {
        let z = nonNegative
          ? forPositive.apply(a)
          : tf.add(forPositive.apply(pos(a)), forNegative.apply(neg(a)));
        const b = alphaSide ? bp : bn;
        if (b) z = tf.add(z, b);
        // zβ = 0 only where each of its terms is 0: its stabilized sign does not matter there
        return stabilize(z, this.stabilizer, alphaSide ? 'nonNegative' : 'nonPositive');
      });
    const denominators = ({ inputs }: ForwardStep) => [
      denominator(inputs[0]!, wp, wn, true),
      denominator(inputs[0]!, wn, wp, false),
    ];
    const { alpha, beta } = this;
    return {
      denominators,
      propagate: (step) => {
        const a = step.inputs[0]!;
        const given = step.denominators;
        // Wᵀs for the weights that explain a⁺ and those that explain a⁻ (α: W⁺, W⁻; β: W⁻, W⁺), times the input
        // (where the input is non-negative, the input multiplies α·W⁺ᵀsα − β·W⁻ᵀsβ once, at the end); each
        // denominator is made only when its part needs it
        const part = (index: number, forPositive: BoundLinear, forNegative: BoundLinear, scale: number) => {
          const d = given ? given[index]! : denominator(a, forPositive, forNegative, index === 0);
          const s = consume(d, !given, (d) => tf.div(step.relevance, d));
          let r: tf.Tensor;
          if (nonNegative) r = consume(s, true, (s) => forPositive.transpose(s, a.shape));
          else {
            const p = times(pos(a), forPositive.transpose(s, a.shape));
            const n = consume(s, true, (s) => times(neg(a), forNegative.transpose(s, a.shape)));
            r = consume(p, true, (p) => consume(n, true, (n) => tf.add(p, n)));
          }
          return scale === 1 ? r : consume(r, true, (r) => tf.mul(r, scale));
        };
        const alphaPart = part(0, wp, wn, alpha);
        const combined =
          beta === 0
            ? alphaPart
            : consume(alphaPart, true, (ap) => consume(part(1, wn, wp, beta), true, (bp) => tf.sub(ap, bp)));
        return [nonNegative ? times(a, combined) : combined];
      },
      dispose: () => p.dispose(),
    };
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
 * `R_in = a ⊙ Wᵀs − l ⊙ W⁺ᵀs − h ⊙ W⁻ᵀs`, `s = R / stab(z)`. Needs a layer with weights.
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
  /** {@inheritDoc Rule.prepare} */
  prepare(layer: RuleLayer): Propagator {
    const p = new Prepared(linearOf(layer, 'ZBoxRule'));
    const w = p.bind(p.linear.kernel);
    const wp = p.bind(p.keep(pos(p.linear.kernel)));
    const wn = p.bind(p.keep(neg(p.linear.kernel)));
    const fill = (v: number | tf.Tensor, a: tf.Tensor) =>
      typeof v === 'number' ? tf.fill(a.shape, v) : tf.broadcastTo(v, a.shape);
    const denominators = ({ inputs }: ForwardStep) => {
      const a = inputs[0]!;
      const z = tf.sub(tf.sub(w.apply(a), wp.apply(fill(this.low, a))), wn.apply(fill(this.high, a)));
      return [stabilize(z, this.stabilizer)];
    };
    return {
      denominators,
      propagate: (step) => {
        const a = step.inputs[0]!;
        const s = tf.div(step.relevance, (step.denominators ?? denominators(step))[0]!);
        const l = fill(this.low, a);
        const h = fill(this.high, a);
        return [
          tf.sub(
            tf.sub(tf.mul(a, w.transpose(s, a.shape)), tf.mul(l, wp.transpose(s, a.shape))),
            tf.mul(h, wn.transpose(s, a.shape)),
          ),
        ];
      },
      dispose: () => p.dispose(),
    };
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
    if (!(gamma >= 0) || !Number.isFinite(gamma))
      throw new RangeError(`GeneralizedGammaRule needs a finite gamma ≥ 0, got ${gamma}`);
    this.gamma = gamma;
  }
  /** {@inheritDoc Rule.toString} */
  toString(): string {
    return `GeneralizedGammaRule(gamma=${fmt(this.gamma)})`;
  }
  /** {@inheritDoc Rule.prepare} */
  prepare(layer: RuleLayer): Propagator {
    const p = new Prepared(linearOf(layer, 'GeneralizedGammaRule'));
    const g = this.gamma;
    const k = p.linear.kernel;
    const gp = p.bind(p.keep(tf.tidy(() => tf.add(k, tf.mul(pos(k), g)))));
    const gn = p.bind(p.keep(tf.tidy(() => tf.add(k, tf.mul(neg(k), g)))));
    const b = p.linear.bias;
    const bl = b ? p.keep(tf.tidy(() => tf.add(b, tf.mul(pos(b), g)))) : null;
    const br = b ? p.keep(tf.tidy(() => tf.add(b, tf.mul(neg(b), g)))) : null;
    const denominators = ({ inputs }: ForwardStep) => {
      const a = inputs[0]!;
      const ap = pos(a);
      const an = neg(a);
      let zl = tf.add(gp.apply(ap), gn.apply(an));
      let zr = tf.add(gn.apply(ap), gp.apply(an));
      if (bl && br) {
        zl = tf.add(zl, bl);
        zr = tf.add(zr, br);
      }
      return [stabilize(zl, this.stabilizer), stabilize(zr, this.stabilizer)];
    };
    return {
      denominators,
      propagate: (step) => {
        const { output, relevance } = step;
        const a = step.inputs[0]!;
        const ap = pos(a);
        const an = neg(a);
        const [dl, dr] = step.denominators ?? denominators(step);
        const zero = tf.zerosLike(relevance);
        const sl = tf.div(tf.where(tf.greater(output, 0), relevance, zero), dl!);
        const sr = tf.div(tf.where(tf.less(output, 0), relevance, zero), dr!);
        const left = tf.add(tf.mul(ap, gp.transpose(sl, a.shape)), tf.mul(an, gn.transpose(sl, a.shape)));
        const right = tf.add(tf.mul(ap, gn.transpose(sr, a.shape)), tf.mul(an, gp.transpose(sr, a.shape)));
        return [tf.add(left, right)];
      },
      dispose: () => p.dispose(),
    };
  }
}
