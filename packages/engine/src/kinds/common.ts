import * as tf from '@tensorflow/tfjs';
import { type ActivationFunction, activationFunction } from '../activations.js';
import { KindReadError } from '../errors.js';
import type { LayerOp } from '../kind.js';
import type { LinearMap } from '../linear/linear.js';
import { type Padding, pair } from '../ops/geometry.js';

/** A Keras layer's config, as `layer.getConfig()` returns it. */
export type LayerConfig = Record<string, unknown>;

/** The layer's config. */
export function configOf(layer: tf.layers.Layer): LayerConfig {
  return layer.getConfig() as LayerConfig;
}

/** Refuses channels-first layers: the engine works on NHWC tensors (TF.js's default). */
export function requireChannelsLast(cfg: LayerConfig): void {
  const format = cfg.dataFormat ?? 'channelsLast';
  if (format !== 'channelsLast')
    throw new KindReadError(
      `dataFormat '${String(format)}' is not supported; the engine works on channels-last tensors (NHWC), TF.js's default`,
    );
}

/** The padding option, checked. */
export function paddingOf(cfg: LayerConfig, allowed: readonly Padding[] = ['same', 'valid']): Padding {
  const p = (cfg.padding ?? 'valid') as Padding;
  if (!allowed.includes(p))
    throw new KindReadError(`padding '${String(p)}' is not supported (supported: ${allowed.join(', ')})`);
  return p;
}

/** A pair option (`kernelSize`, `strides`, …). */
export function pairOf(cfg: LayerConfig, key: string, fallback: number): [number, number] {
  try {
    return pair(cfg[key], fallback);
  } catch {
    throw new KindReadError(`option ${key} = ${JSON.stringify(cfg[key])} is not a number or a pair`);
  }
}

/**
 * The layer's own weight tensors in creation order (the model's tensors, not copies: VGG16's are 528 MB; nothing
 * here disposes them, so an analyzer must be rebuilt after the model's weights change).
 */
export function weightsOf(layer: tf.layers.Layer): tf.Tensor[] {
  return layer.getWeights();
}

/** The kernel and (if `useBias`) the bias of a layer whose weights are `[kernel, bias?]`. */
export function kernelAndBias(layer: tf.layers.Layer): [tf.Tensor, tf.Tensor | null] {
  const cfg = configOf(layer);
  const w = weightsOf(layer);
  return [w[0]!, cfg.useBias === false ? null : (w[1] ?? null)];
}

/** The fused activation of an affine layer, known to the engine. */
export function fusedActivation(layer: tf.layers.Layer): ActivationFunction | undefined {
  const name = configOf(layer).activation;
  if (name === undefined || name === null) return undefined;
  if (typeof name !== 'string')
    throw new KindReadError(`the fused activation ${JSON.stringify(name)} is not a known activation name`);
  const fn = activationFunction(name);
  if (!fn)
    throw new KindReadError(
      `the fused activation '${name}' is unknown to the engine; register its forward and derivative with registerActivation('${name}', { forward, vjp })`,
    );
  return fn;
}

/**
 * The op of an affine layer: its linear map and fused activation. LRP ignores the activation where it has an LRP
 * treatment (ReLU-like, or passing relevance); anything else is a model-check problem for LRP only.
 */
export function affineOp(layer: tf.layers.Layer, linear: LinearMap, dispose?: () => void): LayerOp {
  const activation = fusedActivation(layer);
  const ignorable = !activation || activation.relevance !== undefined;
  return {
    relevance: ignorable
      ? { kind: 'linear' }
      : {
          kind: 'unsupported',
          reason: `the fused activation '${activation.name}' has no LRP rule (rules explain the pre-activation; supported: linear, relu, relu6, gelu, swish/silu); move it into an Activation layer after a linear ${layer.getClassName()}, or give it an LRP treatment with registerActivation('${activation.name}', { relevance: 'pass' })`,
        },
    linear,
    ...(activation && activation.name !== 'linear' ? { activation } : {}),
    ...(dispose ? { dispose } : {}),
  };
}

/**
 * Sums `s` over the axes along which a tensor of `shape` was broadcast to `s`'s shape: the vector-Jacobian product
 * of broadcasting.
 */
export function unbroadcast(s: tf.Tensor, shape: readonly number[]): tf.Tensor {
  if (s.shape.length === shape.length && s.shape.every((d, i) => d === shape[i])) return s;
  return tf.tidy(() => {
    const lead = s.rank - shape.length;
    const axes: number[] = [];
    for (let i = 0; i < s.rank; i++)
      if (i < lead || (shape[i - lead] === 1 && s.shape[i] !== 1)) axes.push(i);
    return (axes.length ? tf.sum(s, axes) : s).reshape([...shape]);
  });
}

/** Whether every flag is true (and there is at least one). */
export function all(flags: readonly boolean[]): boolean {
  return flags.length > 0 && flags.every(Boolean);
}
