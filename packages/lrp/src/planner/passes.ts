import * as tf from '@tensorflow/tfjs';
import { type BoundLinear, type LinearMap, negativePart, positiveMask } from '@xai-ts/engine';
import type {
  ForwardStep,
  InputModifier,
  ParamModifier,
  Passes,
  Propagator,
  Rule,
  RuleLayer,
  Step,
  Term,
} from '../rules/rule.js';
import { stabilize } from '../stabilize.js';

// Runs a rule's passes (data) on a layer with weights: the one place that knows how modified parameters are kept,
// which tensors can be reused or skipped, and when intermediates are freed.

type Sign = '+' | '-' | '0' | '?';

const times = (x: Sign, y: Sign): Sign =>
  x === '0' || y === '0' ? '0' : x === '?' || y === '?' ? '?' : x === y ? '+' : '-';

function inputSign(input: InputModifier, nonNegative: boolean): Sign {
  if (input === 'identity') return nonNegative ? '+' : '?';
  if (input === 'positive' || input === 'ones') return '+';
  if (input === 'negative') return '-';
  if (typeof input === 'object' && typeof input.fill === 'number')
    return input.fill > 0 ? '+' : input.fill < 0 ? '-' : '0';
  return '?';
}

function paramSign(p: ParamModifier): Sign {
  return p.sign === 'nonNegative' ? '+' : p.sign === 'nonPositive' ? '-' : p.sign === 'zero' ? '0' : '?';
}

/** The sign every term of a denominator shares, if they share one. */
function denominatorSign(
  terms: readonly Term[],
  nonNegative: boolean,
  hasBias: boolean,
): 'nonNegative' | 'nonPositive' | undefined {
  const signs: Sign[] = [];
  for (const t of terms) {
    const flip = (s: Sign): Sign => (t.sign === -1 ? times(s, '-') : s);
    signs.push(flip(times(inputSign(t.input, nonNegative), paramSign(t.weight))));
    if (t.bias && hasBias) signs.push(flip(paramSign(t.bias)));
  }
  if (signs.every((s) => s === '+' || s === '0')) return 'nonNegative';
  if (signs.every((s) => s === '-' || s === '0')) return 'nonPositive';
  return undefined;
}

/** A tensor with a sign to apply, so that coefficients −1 cost no multiplication. */
interface Signed {
  readonly t: tf.Tensor;
  readonly negative: boolean;
}

/** `x + y` for signed tensors; frees what it was given unless `keep` holds it. */
function addSigned(x: Signed | undefined, y: Signed, keep: ReadonlySet<tf.Tensor>): Signed {
  if (!x) return y;
  const sum =
    x.negative === y.negative
      ? { t: tf.add(x.t, y.t), negative: x.negative }
      : x.negative
        ? { t: tf.sub(y.t, x.t), negative: false }
        : { t: tf.sub(x.t, y.t), negative: false };
  for (const t of [x.t, y.t]) if (!keep.has(t)) t.dispose();
  return sum;
}

/** A key for an input modifier: equal keys mean the same modified input. */
function inputKeys(): (m: InputModifier) => string {
  const ids = new Map<object, number>();
  return (m) => {
    if (typeof m === 'string') return m;
    let id = ids.get(m);
    if (id === undefined) {
      id = ids.size;
      ids.set(m, id);
    }
    return `#${id}`;
  };
}

/** `ã` for an input modifier. */
export function modify(m: InputModifier, a: tf.Tensor): tf.Tensor {
  if (m === 'identity') return a;
  if (m === 'positive') return tf.relu(a);
  if (m === 'negative') return negativePart(a);
  if (m === 'ones') return tf.onesLike(a);
  if (typeof m === 'function') return m(a);
  return typeof m.fill === 'number' ? tf.fill(a.shape, m.fill) : tf.broadcastTo(m.fill, a.shape);
}

/** `ã ⊙ g`, without materializing constant inputs (`modified` gives ã). */
function timesInput(m: InputModifier, modified: () => tf.Tensor, g: tf.Tensor): tf.Tensor {
  if (m === 'ones') return g;
  if (typeof m === 'object') return tf.mul(g, m.fill);
  return tf.mul(modified(), g);
}

/**
 * The terms of one denominator whose inputs are the same constant everywhere (ZBox's bounds `l`, `h`), merged into one
 * term of input 1 with the kernel `Σ ± fill·W̃`: `Σ ± W̃(fill·1) = (Σ ± fill·W̃)(1)` forwards and
 * `Σ ± fill ⊙ W̃ᵀs = 1 ⊙ (Σ ± fill·W̃)ᵀs` backwards, one convolution and one transpose instead of one per term.
 * Terms with a bias keep their own.
 */
function mergeConstantTerms(terms: readonly Term[], hasBias: boolean): readonly Term[] {
  const constant = (t: Term): t is Term & { input: { fill: number } } =>
    typeof t.input === 'object' && typeof t.input.fill === 'number' && (!t.bias || !hasBias);
  const merged = terms.filter(constant);
  if (merged.length < 2) return terms;
  const factors = merged.map((t) => (t.sign === -1 ? -t.input.fill : t.input.fill));
  const signs = merged.map((t, i) =>
    times(paramSign(t.weight), factors[i]! > 0 ? '+' : factors[i]! < 0 ? '-' : '0'),
  );
  const sign = signs.every((x) => x === '+' || x === '0')
    ? 'nonNegative'
    : signs.every((x) => x === '-' || x === '0')
      ? 'nonPositive'
      : undefined;
  const weight: ParamModifier = {
    key: `Σ(${merged.map((t, i) => `${factors[i]}·[${t.weight.key}]`).join(' + ')})`,
    apply: (p) => tf.tidy(() => tf.addN(merged.map((t, i) => tf.mul(t.weight.apply(p), factors[i]!)))),
    ...(sign ? { sign } : {}),
  };
  return [...terms.filter((t) => !constant(t)), { input: 'ones', weight, bias: null }];
}

interface PlannedTerm {
  readonly input: InputModifier;
  readonly inputKey: string;
  readonly weightKey: string;
  readonly forward: BoundLinear;
  readonly negative: boolean;
}

/** The denominators whose relevance goes back through one modified kernel to one modified input. */
interface Group {
  readonly input: InputModifier;
  readonly weightKey: string;
  readonly from: { d: number; negative: boolean }[];
}

interface PlannedDenominator {
  readonly terms: readonly PlannedTerm[];
  readonly scale: number;
  readonly where: 'positive' | 'negative' | undefined;
  readonly sign: 'nonNegative' | 'nonPositive' | undefined;
  /** The denominator is the layer's own pre-activation. */
  readonly preactivation: boolean;
}

/**
 * The propagator of a rule given as {@link Passes} on a layer with weights.
 *
 * `R_in = Σ_d scale_d Σ_{t∈d} ± ã_t ⊙ W̃_tᵀ (R / stab(z_d))`, computed with every transpose of one modified kernel
 * done once per call (relevances of several denominators through the same kernel are summed first), every input
 * multiplied once, terms of negative inputs dropped where inputs are non-negative, the pre-activation of the forward
 * pass reused where a denominator is the layer itself, and `scale` folded into the stored denominators.
 */
export function linearPropagator(rule: Rule, passes: Passes, layer: RuleLayer): Propagator {
  const linear = layer.linear as LinearMap;
  const nonNegative = layer.nonNegativeInput;
  const owned: tf.Tensor[] = [];
  const bound: BoundLinear[] = [];
  const weights = new Map<string, tf.Tensor>();
  const biases = new Map<string, tf.Tensor>();
  const forwards = new Map<string, BoundLinear>();
  const transposes = new Map<string, BoundLinear>();
  const inputKey = inputKeys();
  const param = (cache: Map<string, tf.Tensor>, m: ParamModifier, p: tf.Tensor) => {
    let t = cache.get(m.key);
    if (!t) {
      t = m.key === '' ? p : tf.keep(tf.tidy(() => m.apply(p)));
      if (t !== p) owned.push(t);
      cache.set(m.key, t);
    }
    return t;
  };
  try {
    const denominators: PlannedDenominator[] = [];
    for (const d of passes.denominators) {
      // where inputs are non-negative, a⁻ = 0 (its terms vanish) and a⁺ = a
      const terms = mergeConstantTerms(
        d.terms
          .filter((t) => !(nonNegative && t.input === 'negative'))
          .map((t) => (nonNegative && t.input === 'positive' ? { ...t, input: 'identity' as const } : t)),
        linear.bias !== null,
      );
      if (terms.length === 0) continue;
      const planned = terms.map((t): PlannedTerm => {
        const w = param(weights, t.weight, linear.kernel);
        const b = t.bias && linear.bias ? param(biases, t.bias, linear.bias) : null;
        const key = `${t.weight.key}|${t.bias && linear.bias ? t.bias.key : '∅'}`;
        let forward = forwards.get(key);
        if (!forward) {
          forward = linear.bind(w, b, false);
          bound.push(forward);
          forwards.set(key, forward);
        }
        if (!transposes.has(t.weight.key)) {
          const back = linear.bind(w, null, true);
          bound.push(back);
          transposes.set(t.weight.key, back);
        }
        return {
          input: t.input,
          inputKey: inputKey(t.input),
          weightKey: t.weight.key,
          forward,
          negative: t.sign === -1,
        };
      });
      const only = terms.length === 1 ? terms[0]! : undefined;
      denominators.push({
        terms: planned,
        scale: d.scale ?? 1,
        where: d.where,
        sign: denominatorSign(terms, nonNegative, linear.bias !== null),
        preactivation:
          !!only &&
          only.input === 'identity' &&
          only.weight.key === '' &&
          only.sign !== -1 &&
          (linear.bias === null || only.bias?.key === ''),
      });
    }
    const stab = (z: tf.Tensor, sign: 'nonNegative' | 'nonPositive' | undefined) =>
      passes.stabilize ? passes.stabilize(z) : stabilize(z, rule.stabilizer, sign);
    const none = new Set<tf.Tensor>();
    // the default stabilizer with e > 0 never gives a zero denominator
    const nonZero = !passes.stabilize && rule.stabilizer > 0;

    // each modified input once per step (the denominators and the relevance read the same ones); the caller frees them
    const inputsOf = (a: tf.Tensor) => {
      const modified = new Map<string, tf.Tensor>();
      return {
        get: (key: string, m: InputModifier) => {
          let t = modified.get(key);
          if (!t) {
            t = modify(m, a);
            modified.set(key, t);
          }
          return t;
        },
        dispose: () => {
          for (const t of modified.values()) if (t !== a) t.dispose();
        },
      };
    };

    const denominatorsWith = (
      { output, preactivation }: ForwardStep,
      modified: ReturnType<typeof inputsOf>,
    ): tf.Tensor[] => {
      // modified inputs made outside the tidies below (several terms may read them)
      for (const d of denominators)
        if (!(d.preactivation && preactivation)) for (const t of d.terms) modified.get(t.inputKey, t.input);
      return denominators.map((d) =>
        tf.tidy(() => {
          let z: Signed | undefined;
          if (d.preactivation && preactivation) z = { t: preactivation, negative: false };
          else
            for (const t of d.terms)
              z = addSigned(
                z,
                { t: t.forward.apply(modified.get(t.inputKey, t.input)), negative: t.negative },
                none,
              );
          const zt = z!.negative ? tf.neg(z!.t) : z!.t;
          let den = stab(zt, d.sign);
          if (d.scale !== 1) den = tf.div(den, d.scale);
          // units outside `where` get an infinite denominator: their relevance becomes 0 with no mask per call
          if (d.where) {
            const inside = positiveMask(d.where === 'positive' ? output : tf.neg(output));
            // den / 0 = ±∞ outside where the stabilizer keeps den away from 0 (division: where is slow on wasm)
            den = nonZero
              ? tf.div(den, inside)
              : tf.where(tf.greater(inside, 0), den, tf.fill(den.shape, Number.POSITIVE_INFINITY));
          }
          return den;
        }),
      );
    };

    const denominatorsOf = (step: ForwardStep): tf.Tensor[] => {
      const modified = inputsOf(step.inputs[0]!);
      try {
        return denominatorsWith(step, modified);
      } finally {
        modified.dispose();
      }
    };

    // the backward plan: per (modified input, modified kernel), the denominators whose relevance goes through them
    const groups = new Map<string, Group>();
    denominators.forEach((d, i) => {
      for (const t of d.terms) {
        const key = `${t.inputKey}|${t.weightKey}`;
        let g = groups.get(key);
        if (!g) {
          g = { input: t.input, weightKey: t.weightKey, from: [] };
          groups.set(key, g);
        }
        g.from.push({ d: i, negative: t.negative });
      }
    });
    const byInput = new Map<string, { input: InputModifier; groups: Group[] }>();
    for (const [key, g] of groups) {
      const k = key.split('|')[0]!;
      let e = byInput.get(k);
      if (!e) {
        e = { input: g.input, groups: [] };
        byInput.set(k, e);
      }
      e.groups.push(g);
    }
    // how many groups read each denominator's s, so it is freed after the last
    const uses = denominators.map(
      (_, i) => [...groups.values()].filter((g) => g.from.some((f) => f.d === i)).length,
    );

    const propagate = (step: Step): tf.Tensor[] => {
      const a = step.inputs[0]!;
      const modified = inputsOf(a);
      try {
        return propagateWith(step, modified);
      } finally {
        modified.dispose();
      }
    };

    const propagateWith = (step: Step, modified: ReturnType<typeof inputsOf>): tf.Tensor[] => {
      const a = step.inputs[0]!;
      const given = step.denominators;
      const dens = given ?? denominatorsWith(step, modified);
      const s: (tf.Tensor | undefined)[] = dens.map((d) => {
        const q = tf.div(step.relevance, d);
        if (!given) d.dispose();
        return q;
      });
      const left = [...uses];
      let result: Signed | undefined;
      for (const [key, { input, groups: gs }] of byInput) {
        let acc: Signed | undefined;
        for (const g of gs) {
          let q: Signed | undefined;
          const shared = new Set<tf.Tensor>();
          for (const f of g.from) {
            const sd = s[f.d]!;
            shared.add(sd);
            q = addSigned(q, { t: sd, negative: f.negative }, shared);
          }
          const back = transposes.get(g.weightKey)!.transpose(q!.t, a.shape);
          if (!shared.has(q!.t)) q!.t.dispose();
          for (const f of g.from)
            if (--left[f.d]! === 0) {
              s[f.d]!.dispose();
              s[f.d] = undefined;
            }
          acc = addSigned(acc, { t: back, negative: q!.negative }, none);
        }
        const r = timesInput(input, () => modified.get(key, input), acc!.t);
        if (r !== acc!.t) acc!.t.dispose();
        result = addSigned(result, { t: r, negative: acc!.negative }, none);
      }
      if (!result) return [tf.zerosLike(a)];
      if (!result.negative) return [result.t];
      const flipped = tf.neg(result.t);
      result.t.dispose();
      return [flipped];
    };

    return {
      propagate,
      denominators: denominatorsOf,
      usesPreactivation: denominators.some((d) => d.preactivation),
      dispose: () => {
        for (const b of bound) b.dispose();
        for (const t of owned) t.dispose();
      },
    };
  } catch (e) {
    for (const b of bound) b.dispose();
    for (const t of owned) t.dispose();
    throw e;
  }
}
