import * as tf from '@tensorflow/tfjs';
import { type ActivationFunction, activationFunction, softmaxFunction } from '../activations.js';
import { KindReadError } from '../errors.js';
import type { LayerKind, LayerOp, RelevanceRole } from '../kind.js';
import { positiveMask } from '../ops/masks.js';
import { configOf, unbroadcast, weightsOf } from './common.js';

/** Expected Jacobians of an elementwise function: the mean of its derivative, times `s`. */
function derivative(f: (a: tf.Tensor, y: tf.Tensor) => tf.Tensor): LayerOp['expected'] {
  return {
    sample: ([a], y) => [f(a!, y)],
    vjp: ([mean], _inputs, s) => [tf.mul(s, mean!)],
  };
}

const reluRole: RelevanceRole = {
  kind: 'function',
  forward: ([a]) => tf.relu(a!),
  vjp: ([a], s) => [tf.mul(s, tf.step(a!))],
  homogeneous: true,
  nonNegative: true,
};

/** LRP's treatment of a standalone activation. */
function roleOf(fn: ActivationFunction): RelevanceRole {
  if (fn.relevance === 'relu') return reluRole;
  if (fn.relevance === 'pass') return { kind: 'pass' };
  return {
    kind: 'unsupported',
    reason: `the activation '${fn.name}' has no LRP rule (ReLU-like activations are treated as ReLU, swish and gelu pass relevance); register a treatment with registerActivation('${fn.name}', { relevance: 'pass' }) if passing relevance through it is right for your model`,
  };
}

function opOf(fn: ActivationFunction): LayerOp {
  return {
    relevance: roleOf(fn),
    forward: ([a]) => fn.forward(a!),
    vjp: ([a], output, s) => [fn.vjp(fn.readsInput ? a! : null, output, s)],
    ...(fn.elementwise
      ? { expected: derivative((a, y) => fn.vjp(fn.readsInput ? a : null, y, tf.onesLike(y))) }
      : {}),
    nonNegative: (flags) => fn.nonNegative || (fn.relevance === 'pass' && fn.name === 'linear' && !!flags[0]),
  };
}

/**
 * Activation layers (`activation: 'relu' | 'tanh' | …`): the function and its exact derivative. LRP treats
 * ReLU-like ones as ReLU (ZeroRule in presets: `R_in = a ⊙ 1[a>0] ⊙ R / stab(relu(a))`), passes relevance through
 * linear, swish and gelu ones, and has no rule for the rest (a model-check problem outside a gate branch).
 *
 * @example
 * ```ts
 * layerKind('Activation') === activation; // true
 * ```
 */
export const activation: LayerKind = {
  name: 'Activation',
  classNames: ['Activation'],
  groups: ['activation'],
  read(layer) {
    const name = configOf(layer).activation;
    if (typeof name !== 'string') throw new KindReadError(`activation ${JSON.stringify(name)} is not a name`);
    const fn = activationFunction(name);
    if (!fn)
      throw new KindReadError(
        `the activation '${name}' is unknown to the engine; register its forward and derivative with registerActivation('${name}', { forward, vjp })`,
      );
    return opOf(fn);
  },
};

/**
 * ReLU layers (`maxValue` clips, as `ReLU(6.)` in MobileNetV2): exact derivative for gradients; LRP treats them as
 * ReLU, so units above the clip pass their relevance.
 *
 * @example
 * ```ts
 * layerKind('ReLU') === relu; // true
 * ```
 */
export const relu: LayerKind = {
  name: 'ReLU',
  classNames: ['ReLU'],
  groups: ['activation'],
  read(layer) {
    const cfg = configOf(layer);
    const max = typeof cfg.maxValue === 'number' ? cfg.maxValue : null;
    if (
      (typeof cfg.negativeSlope === 'number' && cfg.negativeSlope !== 0) ||
      (typeof cfg.threshold === 'number' && cfg.threshold !== 0)
    )
      throw new KindReadError('ReLU with a negative slope or a threshold is not supported');
    return {
      relevance: reluRole,
      forward: ([a]) => (max === null ? tf.relu(a!) : tf.clipByValue(tf.relu(a!), 0, max)),
      // 1[0 < y] (and 1[y < max]) from steps: comparisons cost some thirty times as much on wasm
      vjp: (_inputs, output, s) =>
        tf.tidy(() => {
          const open = positiveMask(output);
          return [tf.mul(s, max === null ? open : tf.mul(open, positiveMask(tf.sub(max, output))))];
        }),
      nonNegative: () => true,
    };
  },
};

/**
 * LeakyReLU, PReLU and ThresholdedReLU: positively homogeneous piecewise-linear functions, explained through their
 * own Jacobian (ZeroRule/EpsilonRule: `R_in = a ⊙ f'(a) ⊙ R / stab(f(a))`, which passes relevance where `f(a) ≠ 0`).
 *
 * @example
 * ```ts
 * layerKind('LeakyReLU') === leakyRelu; // true
 * ```
 */
export const leakyRelu: LayerKind = {
  name: 'LeakyReLU',
  classNames: ['LeakyReLU', 'PReLU', 'ThresholdedReLU'],
  groups: ['activation'],
  read(layer) {
    const cfg = configOf(layer);
    const which = layer.getClassName();
    if (which === 'ThresholdedReLU') {
      const theta = (cfg.theta as number | undefined) ?? 1;
      return {
        relevance: { kind: 'function' },
        forward: ([a]) => tf.tidy(() => tf.mul(a!, tf.cast(tf.greater(a!, theta), 'float32'))),
        vjp: ([a], _output, s) => [tf.tidy(() => tf.mul(s, tf.cast(tf.greater(a!, theta), 'float32')))],
        expected: derivative((a) => tf.cast(tf.greater(a, theta), 'float32')),
        nonNegative: () => false,
      };
    }
    if (which === 'PReLU') {
      const alpha = weightsOf(layer)[0]!;
      return {
        relevance: { kind: 'function' },
        forward: ([a]) => tf.prelu(a!, alpha),
        vjp: ([a], _output, s) => [
          tf.tidy(() => unbroadcast(tf.where(tf.greater(a!, 0), s, tf.mul(s, alpha)), a!.shape)),
        ],
        expected: derivative((a) =>
          tf.tidy(() => tf.where(tf.greater(a, 0), tf.onesLike(a), tf.mul(tf.onesLike(a), alpha))),
        ),
      };
    }
    const alpha = (cfg.alpha as number | undefined) ?? 0.3;
    return {
      relevance: { kind: 'function' },
      forward: ([a]) => tf.leakyRelu(a!, alpha),
      vjp: ([a], _output, s) => [tf.tidy(() => tf.where(tf.greater(a!, 0), s, tf.mul(s, alpha)))],
      expected: derivative((a) =>
        tf.tidy(() => tf.where(tf.greater(a, 0), tf.onesLike(a), tf.fill(a.shape, alpha))),
      ),
      nonNegative: () => false,
    };
  },
};

/**
 * ELU and Softmax layers: exact derivatives for gradient methods; no LRP rule (a softmax at the output is stripped
 * with `stripSoftmax`).
 *
 * @example
 * ```ts
 * layerKind('Softmax') === smoothActivation; // true
 * ```
 */
export const smoothActivation: LayerKind = {
  name: 'SmoothActivation',
  classNames: ['ELU', 'Softmax'],
  groups: ['activation'],
  read(layer) {
    const cfg = configOf(layer);
    if (layer.getClassName() === 'ELU') {
      const alpha = (cfg.alpha as number | undefined) ?? 1;
      if (alpha !== 1)
        throw new KindReadError(`ELU with alpha ${alpha} is not supported (TF.js runs alpha = 1 only)`);
      return opOf(activationFunction('elu')!);
    }
    const axis = cfg.axis;
    if (Array.isArray(axis) && axis.length !== 1)
      throw new KindReadError(`Softmax over several axes ${JSON.stringify(axis)} is not supported`);
    const ax = Array.isArray(axis) ? (axis[0] as number) : typeof axis === 'number' ? axis : -1;
    return opOf(softmaxFunction(ax));
  },
};
