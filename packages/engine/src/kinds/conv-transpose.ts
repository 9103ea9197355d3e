import type * as tf from '@tensorflow/tfjs';
import { KindReadError } from '../errors.js';
import type { LayerKind } from '../kind.js';
import { conv2dTransposeMap } from '../linear/composite-convs.js';
import { affineOp, configOf, kernelAndBias, paddingOf, pairOf, requireChannelsLast } from './common.js';

/**
 * Conv2DTranspose (kernel `[kh, kw, out, in]`): the adjoint of a strided convolution, a convolution for LRP
 * (RelevancePropagation.jl's `ConvLayer` includes `ConvTranspose`). Its transpose is that strided convolution.
 *
 * @example
 * ```ts
 * layerKind('Conv2DTranspose') === convTranspose; // true
 * ```
 */
export const convTranspose: LayerKind = {
  name: 'Conv2DTranspose',
  classNames: ['Conv2DTranspose'],
  groups: ['conv'],
  read(layer) {
    const cfg = configOf(layer);
    requireChannelsLast(cfg);
    const dilation = pairOf(cfg, 'dilationRate', 1);
    if (dilation[0] !== 1 || dilation[1] !== 1)
      throw new KindReadError('dilated Conv2DTranspose is not supported (TF.js does not run it either)');
    if (cfg.outputPadding !== undefined && cfg.outputPadding !== null)
      throw new KindReadError('Conv2DTranspose with outputPadding is not supported');
    const [kernel, bias] = kernelAndBias(layer);
    return affineOp(
      layer,
      conv2dTransposeMap(kernel as tf.Tensor4D, bias, {
        strides: pairOf(cfg, 'strides', 1),
        dilation,
        padding: paddingOf(cfg),
      }),
    );
  },
};
