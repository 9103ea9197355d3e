import type * as tf from '@tensorflow/tfjs';
import { stabilize } from '../stabilize.js';
import { PARAMS } from './modifiers.js';
import { type InputModifier, type ParamModifier, type Passes, Rule } from './rule.js';

let hookRules = 0;

/**
 * A rule built from hooks, run by the engine's one generic step (RelevancePropagation.jl's `lrp!`):
 * `ã = modifyInput(a)`, `z = W̃ ã + b̃` (the layer with `modifyWeight`/`modifyBias` applied; on parameter-free
 * layers `z = f(ã)`), `s = R / modifyDenominator(z)`, `R_in = ã ⊙ vjp(s)`. Override only the hooks you need: a
 * hook left alone costs nothing (an unmodified layer reuses the forward pass's pre-activation).
 *
 * @example
 * ```ts
 * class DoubleEpsilon extends HookRule {
 *   toString() { return 'DoubleEpsilon()'; }
 *   override modifyDenominator(z: tf.Tensor) { return stabilize(z, 2e-6); }
 * }
 * ```
 */
export abstract class HookRule extends Rule {
  readonly #id = `hook${hookRules++}`;

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

  /** {@inheritDoc Rule.passes} */
  override passes(): Passes {
    const base = HookRule.prototype;
    const input: InputModifier =
      this.modifyInput === base.modifyInput ? 'identity' : (a: tf.Tensor) => this.modifyInput(a);
    const param = (hook: 'modifyWeight' | 'modifyBias'): ParamModifier =>
      this[hook] === base[hook]
        ? PARAMS.identity
        : { key: `${this.#id}:${hook}`, apply: (p: tf.Tensor) => this[hook](p) };
    return {
      denominators: [{ terms: [{ input, weight: param('modifyWeight'), bias: param('modifyBias') }] }],
      ...(this.modifyDenominator === base.modifyDenominator
        ? {}
        : { stabilize: (z: tf.Tensor) => this.modifyDenominator(z) }),
    };
  }
}
