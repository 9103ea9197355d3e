import * as tf from '@tensorflow/tfjs';
import type { Passes, Propagator, Rule, RuleLayer } from '../rules/rule.js';
import { stabilize } from '../stabilize.js';
import { modify } from './passes.js';

/**
 * Why a rule's passes cannot run on a parameter-free layer (undefined when they can): such a layer has no weights to
 * modify, so only one denominator with one term and unmodified weights makes sense.
 */
export function functionPassesProblem(passes: Passes): string | undefined {
  const [d, extra] = passes.denominators;
  const t = d?.terms[0];
  if (!d || extra || d.terms.length !== 1 || !t || t.weight.key !== '' || t.sign === -1 || d.where)
    return 'its passes modify weights or combine several passes, and this layer has no weights';
  return undefined;
}

/**
 * A one-pass rule (ZeroRule, EpsilonRule, a HookRule) on a parameter-free layer, through the layer's function and its
 * vector-Jacobian product: `R_in = ã ⊙ vjp_f(ã)(R / stab(f(ã)))`. The function is the layer's own, or the one its
 * kind names for LRP (a ReLU6 is explained as a ReLU).
 */
export function functionPropagator(rule: Rule, passes: Passes, layer: RuleLayer): Propagator {
  const term = passes.denominators[0]!.terms[0]!;
  const role = layer.role.kind === 'function' ? layer.role : undefined;
  const forward = role?.forward ?? ((xs: readonly tf.Tensor[]) => layer.op.forward!(xs));
  const own = !role?.forward;
  const vjp = (xs: readonly tf.Tensor[], out: tf.Tensor, s: tf.Tensor): tf.Tensor[] =>
    role?.vjp ? role.vjp(xs, s) : layer.op.vjp!(xs, out, s).map((g, k) => g ?? tf.zerosLike(xs[k]!));
  const stab = (z: tf.Tensor) =>
    passes.stabilize
      ? passes.stabilize(z)
      : stabilize(z, rule.stabilizer, role?.nonNegative ? 'nonNegative' : undefined);
  // ã ⊙ vjp(q) = f(ã) ⊙ q for a positively homogeneous elementwise f (ReLU): no vector-Jacobian product
  const homogeneous = role?.homogeneous === true;
  // f(ã): the forward pass's output where ã = a and f is the layer's own
  const value = (inputs: readonly tf.Tensor[], modified: readonly tf.Tensor[], output: tf.Tensor) =>
    own && modified.every((m, i) => m === inputs[i]) ? output : forward(modified);
  const denominators = ({ inputs, output }: { inputs: readonly tf.Tensor[]; output: tf.Tensor }) => [
    stab(
      value(
        inputs,
        inputs.map((a) => modify(term.input, a)),
        output,
      ),
    ),
  ];
  return {
    denominators,
    propagate: (step) => {
      const modified = step.inputs.map((a) => modify(term.input, a));
      const out = value(step.inputs, modified, step.output);
      const [d] = step.denominators ?? [stab(out)];
      const q = tf.div(step.relevance, d!);
      if (homogeneous) return [tf.mul(out, q)];
      const grads = vjp(modified, out, q);
      return modified.map((m, i) => tf.mul(m, grads[i]!));
    },
    dispose: () => {},
  };
}
