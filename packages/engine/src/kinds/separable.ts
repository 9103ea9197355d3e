import type * as tf from '@tensorflow/tfjs';
import type { LayerKind } from '../kind.js';
import { separableKernel, separableMap } from '../linear/composite-convs.js';
import { affineOp, configOf, paddingOf, pairOf, requireChannelsLast, weightsOf } from './common.js';

/**
 * SeparableConv2D: a depthwise convolution then a 1×1 convolution, read as the one convolution they compute (kernel
 * `K[u, v, c, o] = Σ_m D[u, v, c, m] · P[c·M + m, o]`), so that every rule sees the layer's whole linear map; the
 * model's own pass keeps the separable ops.
 *
 * @example
 * ```ts
 * layerKind('SeparableConv2D') === separableConv; // true
 * ```
 */
export const separableConv: LayerKind = {
  name: 'SeparableConv2D',
  classNames: ['SeparableConv2D'],
  groups: ['conv'],
  read(layer) {
    const cfg = configOf(layer);
    requireChannelsLast(cfg);
    const [depthwise, pointwise, b] = weightsOf(layer) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor?];
    const bias = cfg.useBias === false ? null : (b ?? null);
    const kernel = separableKernel(depthwise, pointwise);
    const spec = {
      strides: pairOf(cfg, 'strides', 1),
      dilation: pairOf(cfg, 'dilationRate', 1),
      padding: paddingOf(cfg),
    };
    return affineOp(layer, separableMap(kernel, depthwise, pointwise, bias, spec), () => kernel.dispose());
  },
};
