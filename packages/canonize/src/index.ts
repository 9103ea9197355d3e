/**
 * Reading a `tf.LayersModel` as a graph of layers, and the model rewrites LRP needs first: fold BatchNorm into the
 * layer before it, strip a final softmax, flatten nested models.
 *
 * @packageDocumentation
 */
export {
  type CanonizeReport,
  canonize,
  canonizeWithReport,
  type FoldedBatchNorm,
  type KeptBatchNorm,
  type KeptCode,
} from './canonize.js';
export { ModelRebuildError } from './errors.js';
export { flattenModel } from './flatten.js';
export { type LayerGraph, type LayerNode, ModelGraphError, readGraph, type Source } from './graph.js';
export { selectOutput } from './output.js';
export { stripSoftmax } from './softmax.js';
