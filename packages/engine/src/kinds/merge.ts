import * as tf from '@tensorflow/tfjs';
import { KindReadError } from '../errors.js';
import type { LayerKind } from '../kind.js';
import { all, configOf, unbroadcast } from './common.js';

/**
 * Add: the sum of its inputs. For LRP a residual split: relevance goes to each input in proportion to its
 * contribution, `c = R / stab(Σ_k a_k, 1e-9)`, input `k` gets `c ⊙ a_k`, whatever the rule.
 *
 * @example
 * ```ts
 * layerKind('Add') === add; // true
 * ```
 */
export const add: LayerKind = {
  name: 'Add',
  classNames: ['Add'],
  groups: ['merge'],
  read: () => ({
    relevance: { kind: 'split' },
    forward: (inputs) => (inputs.length === 1 ? inputs[0]!.clone() : tf.addN([...inputs])),
    vjp: (inputs, _output, s) =>
      inputs.map((a) => (a.shape.join() === s.shape.join() ? s.clone() : unbroadcast(s, a.shape))),
    nonNegative: all,
  }),
};

/**
 * Concatenate: joins its inputs along an axis; relevance and gradients are split back into the inputs' slices.
 *
 * @example
 * ```ts
 * layerKind('Concatenate') === concatenate; // true
 * ```
 */
export const concatenate: LayerKind = {
  name: 'Concatenate',
  classNames: ['Concatenate'],
  groups: ['merge'],
  read(layer) {
    const axisCfg = (configOf(layer).axis as number | undefined) ?? -1;
    const axisOf = (rank: number) => (axisCfg < 0 ? axisCfg + rank : axisCfg);
    return {
      relevance: { kind: 'route' },
      forward: (inputs) => tf.concat([...inputs], axisOf(inputs[0]!.rank)),
      vjp: (inputs, _output, s) => {
        const axis = axisOf(s.rank);
        return tf.split(
          s,
          inputs.map((a) => a.shape[axis]!),
          axis,
        );
      },
      nonNegative: all,
    };
  },
};

/**
 * Multiply. When one input is a gate computed from the other (squeeze-and-excitation, hard-swish `x ⊙ σ(x)`), LRP
 * holds the gate constant: the signal takes all relevance, the gate branch none. The product of two independent
 * branches has no LRP rule. Gradients use the product rule, broadcasting included.
 *
 * @example
 * ```ts
 * layerKind('Multiply') === multiply; // true
 * ```
 */
export const multiply: LayerKind = {
  name: 'Multiply',
  classNames: ['Multiply'],
  groups: ['merge'],
  read(_layer, ctx) {
    const [x, g] = ctx.node.inputs;
    if (ctx.node.inputs.length !== 2 || !x || !g)
      throw new KindReadError(`Multiply of ${ctx.node.inputs.length} inputs is not supported (2 inputs)`);
    const gateOfFirst = ctx.dependsOn(g, x) && !ctx.dependsOn(x, g);
    const gateOfSecond = ctx.dependsOn(x, g) && !ctx.dependsOn(g, x);
    return {
      relevance:
        gateOfFirst || gateOfSecond
          ? { kind: 'gate', signal: gateOfFirst ? 0 : 1 }
          : {
              kind: 'unsupported',
              reason:
                'a Multiply of two independent branches has no LRP rule (a gate, one input computed from the other, holds the gate constant); register a layer kind for it with registerLayerKind',
            },
      forward: ([a, b]) => tf.mul(a!, b!),
      vjp: ([a, b], _output, s) =>
        tf.tidy(() => [unbroadcast(tf.mul(s, b!), a!.shape), unbroadcast(tf.mul(s, a!), b!.shape)]),
      // bilinear: the expected Jacobian holds the mean of the other input
      expected: {
        sample: ([a, b]) => [b!.clone(), a!.clone()],
        vjp: ([mb, ma], [a, b], s) =>
          tf.tidy(() => [unbroadcast(tf.mul(s, mb!), a!.shape), unbroadcast(tf.mul(s, ma!), b!.shape)]),
      },
      nonNegative: all,
    };
  },
};

/**
 * Average, Maximum and Minimum of several inputs: parameter-free functions (ZeroRule/EpsilonRule through their
 * vector-Jacobian products: Average splits relevance in proportion to the inputs, Maximum/Minimum send it to the
 * input that won, the first on ties).
 *
 * @example
 * ```ts
 * layerKind('Maximum') === elementwise; // true
 * ```
 */
export const elementwise: LayerKind = {
  name: 'ElementwiseMerge',
  classNames: ['Average', 'Maximum', 'Minimum'],
  groups: ['merge'],
  read(layer) {
    const which = layer.getClassName();
    if (which === 'Average')
      return {
        relevance: { kind: 'function' },
        forward: (inputs) => tf.div(tf.addN([...inputs]), inputs.length),
        vjp: (inputs, _output, s) =>
          tf.tidy(() => inputs.map((a) => unbroadcast(tf.div(s, inputs.length), a.shape))),
        nonNegative: all,
      };
    const pick = which === 'Maximum' ? tf.maximum : tf.minimum;
    // which input wins at each value: the first equal to the result
    const winners = (inputs: readonly tf.Tensor[], output: tf.Tensor) =>
      tf.tidy(() => {
        let rest: tf.Tensor = tf.onesLike(output);
        return inputs.map((a) => {
          const won = tf.where(tf.equal(a, output), rest, tf.zerosLike(rest));
          rest = tf.sub(rest, won);
          return won;
        });
      });
    return {
      relevance: { kind: 'function' },
      forward: (inputs) =>
        tf.tidy(() => inputs.slice(1).reduce<tf.Tensor>((acc, a) => pick(acc, a), inputs[0]!)),
      vjp: (inputs, output, s) =>
        tf.tidy(() => {
          // the first input equal to the result takes s
          let rest: tf.Tensor = s;
          return inputs.map((a) => {
            const taken = tf.where(tf.equal(a, output), rest, tf.zerosLike(rest));
            rest = tf.sub(rest, taken);
            return unbroadcast(taken, a.shape);
          });
        }),
      expected: {
        sample: (inputs, output) => winners(inputs, output),
        vjp: (means, inputs, s) =>
          tf.tidy(() => inputs.map((a, k) => unbroadcast(tf.mul(s, means[k]!), a.shape))),
      },
      nonNegative: which === 'Maximum' ? (flags) => flags.some(Boolean) : all,
    };
  },
};
