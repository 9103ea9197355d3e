import type { LayerKind } from '../kind.js';
import { activation, leakyRelu, relu, smoothActivation } from './activation.js';
import { batchNorm } from './batch-norm.js';
import { conv } from './conv.js';
import { convTranspose } from './conv-transpose.js';
import { dense } from './dense.js';
import { depthwiseConv } from './depthwise.js';
import { globalAveragePooling, globalMaxPooling } from './global-pooling.js';
import { layerNorm } from './layer-norm.js';
import { add, concatenate, elementwise, multiply } from './merge.js';
import { cropping, zeroPadding } from './padding.js';
import { averagePooling, maxPooling } from './pooling.js';
import { preprocessing } from './rescaling.js';
import { identity, permute, reshape } from './reshape.js';
import { separableConv } from './separable.js';
import { upSampling } from './upsampling.js';

/** The built-in layer kinds: a new kind is one file and one line here. */
export const BUILTIN_KINDS: readonly LayerKind[] = [
  dense,
  conv,
  depthwiseConv,
  separableConv,
  convTranspose,
  maxPooling,
  averagePooling,
  globalAveragePooling,
  globalMaxPooling,
  batchNorm,
  layerNorm,
  upSampling,
  zeroPadding,
  cropping,
  reshape,
  permute,
  identity,
  add,
  concatenate,
  multiply,
  elementwise,
  activation,
  relu,
  leakyRelu,
  smoothActivation,
  preprocessing,
];
