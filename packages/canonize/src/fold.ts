import * as tf from '@tensorflow/tfjs';
import { ModelRebuildError } from './errors.js';

/**
 * The layers a BatchNormalization can be folded into, and how the per-output-channel scale reaches each kernel:
 * `kernel` is the position of the weight that carries the output channels and `scaleShape` reshapes the scale so that
 * it broadcasts over that kernel, given the kernel's shape.
 */
interface FoldTarget {
  readonly kernel: number;
  readonly scaleShape: (shape: readonly number[]) => number[];
}

const lastAxis = (shape: readonly number[]): number[] => [shape[shape.length - 1]!];

/** Keras class name → how its output channels sit in its weights. */
export const FOLD_TARGETS: ReadonlyMap<string, FoldTarget> = new Map<string, FoldTarget>([
  ['Dense', { kernel: 0, scaleShape: lastAxis }],
  ['Conv1D', { kernel: 0, scaleShape: lastAxis }],
  ['Conv2D', { kernel: 0, scaleShape: lastAxis }],
  // [kh, kw, in, multiplier]: output channel in * multiplier + m
  ['DepthwiseConv2D', { kernel: 0, scaleShape: (s) => [s[2]!, s[3]!] }],
  // [depthwise, pointwise [1, 1, in * multiplier, out], bias]: the pointwise kernel carries the output channels
  ['SeparableConv2D', { kernel: 1, scaleShape: lastAxis }],
  // [kh, kw, out, in]
  ['Conv2DTranspose', { kernel: 0, scaleShape: (s) => [s[2]!, 1] }],
]);

/** A BatchNormalization's parameters at inference: `y = (x − mean) · gamma / sqrt(variance + epsilon) + beta`. */
interface BatchNormParams {
  readonly gamma: tf.Tensor | undefined;
  readonly beta: tf.Tensor | undefined;
  readonly mean: tf.Tensor;
  readonly variance: tf.Tensor;
  readonly epsilon: number;
}

function batchNormParams(bn: tf.layers.Layer): BatchNormParams {
  const config = bn.getConfig();
  const byName = (suffix: string): tf.Tensor | undefined => {
    const k = bn.weights.findIndex((w) => w.originalName.endsWith(`/${suffix}`) || w.originalName === suffix);
    return k < 0 ? undefined : bn.getWeights()[k];
  };
  const mean = byName('moving_mean');
  const variance = byName('moving_variance');
  const gamma = config.scale === false ? undefined : byName('gamma');
  const beta = config.center === false ? undefined : byName('beta');
  if (!mean || !variance || (config.scale !== false && !gamma) || (config.center !== false && !beta))
    throw new ModelRebuildError(
      `BatchNormalization "${bn.name}" lacks some of its weights (gamma, beta, moving_mean, moving_variance): ` +
        `it has ${bn.weights.map((w) => w.originalName).join(', ')}`,
    );
  return { gamma, beta, mean, variance, epsilon: Number(config.epsilon ?? 1e-3) };
}

/**
 * The weights of `className` after folding the BatchNormalization `bn` that follows it:
 * `scale = gamma / sqrt(movingVariance + epsilon)`, the output-channel kernel times `scale`,
 * `bias' = (bias − movingMean) · scale + beta`, with `bias = 0` when `weights` has none. The result always ends with a
 * bias. The caller owns the returned tensors.
 */
export function foldWeights(
  className: string,
  weights: readonly tf.Tensor[],
  hasBias: boolean,
  bn: tf.layers.Layer,
): tf.Tensor[] {
  const target = FOLD_TARGETS.get(className);
  if (!target) throw new ModelRebuildError(`cannot fold a BatchNormalization into a ${className}`);
  const p = batchNormParams(bn);
  return tf.tidy(() => {
    const inv = tf.rsqrt(tf.add(p.variance, p.epsilon));
    const scale = p.gamma ? tf.mul(p.gamma, inv) : inv;
    // clones: the caller owns (and disposes) every returned tensor, the untouched kernels too
    const kernels = (hasBias ? weights.slice(0, -1) : weights).map((w) => tf.clone(w));
    const bias = hasBias ? weights[weights.length - 1]! : tf.zerosLike(p.mean);
    const kernel = kernels[target.kernel]!;
    kernels[target.kernel] = tf.mul(kernel, tf.reshape(scale, target.scaleShape(kernel.shape)));
    const shifted = tf.mul(tf.sub(bias, p.mean), scale);
    return [...kernels, p.beta ? tf.add(shifted, p.beta) : shifted];
  });
}
