import * as tf from '@tensorflow/tfjs';
import {
  conv1dMap,
  conv2dMap,
  denseMap as denseLinear,
  depthwiseMap,
  kernelPair,
  type LinearMap,
  type Padding,
} from './linear.js';
import { maxPoolingSupport } from './pooling.js';

/**
 * Layer type groups, used by type maps in composites (Zennit's layer types, LRP.jl's layer unions).
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
  | 'merge';

/** Every type group, for messages and checks. */
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
];

/** A Keras layer's config, as `layer.getConfig()` returns it. */
export type LayerConfig = Record<string, unknown>;

interface SupportBase {
  /** The type groups the layer belongs to. */
  readonly groups: readonly TypeGroup[];
}

/** An affine layer with weights (Dense, convolutions): rules act on its `LinearMap`. */
export interface LinearSupport extends SupportBase {
  readonly kind: 'linear';
  /** Reads the layer's affine map; its kernel and bias are the model's own tensors (never disposed by LRP). */
  linear(layer: tf.layers.Layer): LinearMap;
}

/** A layer that only moves values around (Flatten, Dropout, padding, Concatenate): relevance is routed back. */
export interface RouteSupport extends SupportBase {
  readonly kind: 'route';
  /** Routes the relevance at the output back to each input (`inputShapes` are the inputs' concrete shapes). */
  route(
    relevance: tf.Tensor,
    inputShapes: readonly (readonly number[])[],
    layer: tf.layers.Layer,
  ): tf.Tensor[];
}

/** A residual `Add`: relevance splits in proportion to each input's contribution. */
export interface AddSupport extends SupportBase {
  readonly kind: 'add';
}

/**
 * A parameter-free layer (pooling, activation, normalization, or a custom layer): ZeroRule and EpsilonRule apply
 * through its vector-Jacobian product, `R_in = a ⊙ vjp(R / stab(f(a)))`.
 */
export interface FunctionSupport extends SupportBase {
  readonly kind: 'function';
  /** The layer's forward pass; defaults to `layer.apply` in inference mode. */
  forward?(layer: tf.layers.Layer, inputs: readonly tf.Tensor[]): tf.Tensor;
  /** The vector-Jacobian product of `forward` at `inputs` with `s`; defaults to TF.js autodiff of `forward`. */
  vjp?(layer: tf.layers.Layer, inputs: readonly tf.Tensor[], s: tf.Tensor): tf.Tensor[];
}

/** How LRP handles one layer class. Register your own with {@link registerLayer}. */
export type LayerSupport = LinearSupport | RouteSupport | AddSupport | FunctionSupport;

const registry = new Map<string, LayerSupport>();
const activations = new Set<string>(['linear', 'relu', 'gelu', 'gelu_new', 'swish', 'silu']);

/**
 * Registers how LRP handles a layer class (by its Keras class name). A custom parameter-free layer needs only its
 * groups (and, if autodiff through `layer.apply` is not what you want, a `forward` and `vjp`); an affine one gives
 * its `LinearMap`.
 *
 * @example
 * ```ts
 * registerLayer('Scale', { kind: 'function', groups: ['activation'],
 *   forward: (layer, [x]) => x.mul(2), vjp: (layer, [x], s) => [s.mul(2)] });
 * ```
 */
export function registerLayer(className: string, support: LayerSupport): void {
  registry.set(className, support);
}

/** How LRP handles `className`, or undefined when it is not registered. */
export function layerSupport(className: string): LayerSupport | undefined {
  return registry.get(className);
}

/**
 * Allows a fused activation (`activation: 'name'` on Dense/Conv layers). Rules ignore fused activations: the relevance
 * at a layer's output counts as the relevance of its pre-activation, which suits ReLU-like functions. Built in:
 * linear, relu, gelu, gelu_new, swish, silu.
 *
 * @example
 * ```ts
 * registerActivation('relu6');
 * ```
 */
export function registerActivation(name: string): void {
  activations.add(name);
}

/** Whether a fused activation is allowed. */
export function isSupportedActivation(name: string): boolean {
  return activations.has(name);
}

/** The name of a layer's fused activation, or undefined for layers without one. */
export function activationName(layer: tf.layers.Layer): string | undefined {
  const a = layer.getConfig().activation;
  return typeof a === 'string' ? a : undefined;
}

// The model's own weight tensors, not copies (VGG16's are 528 MB): the analyzer never disposes them, and it
// precomputes its modified weights at construction, so it must be rebuilt after the model's weights change.
function weightsOf(layer: tf.layers.Layer): [tf.Tensor, tf.Tensor | null] {
  const cfg = layer.getConfig();
  const weights = layer.getWeights();
  return [weights[0]!, cfg.useBias === false ? null : (weights[1] ?? null)];
}

function convSpec(cfg: LayerConfig) {
  return {
    strides: kernelPair(cfg.strides as number | number[] | undefined, 1),
    dilation: kernelPair(cfg.dilationRate as number | number[] | undefined, 1),
    padding: (cfg.padding ?? 'valid') as Padding,
  };
}

registerLayer('Dense', {
  kind: 'linear',
  groups: ['dense'],
  linear: (layer) => {
    const [k, b] = weightsOf(layer);
    return denseLinear(k as tf.Tensor2D, b);
  },
});
registerLayer('Conv2D', {
  kind: 'linear',
  groups: ['conv'],
  linear: (layer) => {
    const [k, b] = weightsOf(layer);
    return conv2dMap(k as tf.Tensor4D, b, convSpec(layer.getConfig()));
  },
});
registerLayer('Conv1D', {
  kind: 'linear',
  groups: ['conv'],
  linear: (layer) => {
    const [k, b] = weightsOf(layer);
    const s = convSpec(layer.getConfig());
    return conv1dMap(k as tf.Tensor3D, b, {
      stride: s.strides[0],
      dilation: s.dilation[0],
      padding: s.padding,
    });
  },
});
registerLayer('DepthwiseConv2D', {
  kind: 'linear',
  groups: ['conv'],
  linear: (layer) => {
    const [k, b] = weightsOf(layer);
    return depthwiseMap(k as tf.Tensor4D, b, convSpec(layer.getConfig()));
  },
});

const reshapeBack: RouteSupport['route'] = (r, shapes) => [r.reshape([...shapes[0]!])];
const identity: RouteSupport['route'] = (r) => [r.clone()];
registerLayer('Flatten', { kind: 'route', groups: ['reshaping'], route: reshapeBack });
registerLayer('Reshape', { kind: 'route', groups: ['reshaping'], route: reshapeBack });
for (const name of [
  'Dropout',
  'SpatialDropout1D',
  'SpatialDropout2D',
  'GaussianDropout',
  'GaussianNoise',
  'AlphaDropout',
])
  registerLayer(name, { kind: 'route', groups: ['dropout'], route: identity });
registerLayer('Permute', {
  kind: 'route',
  groups: ['reshaping'],
  route: (r, _shapes, layer) => {
    const dims = layer.getConfig().dims as number[];
    const inverse = new Array<number>(dims.length);
    dims.forEach((d, i) => {
      inverse[d - 1] = i + 1;
    });
    return [r.transpose([0, ...inverse])];
  },
});
registerLayer('ZeroPadding2D', {
  kind: 'route',
  groups: ['reshaping'],
  route: (r, shapes, layer) => {
    const pad = layer.getConfig().padding as [[number, number], [number, number]] | [number, number] | number;
    const [[top], [left]] = normalizePadding(pad);
    const shape = shapes[0]!;
    return [r.slice([0, top, left, 0], [shape[0]!, shape[1]!, shape[2]!, shape[3]!])];
  },
});
registerLayer('Concatenate', {
  kind: 'route',
  groups: ['merge'],
  route: (r, shapes, layer) => {
    const rank = shapes[0]!.length;
    let axis = (layer.getConfig().axis as number | undefined) ?? -1;
    if (axis < 0) axis += rank;
    return tf.split(
      r,
      shapes.map((s) => s[axis]!),
      axis,
    );
  },
});
registerLayer('Add', { kind: 'add', groups: ['merge'] });

registerLayer('MaxPooling1D', maxPoolingSupport(true));
registerLayer('MaxPooling2D', maxPoolingSupport(false));
for (const name of ['GlobalMaxPooling1D', 'GlobalMaxPooling2D', 'GlobalMaxPool1D', 'GlobalMaxPool2D'])
  registerLayer(name, { kind: 'function', groups: ['pooling', 'maxPooling'] });
for (const name of [
  'AveragePooling1D',
  'AveragePooling2D',
  'GlobalAveragePooling1D',
  'GlobalAveragePooling2D',
  'GlobalAvgPool1D',
  'GlobalAvgPool2D',
])
  registerLayer(name, { kind: 'function', groups: ['pooling', 'averagePooling'] });
for (const name of ['Activation', 'ReLU', 'LeakyReLU', 'ELU', 'ThresholdedReLU', 'Softmax', 'PReLU'])
  registerLayer(name, { kind: 'function', groups: ['activation'] });
registerLayer('BatchNormalization', { kind: 'function', groups: ['normalization'] });
registerLayer('LayerNormalization', { kind: 'function', groups: ['normalization'] });
registerLayer('UpSampling2D', { kind: 'function', groups: ['reshaping'] });

function normalizePadding(
  pad: [[number, number], [number, number]] | [number, number] | number,
): [[number, number], [number, number]] {
  if (typeof pad === 'number')
    return [
      [pad, pad],
      [pad, pad],
    ];
  const [h, w] = pad;
  return [typeof h === 'number' ? [h, h] : h, typeof w === 'number' ? [w, w] : w];
}

/** How a parameter-free layer without registered support is handled: TF.js autodiff of `layer.apply`. */
export const AUTODIFF: FunctionSupport = { kind: 'function', groups: [] };

/** Runs a function layer's forward pass (inference mode). */
export function forwardFunction(
  support: FunctionSupport,
  layer: tf.layers.Layer,
  inputs: readonly tf.Tensor[],
): tf.Tensor {
  if (support.forward) return support.forward(layer, inputs);
  return layer.apply(inputs.length === 1 ? inputs[0]! : [...inputs], { training: false }) as tf.Tensor;
}

/** A function layer's vector-Jacobian product at `inputs` with `s`. */
export function vjpFunction(
  support: FunctionSupport,
  layer: tf.layers.Layer,
  inputs: readonly tf.Tensor[],
  s: tf.Tensor,
): tf.Tensor[] {
  if (support.vjp) return support.vjp(layer, inputs, s);
  const f = (...xs: tf.Tensor[]) => tf.sum(tf.mul(forwardFunction(support, layer, xs), s));
  return tf.grads(f)([...inputs]);
}
