import * as tf from '@tensorflow/tfjs';
import type { LayerNode } from '@xai-ts/canonize';
import { forwardFunction, type LayerSupport, vjpFunction } from '../layers.js';
import type { BoundLinear, LinearMap } from '../linear.js';
import { DEFAULT_STABILIZER, stabilize } from '../stabilize.js';

/** What a rule sees of the layer it is prepared for. */
export interface RuleLayer {
  /** The layer in the analyzer's graph (index, name, class, inputs). */
  readonly node: LayerNode;
  /** How LRP handles the layer's class. */
  readonly support: LayerSupport;
  /** The layer's affine map for layers with weights, else null. */
  readonly linear: LinearMap | null;
  /** The shapes of the layer's inputs, batch axis included (null for free dimensions). */
  readonly inputShapes: readonly (readonly (number | null)[])[];
  /** The shape of the layer's output, batch axis included. */
  readonly outputShape: readonly (number | null)[];
  /**
   * True when every input of the layer is non-negative for any model input (it comes from a ReLU, or through
   * pooling, reshaping or concatenation of such values). Rules may then skip the passes of negative inputs.
   */
  readonly nonNegativeInput: boolean;
}

/** The tensors one backward step works with. */
export interface Step {
  /** The layer's inputs `a` from the forward pass. */
  readonly inputs: readonly tf.Tensor[];
  /** The layer's output (after any fused activation). */
  readonly output: tf.Tensor;
  /** `W a + b` for layers with weights (before the fused activation), else null. */
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

/** A rule prepared for one layer: its modified weights are computed once and kept until `dispose`. */
export interface Propagator {
  /** The relevance at each of the layer's inputs. Runs inside the analyzer's `tf.tidy`. */
  propagate(step: Step): tf.Tensor[];
  /**
   * The stabilized denominators of the step, which depend on the forward pass only (not on the relevance), so that
   * several relevances can be propagated through the same pass without recomputing them. Optional.
   */
  denominators?(step: ForwardStep): tf.Tensor[];
  /** Frees what `prepare` computed. */
  dispose(): void;
  /**
   * Whether the step reads `Step.preactivation`; when false (or absent) the forward pass frees the layer's
   * pre-activation as soon as its activation has been applied.
   */
  readonly usesPreactivation?: boolean;
}

/**
 * An LRP rule: turns the relevance at a layer's output into relevance at its inputs. Most rules extend
 * {@link HookRule}; rules that need several passes implement {@link Rule.prepare} themselves.
 *
 * @example
 * ```ts
 * class HalfRule extends Rule {
 *   toString() { return 'HalfRule()'; }
 *   isCompatible() { return true; }
 *   prepare(): Propagator {
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

  /** Precomputes what the rule needs for one layer (modified weights) and returns its propagation step. */
  abstract prepare(layer: RuleLayer): Propagator;
}

/**
 * A rule built from hooks, run by one generic step (RelevancePropagation.jl's `lrp!`):
 * `ã = modifyInput(a)`, `z = W̃ ã + b̃` (the layer with `modifyWeight`/`modifyBias` applied; on parameter-free
 * layers `z = f(ã)`), `s = R / modifyDenominator(z)`, `R_in = ã ⊙ vjp(s)`.
 *
 * @example
 * ```ts
 * class DoubleEpsilon extends HookRule {
 *   toString() { return 'DoubleEpsilon()'; }
 *   modifyDenominator(z: tf.Tensor) { return stabilize(z, 2e-6); }
 * }
 * ```
 */
export abstract class HookRule extends Rule {
  /** Modifies the layer's input before the step; identity by default. */
  modifyInput(a: tf.Tensor): tf.Tensor {
    return a;
  }
  /** Modifies the weights (once, at construction); identity by default. */
  modifyWeight(w: tf.Tensor): tf.Tensor {
    return w;
  }
  /** Modifies the bias (once, at construction); identity by default. */
  modifyBias(b: tf.Tensor): tf.Tensor {
    return b;
  }
  /** Stabilizes the denominator; `stab(z, stabilizer)` by default. */
  modifyDenominator(z: tf.Tensor): tf.Tensor {
    return stabilize(z, this.stabilizer);
  }

  /** {@inheritDoc Rule.prepare} */
  prepare(layer: RuleLayer): Propagator {
    const { linear, support, node } = layer;
    if (linear) {
      const weight = tf.keep(this.modifyWeight(linear.kernel));
      const bias = linear.bias ? tf.keep(this.modifyBias(linear.bias)) : null;
      const unmodified = weight === linear.kernel && bias === linear.bias;
      const bound: BoundLinear = linear.bind(weight, bias);
      const denominators = ({ inputs, preactivation }: ForwardStep) => {
        const a = inputs[0]!;
        const ã = this.modifyInput(a);
        return [
          this.modifyDenominator(unmodified && ã === a && preactivation ? preactivation : bound.apply(ã)),
        ];
      };
      return {
        denominators,
        usesPreactivation: unmodified,
        propagate: (step) => {
          const a = step.inputs[0]!;
          const ã = this.modifyInput(a);
          const [d] = step.denominators ?? denominators(step);
          return [tf.mul(ã, bound.transpose(tf.div(step.relevance, d!), a.shape))];
        },
        dispose: () => {
          bound.dispose();
          if (weight !== linear.kernel) weight.dispose();
          if (bias && bias !== linear.bias) bias.dispose();
        },
      };
    }
    if (support.kind !== 'function')
      throw new Error(`HookRule cannot prepare layer "${node.name}" of kind ${support.kind}`);
    const denominators = ({ inputs, output }: ForwardStep) => {
      const modified = inputs.map((a) => this.modifyInput(a));
      const z = modified.every((m, i) => m === inputs[i])
        ? output
        : forwardFunction(support, node.layer, modified);
      return [this.modifyDenominator(z)];
    };
    return {
      denominators,
      propagate: (step) => {
        const modified = step.inputs.map((a) => this.modifyInput(a));
        const [d] = step.denominators ?? denominators(step);
        const grads = vjpFunction(support, node.layer, modified, tf.div(step.relevance, d!));
        return modified.map((m, i) => tf.mul(m, grads[i]!));
      },
      dispose: () => {},
    };
  }
}

/** Formats a number for rule names: `1e-6`, `0.25`, `3`. */
export function fmt(x: number): string {
  if (x !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e5)) return x.toExponential();
  return String(x);
}
