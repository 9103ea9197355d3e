// The float64 forward function of a Keras layer, from its class name, its config and its own weights. Nothing here
// runs a TF.js op: the weights are read once as numbers and every computation is a loop in this folder.

import type * as tf from '@tensorflow/tfjs';
import { activate, ELEMENTWISE, softmax } from './activations.js';
import { type Arr, map, zeros } from './array.js';
import {
  addBias,
  asImage,
  asSequence,
  conv2d,
  conv2dTranspose,
  depthwiseConv2d,
  matmulLast,
  type Pad,
} from './conv.js';
import { globalPool, pool2d, resizeBilinear, upsampleNearest } from './pool.js';
import { broadcast, concat, padCrop2d, reshape, transpose } from './shape.js';

export type Forward = (inputs: readonly Arr[]) => Arr;

type Config = Record<string, unknown>;

function pair(v: unknown, fallback: number): [number, number] {
  if (v === undefined || v === null) return [fallback, fallback];
  if (typeof v === 'number') return [v, v];
  const a = v as number[];
  return a.length === 1 ? [a[0]!, a[0]!] : [a[0]!, a[1]!];
}

function sides(v: unknown): [[number, number], [number, number]] {
  if (typeof v === 'number')
    return [
      [v, v],
      [v, v],
    ];
  const [h, w] = v as (number | number[])[];
  const side = (s: number | number[] | undefined): [number, number] =>
    typeof s === 'number' ? [s, s] : [s![0]!, s![1]!];
  return [side(h), side(w)];
}

/** The layer's weights as float64 arrays (exact: every float32 is a float64). */
export function weightsOf(layer: tf.layers.Layer): Arr[] {
  return layer.getWeights().map((t) => ({ shape: [...t.shape], data: Float64Array.from(t.dataSync()) }));
}

function withActivation(cfg: Config, f: Forward): Forward {
  const name = typeof cfg.activation === 'string' ? cfg.activation : 'linear';
  return name === 'linear' ? f : (inputs) => activate(name, f(inputs));
}

/** `γ ⊙ (a − μ)/√(σ² + ϵ) + β` over the last axis, with per-channel μ and σ² given. */
function affineNormalize(
  a: Arr,
  mean: Arr,
  variance: Arr,
  gamma: Arr | undefined,
  beta: Arr | undefined,
  eps: number,
) {
  const c = mean.data.length;
  return map(a, (v, i) => {
    const k = i % c;
    const xhat = (v - mean.data[k]!) / Math.sqrt(variance.data[k]! + eps);
    return (gamma ? gamma.data[k]! : 1) * xhat + (beta ? beta.data[k]! : 0);
  });
}

/** Layer normalization over the last axis: per row, biased variance. */
function layerNorm(a: Arr, gamma: Arr | undefined, beta: Arr | undefined, eps: number): Arr {
  const c = a.shape[a.shape.length - 1]!;
  const y = zeros(a.shape);
  for (let r = 0; r < a.data.length / c; r++) {
    let mean = 0;
    for (let k = 0; k < c; k++) mean += a.data[r * c + k]!;
    mean /= c;
    let variance = 0;
    for (let k = 0; k < c; k++) variance += (a.data[r * c + k]! - mean) ** 2;
    variance /= c;
    for (let k = 0; k < c; k++) {
      const xhat = (a.data[r * c + k]! - mean) / Math.sqrt(variance + eps);
      y.data[r * c + k] = (gamma ? gamma.data[k]! : 1) * xhat + (beta ? beta.data[k]! : 0);
    }
  }
  return y;
}

/** The float64 forward function of `layer` (built, in inference mode). */
export function referenceOf(layer: tf.layers.Layer): Forward {
  const cfg = layer.getConfig() as Config;
  const w = weightsOf(layer);
  const which = layer.getClassName();
  const padding = (cfg.padding ?? 'valid') as Pad;
  const biasAt = (i: number) => (cfg.useBias === false ? undefined : w[i]);
  switch (which) {
    case 'Dense':
      return withActivation(cfg, ([a]) => addBias(matmulLast(a!, w[0]!), biasAt(1)));
    case 'Conv1D': {
      const [k, c, f] = w[0]!.shape as [number, number, number];
      const kernel = { shape: [1, k, c, f], data: w[0]!.data };
      const geometry = {
        strides: [1, pair(cfg.strides, 1)[0]],
        dilation: [1, pair(cfg.dilationRate, 1)[0]],
        padding,
      } as const;
      return withActivation(cfg, ([a]) =>
        addBias(asSequence(conv2d(asImage(a!), kernel, geometry)), biasAt(1)),
      );
    }
    case 'Conv2D': {
      const geometry = { strides: pair(cfg.strides, 1), dilation: pair(cfg.dilationRate, 1), padding };
      return withActivation(cfg, ([a]) => addBias(conv2d(a!, w[0]!, geometry), biasAt(1)));
    }
    case 'DepthwiseConv2D': {
      // TF.js 4.22's DepthwiseConv2D keeps dilationRate in its config but calls depthwiseConv2d without it (and
      // computes its output shape without it): the layer is an undilated convolution, whatever the config says
      const geometry = { strides: pair(cfg.strides, 1), dilation: [1, 1] as const, padding };
      return withActivation(cfg, ([a]) => addBias(depthwiseConv2d(a!, w[0]!, geometry), biasAt(1)));
    }
    case 'SeparableConv2D': {
      const geometry = { strides: pair(cfg.strides, 1), dilation: pair(cfg.dilationRate, 1), padding };
      const pointwise = { strides: [1, 1], dilation: [1, 1], padding: 'valid' } as const;
      return withActivation(cfg, ([a]) =>
        addBias(conv2d(depthwiseConv2d(a!, w[0]!, geometry), w[1]!, pointwise), biasAt(2)),
      );
    }
    case 'Conv2DTranspose':
      return withActivation(cfg, ([a]) =>
        addBias(conv2dTranspose(a!, w[0]!, pair(cfg.strides, 1), padding), biasAt(1)),
      );
    case 'MaxPooling1D':
    case 'AveragePooling1D': {
      const p = pair(cfg.poolSize, 2)[0];
      const g = { pool: [1, p], strides: [1, pair(cfg.strides ?? cfg.poolSize, p)[0]], padding } as const;
      return ([a]) => asSequence(pool2d(asImage(a!), g, which.startsWith('Max')));
    }
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      const pool = pair(cfg.poolSize, 2);
      const g = { pool, strides: pair(cfg.strides ?? cfg.poolSize, 2), padding };
      return ([a]) => pool2d(a!, g, which.startsWith('Max'));
    }
    case 'GlobalAveragePooling1D':
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling1D':
    case 'GlobalMaxPooling2D':
      return ([a]) => globalPool(a!, which.startsWith('GlobalMax'));
    case 'BatchNormalization': {
      let i = 0;
      const gamma = cfg.scale === false ? undefined : w[i++];
      const beta = cfg.center === false ? undefined : w[i++];
      const [mean, variance] = [w[i]!, w[i + 1]!];
      const axis = cfg.axis as number;
      return ([a]) => {
        if (axis !== -1 && axis !== a!.shape.length - 1)
          throw new Error('reference normalizes the last axis only');
        return affineNormalize(a!, mean, variance, gamma, beta, cfg.epsilon as number);
      };
    }
    case 'LayerNormalization': {
      const gamma = cfg.scale === false ? undefined : w[0];
      const beta = cfg.center === false ? undefined : w[cfg.scale === false ? 0 : 1];
      const axes = ([] as number[]).concat(cfg.axis as number | number[]);
      return ([a]) => {
        const rank = a!.shape.length;
        if (axes.length !== 1 || (axes[0] !== -1 && axes[0] !== rank - 1))
          throw new Error('reference normalizes the last axis only');
        return layerNorm(a!, gamma, beta, cfg.epsilon as number);
      };
    }
    case 'Activation':
      return ([a]) => activate(cfg.activation as string, a!);
    case 'ReLU': {
      const max = typeof cfg.maxValue === 'number' ? cfg.maxValue : Number.POSITIVE_INFINITY;
      return ([a]) => map(a!, (v) => Math.min(Math.max(v, 0), max));
    }
    case 'LeakyReLU': {
      const alpha = cfg.alpha as number;
      return ([a]) => map(a!, (v) => (v > 0 ? v : alpha * v));
    }
    case 'PReLU':
      // alpha has the input's shape without the batch axis, with 1 on shared axes
      return ([a]) =>
        broadcast(a!, { shape: [1, ...w[0]!.shape], data: w[0]!.data }, (v, al) => (v > 0 ? v : al * v));
    case 'ThresholdedReLU': {
      const theta = cfg.theta as number;
      return ([a]) => map(a!, (v) => (v > theta ? v : 0));
    }
    case 'ELU':
      return ([a]) => map(a!, ELEMENTWISE.elu!);
    case 'Softmax': {
      const axis = Array.isArray(cfg.axis) ? (cfg.axis[0] as number) : (cfg.axis as number);
      return ([a]) => softmax(a!, axis);
    }
    case 'UpSampling2D': {
      const [sh, sw] = pair(cfg.size, 2);
      return ([a]) =>
        cfg.interpolation === 'bilinear'
          ? resizeBilinear(a!, a!.shape[1]! * sh, a!.shape[2]! * sw)
          : upsampleNearest(a!, sh, sw);
    }
    case 'ZeroPadding2D': {
      const [h, wd] = sides(cfg.padding);
      return ([a]) => padCrop2d(a!, h, wd);
    }
    case 'Cropping2D': {
      const [h, wd] = sides(cfg.cropping);
      return ([a]) => padCrop2d(a!, [-h[0], -h[1]], [-wd[0], -wd[1]]);
    }
    case 'Flatten':
      return ([a]) => reshape(a!, [a!.shape[0]!, -1]);
    case 'Reshape':
      // TF.js keeps an inferred dimension (-1) as null in the config
      return ([a]) =>
        reshape(a!, [a!.shape[0]!, ...(cfg.targetShape as (number | null)[]).map((d) => d ?? -1)]);
    case 'Permute':
      return ([a]) => transpose(a!, [0, ...(cfg.dims as number[])]);
    case 'Dropout':
    case 'SpatialDropout1D':
    case 'GaussianNoise':
    case 'GaussianDropout':
    case 'AlphaDropout':
      return ([a]) => map(a!, (v) => v);
    case 'Add':
      return (inputs) => inputs.slice(1).reduce((acc, a) => broadcast(acc, a, (u, v) => u + v), inputs[0]!);
    case 'Average':
      return (inputs) =>
        map(
          inputs.slice(1).reduce((acc, a) => broadcast(acc, a, (u, v) => u + v), inputs[0]!),
          (v) => v / inputs.length,
        );
    case 'Maximum':
      return (inputs) => inputs.slice(1).reduce((acc, a) => broadcast(acc, a, Math.max), inputs[0]!);
    case 'Minimum':
      return (inputs) => inputs.slice(1).reduce((acc, a) => broadcast(acc, a, Math.min), inputs[0]!);
    case 'Multiply':
      return (inputs) => inputs.slice(1).reduce((acc, a) => broadcast(acc, a, (u, v) => u * v), inputs[0]!);
    case 'Concatenate':
      return (inputs) => concat(inputs, (cfg.axis as number | undefined) ?? -1);
    case 'Rescaling': {
      // Numbers, or one value per channel (the last axis).
      const at = (v: number | number[], i: number, channels: number) =>
        typeof v === 'number' ? v : v[i % channels]!;
      const scale = cfg.scale as number | number[];
      const offset = (cfg.offset as number | number[] | undefined) ?? 0;
      return ([a]) => {
        const c = a!.shape[a!.shape.length - 1]!;
        return map(a!, (v, i) => v * at(scale, i, c) + at(offset, i, c));
      };
    }
    default:
      throw new Error(`no float64 reference for ${which}`);
  }
}
