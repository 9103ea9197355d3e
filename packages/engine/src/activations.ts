import * as tf from '@tensorflow/tfjs';
import { positiveMask } from './ops/masks.js';

/**
 * How LRP treats an activation function: `relu` — as ReLU (standalone: `R_in = a ⊙ 1[a>0] ⊙ R / stab(relu(a))`
 * under ZeroRule/EpsilonRule; fused: ignored); `pass` — relevance passes unchanged (standalone and fused).
 * Activations without one have no LRP rule: a model that uses them outside a gate branch fails the model check.
 *
 * @example
 * ```ts
 * const treatment: ActivationRelevance = 'pass';
 * ```
 */
export type ActivationRelevance = 'relu' | 'pass';

/**
 * An activation function: its forward pass (the same TF.js ops as the Keras layer), its exact vector-Jacobian
 * product, and how LRP treats it.
 *
 * @example
 * ```ts
 * const tanh = activationFunction('tanh')!;
 * const s = tanh.vjp(null, tanh.forward(z), tf.onesLike(z)); // 1 − tanh(z)²
 * ```
 */
export interface ActivationFunction {
  /** The Keras name, for example `relu6`. */
  readonly name: string;
  /** `y = f(z)`. */
  forward(z: tf.Tensor): tf.Tensor;
  /**
   * `s ⊙ f'(z)` (for softmax-like functions the full Jacobian product along the axis). `z` is null unless
   * {@link ActivationFunction.readsInput}; `y` is the forward output.
   */
  vjp(z: tf.Tensor | null, y: tf.Tensor, s: tf.Tensor): tf.Tensor;
  /** Whether `vjp` needs the pre-activation `z` (otherwise `y` is enough and `z` can be freed at once). */
  readonly readsInput: boolean;
  /** Whether `f(z) ≥ 0` for every `z`. */
  readonly nonNegative: boolean;
  /** How LRP treats it; undefined: no LRP rule. */
  readonly relevance?: ActivationRelevance;
  /** Whether it acts on each value alone (its Jacobian is diagonal, `vjp(z, y, 1)` is `f'(z)`); false for softmax. */
  readonly elementwise: boolean;
  /**
   * `f'` as a tensor (elementwise functions only; `z` null unless {@link ActivationFunction.readsInput}): the same as
   * `vjp(z, y, 1)` in one op where given. Optional.
   */
  readonly derivative?: (z: tf.Tensor | null, y: tf.Tensor) => tf.Tensor;
}

const mask = (condition: tf.Tensor, s: tf.Tensor) => tf.mul(s, tf.cast(condition, 'float32'));
const SELU_SCALE = 1.0507009873554805;
const SELU_ALPHA = 1.6732632423543772;
const GELU_C = Math.sqrt(2 / Math.PI);

function fn(
  name: string,
  forward: (z: tf.Tensor) => tf.Tensor,
  vjp: (z: tf.Tensor | null, y: tf.Tensor, s: tf.Tensor) => tf.Tensor,
  options: {
    readsInput?: boolean;
    nonNegative?: boolean;
    relevance?: ActivationRelevance;
    elementwise?: boolean;
    derivative?: (z: tf.Tensor | null, y: tf.Tensor) => tf.Tensor;
  } = {},
): ActivationFunction {
  return {
    name,
    forward,
    vjp: (z, y, s) => tf.tidy(() => vjp(z, y, s)),
    readsInput: options.readsInput ?? false,
    nonNegative: options.nonNegative ?? false,
    elementwise: options.elementwise ?? true,
    ...(options.relevance ? { relevance: options.relevance } : {}),
    ...(options.derivative ? { derivative: options.derivative } : {}),
  };
}

/** `s ⊙ (f'(z))` where `f'` is computed from `z`. */
function fromInput(
  name: string,
  forward: (z: tf.Tensor) => tf.Tensor,
  derivative: (z: tf.Tensor) => tf.Tensor,
  relevance?: ActivationRelevance,
): ActivationFunction {
  return fn(name, forward, (z, _y, s) => tf.mul(s, derivative(z!)), {
    readsInput: true,
    ...(relevance ? { relevance } : {}),
  });
}

const swish = fromInput(
  'swish',
  (z) => tf.tidy(() => tf.mul(tf.sigmoid(z), z)),
  (z) => {
    const sg = tf.sigmoid(z);
    return tf.add(sg, tf.mul(z, tf.mul(sg, tf.sub(1, sg))));
  },
  'pass',
);

/** Softmax along `axis`: `J^T s = y ⊙ (s − Σ s ⊙ y)`. */
export function softmaxFunction(axis = -1): ActivationFunction {
  return fn(
    'softmax',
    (z) => tf.softmax(z, axis),
    (_z, y, s) => tf.mul(y, tf.sub(s, tf.sum(tf.mul(s, y), axis, true))),
    { nonNegative: true, elementwise: false },
  );
}

const builtins: ActivationFunction[] = [
  fn(
    'linear',
    (z) => z,
    (_z, _y, s) => s,
    { relevance: 'pass' },
  ),
  fn(
    'relu',
    (z) => tf.relu(z),
    // step(y) = 1[y > 0] = 1[z > 0]: one op, where greater-and-cast costs some thirty times as much on wasm
    (_z, y, s) => tf.mul(s, tf.step(y)),
    {
      nonNegative: true,
      relevance: 'relu',
      derivative: (_z, y) => tf.step(y),
    },
  ),
  fn(
    'relu6',
    (z) => tf.tidy(() => tf.minimum(6, tf.relu(z))),
    (_z, y, s) => tf.tidy(() => tf.mul(s, tf.mul(positiveMask(y), positiveMask(tf.sub(6, y))))),
    { nonNegative: true, relevance: 'relu' },
  ),
  fn(
    'elu',
    (z) => tf.elu(z),
    (_z, y, s) => tf.where(tf.greater(y, 0), s, tf.mul(s, tf.add(y, 1))),
  ),
  fn(
    'selu',
    (z) => tf.selu(z),
    (_z, y, s) =>
      tf.where(tf.greater(y, 0), tf.mul(s, SELU_SCALE), tf.mul(s, tf.add(y, SELU_SCALE * SELU_ALPHA))),
  ),
  fn(
    'sigmoid',
    (z) => tf.sigmoid(z),
    (_z, y, s) => tf.mul(s, tf.mul(y, tf.sub(1, y))),
    {
      nonNegative: true,
    },
  ),
  fn(
    'hardSigmoid',
    (z) => tf.tidy(() => tf.clipByValue(tf.add(0.5, tf.mul(0.2, z)), 0, 1)),
    // TF.js's clipByValue passes the gradient where the clipped value lies in [0, 1], bounds included
    (z, _y, s) => {
      const u = tf.add(0.5, tf.mul(0.2, z!));
      return mask(tf.logicalAnd(tf.greaterEqual(u, 0), tf.lessEqual(u, 1)), tf.mul(s, 0.2));
    },
    { readsInput: true, nonNegative: true },
  ),
  fromInput(
    'softplus',
    (z) => tf.softplus(z),
    (z) => tf.sigmoid(z),
  ),
  fromInput(
    'softsign',
    (z) => tf.tidy(() => tf.div(z, tf.add(1, tf.abs(z)))),
    (z) => tf.reciprocal(tf.square(tf.add(1, tf.abs(z)))),
  ),
  fn(
    'tanh',
    (z) => tf.tanh(z),
    (_z, y, s) => tf.mul(s, tf.sub(1, tf.square(y))),
  ),
  softmaxFunction(-1),
  fn(
    'logSoftmax',
    (z) => tf.logSoftmax(z, -1),
    (_z, y, s) => tf.sub(s, tf.mul(tf.exp(y), tf.sum(s, -1, true))),
    { elementwise: false },
  ),
  fromInput(
    'gelu',
    (z) => tf.tidy(() => tf.mul(z, tf.mul(0.5, tf.add(1, tf.erf(tf.div(z, Math.SQRT2)))))),
    (z) =>
      tf.add(
        tf.mul(0.5, tf.add(1, tf.erf(tf.div(z, Math.SQRT2)))),
        tf.mul(z, tf.mul(1 / Math.sqrt(2 * Math.PI), tf.exp(tf.mul(-0.5, tf.square(z))))),
      ),
    'pass',
  ),
  fromInput(
    'gelu_new',
    (z) =>
      tf.tidy(() =>
        tf.mul(0.5, tf.mul(z, tf.add(1, tf.tanh(tf.mul(GELU_C, tf.add(z, tf.mul(0.044715, tf.pow(z, 3)))))))),
      ),
    (z) => {
      const t = tf.tanh(tf.mul(GELU_C, tf.add(z, tf.mul(0.044715, tf.pow(z, 3)))));
      const du = tf.mul(GELU_C, tf.add(1, tf.mul(3 * 0.044715, tf.square(z))));
      return tf.add(tf.mul(0.5, tf.add(1, t)), tf.mul(tf.mul(0.5, z), tf.mul(tf.sub(1, tf.square(t)), du)));
    },
    'pass',
  ),
  fromInput(
    'mish',
    (z) => tf.tidy(() => tf.mul(z, tf.tanh(tf.softplus(z)))),
    (z) => {
      const t = tf.tanh(tf.softplus(z));
      return tf.add(t, tf.mul(z, tf.mul(tf.sub(1, tf.square(t)), tf.sigmoid(z))));
    },
  ),
  swish,
  { ...swish, name: 'silu' },
];

const table = new Map<string, ActivationFunction>(builtins.map((a) => [a.name, a]));

/**
 * The activation function of a Keras name, or undefined when none is known.
 *
 * @example
 * ```ts
 * activationFunction('relu6')?.relevance; // 'relu'
 * ```
 */
export function activationFunction(name: string): ActivationFunction | undefined {
  return table.get(name);
}

/**
 * What {@link registerActivation} takes: how LRP treats the activation, and, for an activation the engine does not
 * know, its forward pass and vector-Jacobian product.
 *
 * @example
 * ```ts
 * const spec: ActivationSpec = { relevance: 'pass' };
 * ```
 */
export interface ActivationSpec {
  /** How LRP treats it (default `pass`). */
  readonly relevance?: ActivationRelevance | undefined;
  /** `f(z)`; required for activations the engine does not know. */
  readonly forward?: (z: tf.Tensor) => tf.Tensor;
  /** `s ⊙ f'(z)`; required for activations the engine does not know (`z` is given when `readsInput`). */
  readonly vjp?: (z: tf.Tensor | null, y: tf.Tensor, s: tf.Tensor) => tf.Tensor;
  /** Whether `vjp` reads `z`; default true. */
  readonly readsInput?: boolean;
  /** Whether `f(z) ≥ 0` everywhere; default false. */
  readonly nonNegative?: boolean;
  /** Whether it acts on each value alone; default true. */
  readonly elementwise?: boolean;
}

/**
 * Registers an activation, or how LRP treats a known one. Built in: every Keras activation of TF.js with its exact
 * derivative; LRP treats relu and relu6 as ReLU and passes relevance through linear, gelu, gelu_new, swish and silu
 * (RelevancePropagation.jl's list plus relu6). Others (tanh, sigmoid, elu, …) have no LRP rule until registered here.
 *
 * @example
 * ```ts
 * registerActivation('tanh', { relevance: 'pass' }); // LRP passes relevance through tanh
 * registerActivation('cube', { forward: (z) => z.pow(3), vjp: (z, _y, s) => s.mul(z!.square().mul(3)) });
 * ```
 */
export function registerActivation(name: string, spec: ActivationSpec = {}): void {
  const known = table.get(name);
  const relevance = spec.relevance ?? 'pass';
  if (known && !spec.forward && !spec.vjp) {
    table.set(name, { ...known, relevance });
    return;
  }
  if (!spec.forward || !spec.vjp)
    throw new TypeError(
      `registerActivation('${name}'): the engine does not know this activation; give its forward and vjp`,
    );
  table.set(
    name,
    fn(name, spec.forward, spec.vjp, {
      readsInput: spec.readsInput ?? true,
      nonNegative: spec.nonNegative ?? false,
      elementwise: spec.elementwise ?? true,
      relevance,
    }),
  );
}
