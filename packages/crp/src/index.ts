/**
 * Concept Relevance Propagation for TensorFlow.js: the {@link CRP} analyzer (RelevancePropagation.jl's `CRP`: one
 * heatmap per feature of a concept layer) and {@link MultiLayerCRP} / {@link conditionalRelevance} (zennit-crp's
 * conditions on several layers at once). Both build on an `LRP` analyzer from `@xai-ts/lrp`.
 *
 * @packageDocumentation
 */
export { CRP, type CRPExplanation, type CRPExtras, type CRPOptions } from './crp.js';
export { ConceptLayerError, ConditionError, CRPOptionError } from './errors.js';
export { DEFAULT_BATCH_SIZE } from './layers.js';
export {
  type Condition,
  conditionalRelevance,
  MultiLayerCRP,
  type MultiLayerCRPExplanation,
  type MultiLayerCRPExtras,
} from './multi.js';
