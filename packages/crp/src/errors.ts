import { XaiError } from '@xai-ts/base';

/**
 * A concept layer that the LRP analyzer does not have: an unknown name or an index out of range. The message lists
 * the valid layers.
 *
 * @example
 * ```ts
 * new CRP(lrp, 'conv9', new TopNFeatures(2)); // ConceptLayerError: the model has no layer named "conv9"; ...
 * ```
 */
export class ConceptLayerError extends XaiError {
  override name = 'ConceptLayerError';
}

/**
 * Conditions that cannot be applied: an empty condition, a layer listed without feature ids, ids that are not
 * non-negative integers, or conditioned layers that do not lie on one path of the model (relevance that leaves the
 * upper one could never reach the lower one).
 *
 * @example
 * ```ts
 * new MultiLayerCRP(lrp, { conv2d_2: [] }); // ConditionError: condition 0 lists no feature ids for layer "conv2d_2" ...
 * ```
 */
export class ConditionError extends XaiError {
  override name = 'ConditionError';
}

/**
 * An invalid CRP option, such as a `batchSize` that is not a positive integer.
 *
 * @example
 * ```ts
 * new CRP(lrp, 'conv2d_2', new TopNFeatures(2), { batchSize: 0 }); // CRPOptionError: batchSize must be ...
 * ```
 */
export class CRPOptionError extends XaiError {
  override name = 'CRPOptionError';
}
