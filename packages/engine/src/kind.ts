import type * as tf from '@tensorflow/tfjs';
import type { LayerGraph, LayerNode, Source } from '@xai-ts/canonize';
import type { ActivationFunction } from './activations.js';
import type { LinearMap } from './linear/linear.js';

/**
 * Layer type groups, which composites match (Zennit's layer types, RelevancePropagation.jl's layer unions).
 *
 * @example
 * ```ts
 * const group: TypeGroup = 'conv';
 * ```
 */
export type TypeGroup =
  | 'conv'
  | 'dense'
  | 'pooling'
  | 'maxPooling'
  | 'averagePooling'
  | 'normalization'
  | 'dropout'
  | 'reshaping'
  | 'activation'
  | 'merge'
  | 'upsampling'
  | 'preprocessing';

/**
 * Every type group, for messages and checks.
 *
 * @example
 * ```ts
 * TYPE_GROUPS.includes('conv'); // true
 * ```
 */
export const TYPE_GROUPS: readonly TypeGroup[] = [
  'conv',
  'dense',
  'pooling',
  'maxPooling',
  'averagePooling',
  'normalization',
  'dropout',
  'reshaping',
  'activation',
  'merge',
  'upsampling',
  'preprocessing',
];

/**
 * How LRP treats a layer, as its kind declares it:
 *
 * - `linear`: an affine layer; rules act on its {@link LayerOp.linear} map (the fused activation is ignored).
 * - `function`: a parameter-free function; ZeroRule and EpsilonRule apply through its vector-Jacobian product,
 *   `R_in = a ⊙ vjp(R / stab(f(a)))`, with `f` the op's own forward pass unless the role names another (ReLU6 is
 *   explained as ReLU).
 * - `route`: the layer only moves values (reshape, padding, cropping, concatenation, dropout): relevance is routed by
 *   its vector-Jacobian product, whatever the rule.
 * - `pass`: relevance passes unchanged, whatever the rule (standalone swish or gelu, as when fused).
 * - `split`: a residual `Add`: relevance splits in proportion to each input's contribution.
 * - `gate`: a `Multiply` whose other input is a gate computed from input `signal`: the signal takes all relevance.
 * - `unsupported`: no LRP rule; `reason` says why and what to do. Gradient methods may still run through it.
 *
 * @example
 * ```ts
 * const role: RelevanceRole = { kind: 'function' };
 * ```
 */
export type RelevanceRole =
  | { readonly kind: 'linear' }
  | {
      readonly kind: 'function';
      /** The function the rules explain, when it is not the layer's own (ReLU6 is explained as ReLU). */
      readonly forward?: (inputs: readonly tf.Tensor[]) => tf.Tensor;
      /** Its vector-Jacobian product. */
      readonly vjp?: (inputs: readonly tf.Tensor[], s: tf.Tensor) => tf.Tensor[];
      /**
       * The function is elementwise on one input and positively homogeneous of degree 1 (`a·f'(a) = f(a)`, as ReLU),
       * so that `ã ⊙ vjp(q) = f(ã) ⊙ q`: rules then skip the vector-Jacobian product.
       */
      readonly homogeneous?: boolean;
      /** The function's output is ≥ 0 for every input: stabilizers then need no sign. */
      readonly nonNegative?: boolean;
    }
  | { readonly kind: 'route' }
  | { readonly kind: 'pass' }
  | { readonly kind: 'split' }
  | { readonly kind: 'gate'; readonly signal: number }
  | { readonly kind: 'unsupported'; readonly reason: string };

/**
 * One layer read by its kind: how it computes, its exact vector-Jacobian product, and how LRP treats it.
 *
 * An affine layer gives `linear` (and `activation` for a fused one); the engine then computes the forward pass as
 * `activation(linear(a))` and the vector-Jacobian product from the map's transpose and the activation's
 * derivative. Every other layer gives `forward` and `vjp`.
 *
 * @example
 * ```ts
 * const op: LayerOp = {
 *   relevance: { kind: 'function' },
 *   forward: ([x]) => tf.mul(x!, 2),
 *   vjp: (_inputs, _output, s) => [tf.mul(s, 2)],
 * };
 * ```
 */
export interface LayerOp {
  /** How LRP treats the layer. */
  readonly relevance: RelevanceRole;
  /** Affine layers: the map `z = W ⋆ a + b` (before the fused activation), over the model's own weights. */
  readonly linear?: LinearMap;
  /** Affine layers: the fused activation (linear when absent). */
  readonly activation?: ActivationFunction;
  /** Other layers: the forward pass (inference mode). */
  forward?(inputs: readonly tf.Tensor[]): tf.Tensor;
  /**
   * Other layers: the exact vector-Jacobian product, `∂⟨s, forward(inputs)⟩ / ∂inputs`, one tensor per input, or
   * null for an input that does not depend on the output (never `tf.grad`). Absent: gradient methods cannot pass the
   * layer (a model-check problem for them).
   */
  vjp?(inputs: readonly tf.Tensor[], output: tf.Tensor, s: tf.Tensor): (tf.Tensor | null)[];
  /**
   * Expected Jacobians (SmoothDiff): `sample` gives statistics of one forward pass whose mean over noisy passes is the
   * layer's expected Jacobian, and `vjp` the vector-Jacobian product with those means. Absent where the Jacobian does
   * not depend on the input (linear layers); layers with an input-dependent Jacobian and no `expected` are taken at
   * the clean input.
   */
  readonly expected?: {
    sample(inputs: readonly tf.Tensor[], output: tf.Tensor): tf.Tensor[];
    vjp(means: readonly tf.Tensor[], inputs: readonly tf.Tensor[], s: tf.Tensor): (tf.Tensor | null)[];
  };
  /** Whether the output is ≥ 0 for every input, given which inputs are (default: false). */
  nonNegative?(inputsNonNegative: readonly boolean[]): boolean;
  /** Frees what reading the layer computed (never the model's own weights). */
  dispose?(): void;
}

/**
 * What a kind sees when it reads a layer.
 *
 * @example
 * ```ts
 * const read = (layer: tf.layers.Layer, ctx: ReadContext) => ctx.inputShapes[0];
 * ```
 */
export interface ReadContext {
  /** The layer in the model's graph. */
  readonly node: LayerNode;
  /** The whole graph. */
  readonly graph: LayerGraph;
  /** The shapes of the layer's inputs, batch axis included (null for free dimensions). */
  readonly inputShapes: readonly (readonly (number | null)[])[];
  /** The shape of the layer's output, batch axis included. */
  readonly outputShape: readonly (number | null)[];
  /** Whether the value of `a` is computed from the value of `b` (`b` is `a` or one of its ancestors). */
  dependsOn(a: Source, b: Source): boolean;
}

/**
 * A layer kind: reads layers of some Keras classes into {@link LayerOp}s. Register custom kinds with
 * {@link registerLayerKind}; {@link KindReadError} reports a layer the kind cannot handle (a data format, an option).
 *
 * @example
 * ```ts
 * const double: LayerKind = {
 *   name: 'Double', classNames: ['Double'], groups: ['activation'],
 *   read: () => ({ relevance: { kind: 'function' }, forward: ([x]) => tf.mul(x!, 2),
 *                  vjp: (_i, _o, s) => [tf.mul(s, 2)] }),
 * };
 * registerLayerKind(double);
 * ```
 */
export interface LayerKind {
  /** The kind's name, for messages. */
  readonly name: string;
  /** The Keras class names it reads (`layer.getClassName()`). */
  readonly classNames: readonly string[];
  /** Its type groups. */
  readonly groups: readonly TypeGroup[];
  /** Reads one layer. @throws {@link KindReadError} for a layer it cannot handle */
  read(layer: tf.layers.Layer, context: ReadContext): LayerOp;
}
