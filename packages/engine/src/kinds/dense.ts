import type * as tf from '@tensorflow/tfjs';
import type { LayerKind } from '../kind.js';
import { denseMap } from '../linear/linear.js';
import { affineOp, kernelAndBias } from './common.js';

/**
 * Dense: `z = a·W + b` on the last axis (inputs of any rank ≥ 2), then the fused activation.
 *
 * @example
 * ```ts
 * layerKind('Dense') === dense; // true
 * ```
 */
export const dense: LayerKind = {
  name: 'Dense',
  classNames: ['Dense'],
  groups: ['dense'],
  read(layer) {
    const [kernel, bias] = kernelAndBias(layer);
    return affineOp(layer, denseMap(kernel as tf.Tensor2D, bias));
  },
};
