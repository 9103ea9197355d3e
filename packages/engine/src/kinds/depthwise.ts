import * as tf from '@tensorflow/tfjs';
import type { LayerKind } from '../kind.js';
import { depthwiseMap } from '../linear/conv.js';
import { affineOp, configOf, kernelAndBias, paddingOf, pairOf, requireChannelsLast } from './common.js';

/**
 * The dilation the layer really applies. TF.js 4.22's DepthwiseConv2D keeps `dilationRate` in its config but calls
 * `depthwiseConv2d` without it, so a converted Keras model computes an undilated convolution there: the engine
 * explains what the layer computes, read from one small forward pass of the layer itself.
 */
function appliedDilation(
  layer: tf.layers.Layer,
  kernel: tf.Tensor4D,
  configured: [number, number],
  strides: [number, number],
  padding: 'same' | 'valid',
): [number, number] {
  if (configured[0] === 1 && configured[1] === 1) return configured;
  return tf.tidy(() => {
    const [kh, kw, c] = kernel.shape;
    const x = tf.randomUniform(
      [1, configured[0] * (kh - 1) + 3, configured[1] * (kw - 1) + 3, c],
      -1,
      1,
      'float32',
      1,
    ) as tf.Tensor4D;
    const y = layer.apply(x) as tf.Tensor;
    const dilated = tf.depthwiseConv2d(x, kernel, strides, padding, 'NHWC', configured);
    if (y.shape.join() === dilated.shape.join() && tf.max(tf.abs(tf.sub(y, dilated))).dataSync()[0]! <= 1e-4)
      return configured;
    return [1, 1];
  });
}

/**
 * DepthwiseConv2D (kernel `[kh, kw, in, multiplier]`, any stride, dilation and padding), then the fused activation.
 * Its transpose is a depthwise correlation with the flipped kernel, on every backend (no gradient kernel). The
 * dilation is the one the layer applies (TF.js 4.22 ignores a configured one).
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
    const strides = pairOf(cfg, 'strides', 1);
    const padding = paddingOf(cfg) as 'same' | 'valid';
    const dilation = appliedDilation(
      layer,
      kernel as tf.Tensor4D,
      pairOf(cfg, 'dilationRate', 1),
      strides,
      padding,
    );
    return affineOp(layer, depthwiseMap(kernel as tf.Tensor4D, bias, { strides, dilation, padding }));
  },
};
