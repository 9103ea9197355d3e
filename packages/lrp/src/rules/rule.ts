import type * as tf from '@tensorflow/tfjs';
import type { LayerNode } from '@xai-ts/canonize';
import type { LayerKind, LayerOp, LinearMap, RelevanceRole } from '@xai-ts/engine';
import { DEFAULT_STABILIZER } from '../stabilize.js';
import type { RuleSpec } from './spec.js';

/** What a rule sees of the layer it is prepared for. */
export interface RuleLayer {
  /** The layer in the analyzer's graph (index, name, class, inputs). */
  readonly node: LayerNode;
  /** The layer's kind. */
  readonly kind: LayerKind;
  /** What the kind read: forward pass, vector-Jacobian product, LRP role. */
  readonly op: LayerOp;
  /** How LRP treats the layer (its kind's declaration). */
  readonly role: RelevanceRole;
  /** The layer's affine map for layers with weights, else null. */
  readonly linear: LinearMap | null;
  /** The shapes of the layer's inputs, batch axis included (null for free dimensions). */
  readonly inputShapes: readonly (readonly (number | null)[])[];
  /** The shape of the layer's output, batch axis included. */
  readonly outputShape: readonly (number | null)[];
  /**
   * True when every input of the layer is non-negative for any model input (it comes from a ReLU, or through
   * pooling, reshaping or concatenation of such values). The engine then drops the passes of negative inputs.
   */
  readonly nonNegativeInput: boolean;
}

/** The tensors one backward step works with. */
export interface Step {
  /** The layer's inputs `a` from the forward pass. */
  readonly inputs: readonly tf.Tensor[];
  /** The layer's output (after any fused activation). */
  readonly output: tf.Tensor;
  /** `W a + b` for layers with weights where the forward pass kept it (before the fused activation), else null. */
  readonly preactivation: tf.Tensor | null;
  /** The relevance at the layer's output. */
  readonly relevance: tf.Tensor;
  /**
   * The step's stabilized denominators for this forward pass, when they were computed beforehand with
   * {@link Propagator.denominators} (CRP reuses them for every feature); otherwise the step computes them.
   */
  readonly denominators?: readonly tf.Tensor[];
}

/** What a step reads of the forward pass alone (everything but the relevance). */
export type ForwardStep = Omit<Step, 'relevance' | 'denominators'>;

/** A rule prepared for one layer: what it precomputed (modified weights) lives until `dispose`. */
export interface Propagator {
  /** The relevance at each of the layer's inputs (null: none). Runs inside the analyzer's `tf.tidy`. */
  propagate(step: Step): (tf.Tensor | null)[];
  /**
   * The stabilized denominators of the step, which depend on the forward pass only (not on the relevance), so that
   * several relevances can be propagated through the same pass without recomputing them. Optional.
   */
  denominators?(step: ForwardStep): tf.Tensor[];
  /** Frees what was precomputed. */
  dispose(): void;
  /**
   * Whether the step reads `Step.preactivation`; when false (or absent) the forward pass frees the layer's
   * pre-activation as soon as its activation has been applied.
   */
  readonly usesPreactivation?: boolean;
}

/**
 * How one pass modifies the layer's input: `identity` (a), `positive` (a⁺), `negative` (a⁻), `ones`, a constant
 * `fill` broadcast to the input (ZBox's bounds), or a function of the input.
 *
 * @example
 * ```ts
 * const input: InputModifier = { fill: -3 };
 * ```
 */
export type InputModifier =
  | 'identity'
  | 'positive'
  | 'negative'
  | 'ones'
  | { readonly fill: number | tf.Tensor }
  | ((a: tf.Tensor) => tf.Tensor);

/**
 * How one pass modifies the layer's kernel or bias, once, when the analyzer is built. Passes with the same `key`
 * share the modified tensor; `sign` says the modified values' sign where it is known (the engine then stabilizes
 * sign-known denominators in one op). The key `''` is the identity.
 *
 * @example
 * ```ts
 * const plus: ParamModifier = { key: '+', apply: (w) => tf.relu(w), sign: 'nonNegative' };
 * ```
 */
export interface ParamModifier {
  /** Identifies the modification: equal keys give equal tensors. `''` leaves the parameter as it is. */
  readonly key: string;
  /** The modified parameter; called once per layer. */
  apply(p: tf.Tensor): tf.Tensor;
  /** The sign of every modified value, where known. */
  readonly sign?: 'nonNegative' | 'nonPositive' | 'zero';
}

/**
 * One term of a denominator, `± (W̃ ã + b̃)`: a modified input through the layer's map with modified parameters.
 * The same term, transposed, carries relevance back: input relevance gets `± ã ⊙ W̃ᵀ s`.
 *
 * @example
 * ```ts
 * const term: Term = { input: 'positive', weight: PLUS, bias: PLUS };
 * ```
 */
export interface Term {
  readonly input: InputModifier;
  readonly weight: ParamModifier;
  /** The bias of this term; null: none (cross terms of AlphaBeta, ZBox's bounds). */
  readonly bias: ParamModifier | null;
  /** The term's sign in the denominator and in the relevance; default +1. */
  readonly sign?: 1 | -1;
}

/**
 * One denominator of a rule: `z = Σ terms`, `s = R / stab(z)` (only where the layer's output has the sign `where`
 * asks for), and its terms' transposes times `scale` make its share of the input relevance.
 *
 * @example
 * ```ts
 * const alpha: Denominator = { terms: [...], scale: 2 };
 * ```
 */
export interface Denominator {
  readonly terms: readonly Term[];
  /** This denominator's factor in the input relevance (α, −β); default 1. */
  readonly scale?: number;
  /** Only the relevance of units whose layer output is positive / negative (Generalized γ). */
  readonly where?: 'positive' | 'negative';
}

/**
 * A rule on a layer with weights, as data (Zennit's BasicHook, generalised): denominators built from modified
 * inputs and parameters, and how they combine. `R_in = Σ_d scale_d Σ_{t∈d} sign_t ã_t ⊙ W̃_tᵀ (R / stab(z_d))`.
 * The engine precomputes the modified parameters once, reuses the forward pass's pre-activation where a
 * denominator is the layer itself, drops the terms of negative inputs where inputs are non-negative, stabilizes
 * sign-known denominators in one op, and frees intermediates as it goes.
 *
 * @example
 * ```ts
 * const zplus: Passes = { denominators: [{ terms: [
 *   { input: 'positive', weight: PLUS, bias: PLUS },
 *   { input: 'negative', weight: MINUS, bias: null },
 * ] }] };
 * ```
 */
export interface Passes {
  readonly denominators: readonly Denominator[];
  /** Stabilizes `z` (default `stab(z, rule.stabilizer)`, in one op where the sign is known). */
  readonly stabilize?: (z: tf.Tensor) => tf.Tensor;
}

/**
 * An LRP rule: turns the relevance at a layer's output into relevance at its inputs. A rule says what it does as
 * data, {@link Rule.passes} (most rules extend {@link HookRule}, the one-pass form); a rule that needs something
 * else implements {@link Rule.prepare} itself.
 *
 * @example
 * ```ts
 * class HalfRule extends Rule {
 *   toString() { return 'HalfRule()'; }
 *   isCompatible() { return true; }
 *   override prepare(): Propagator {
 *     return { propagate: (step) => step.inputs.map((a) => tf.onesLike(a).mul(step.relevance.sum().div(2 * a.size))),
 *              dispose: () => {} };
 *   }
 * }
 * ```
 */
export abstract class Rule {
  /** The rule as it prints in `lrp.toString()`, for example `EpsilonRule(epsilon=1e-6)`. */
  abstract toString(): string;

  /** The stabilizer `e` of `stab(z, e)`; 1e-9 unless the rule says otherwise. */
  get stabilizer(): number {
    return DEFAULT_STABILIZER;
  }

  /**
   * Whether the rule can handle the layer (RelevancePropagation.jl's `is_compatible`). By default a rule needs a
   * layer with weights.
   */
  isCompatible(layer: RuleLayer): boolean {
    return layer.linear !== null;
  }

  /**
   * The rule's passes on `layer`, as data the engine runs. On a parameter-free function layer (pools, activations)
   * only one denominator with one term and unmodified weights makes sense: `R_in = ã ⊙ vjp(R / stab(f(ã)))`.
   */
  passes?(layer: RuleLayer): Passes;

  /** A step of the rule's own, for rules that are not passes (PassRule, LayerNormRule, custom rules). */
  prepare?(layer: RuleLayer): Propagator;

  /**
   * The rule as plain data, so it can cross to a worker or be stored as JSON (see `ruleFromSpec`); undefined for
   * rules that cannot be described so (tensor options, unregistered classes).
   */
  toSpec?(): RuleSpec | undefined;
}

/** Formats a number for rule names: `1e-6`, `0.25`, `3`. */
export function fmt(x: number): string {
  if (x !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e5)) return x.toExponential();
  return String(x);
}
