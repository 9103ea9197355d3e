import type * as tf from '@tensorflow/tfjs';
import { KindReadError } from '../errors.js';
import type { LayerKind } from '../kind.js';
import { conv1dMap, conv2dMap } from '../linear/conv.js';
import { affineOp, configOf, kernelAndBias, paddingOf, pairOf, requireChannelsLast } from './common.js';

/**
 * Conv1D and Conv2D (channels last; any stride, dilation and padding, `causal` for Conv1D), then the fused activation.
 * Their transposes are convolutions with the flipped kernel (stride 1) or `conv2dTranspose` (strided).
 *
 * @example
 * ```ts
 * layerKind('Conv2D') === conv; // true
 * ```
 */
export const conv: LayerKind = {
  name: 'Conv',
  classNames: ['Conv1D', 'Conv2D'],
  groups: ['conv'],
  read(layer) {
    const cfg = configOf(layer);
    requireChannelsLast(cfg);
    if (typeof cfg.groups === 'number' && cfg.groups !== 1)
      throw new KindReadError(`grouped convolutions (groups = ${cfg.groups}) are not supported`);
    const [kernel, bias] = kernelAndBias(layer);
    if (layer.getClassName() === 'Conv1D') {
      const padding = paddingOf(cfg, ['same', 'valid', 'causal']);
      const [stride] = pairOf(cfg, 'strides', 1);
      const [dilation] = pairOf(cfg, 'dilationRate', 1);
      return affineOp(layer, conv1dMap(kernel as tf.Tensor3D, bias, { stride, dilation, padding }));
    }
    return affineOp(
      layer,
      conv2dMap(kernel as tf.Tensor4D, bias, {
        strides: pairOf(cfg, 'strides', 1),
        dilation: pairOf(cfg, 'dilationRate', 1),
        padding: paddingOf(cfg),
      }),
    );
  },
};
