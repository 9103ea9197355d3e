import type * as tf from '@tensorflow/tfjs';
import type { LayerKind } from '../kind.js';
import { depthwiseMap } from '../linear/conv.js';
import { affineOp, configOf, kernelAndBias, paddingOf, pairOf, requireChannelsLast } from './common.js';

/**
 * DepthwiseConv2D (kernel `[kh, kw, in, multiplier]`, any stride, dilation and padding), then the fused activation.
 * Its transpose is a depthwise correlation with the flipped kernel, on every backend (no gradient kernel).
 *
 * @example
 * ```ts
 * layerKind('DepthwiseConv2D') === depthwiseConv; // true
 * ```
 */
export const depthwiseConv: LayerKind = {
  name: 'DepthwiseConv2D',
  classNames: ['DepthwiseConv2D'],
  groups: ['conv'],
  read(layer) {
    const cfg = configOf(layer);
    requireChannelsLast(cfg);
    const [kernel, bias] = kernelAndBias(layer);
    return affineOp(
      layer,
      depthwiseMap(kernel as tf.Tensor4D, bias, {
        strides: pairOf(cfg, 'strides', 1),
        dilation: pairOf(cfg, 'dilationRate', 1),
        padding: paddingOf(cfg),
      }),
    );
  },
};
