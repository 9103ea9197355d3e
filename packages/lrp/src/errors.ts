import { XaiError } from '@xai-ts/base';
import { ModelCheckError } from '@xai-ts/engine';

export { ModelCheckError, type ModelProblem } from '@xai-ts/engine';

/**
 * A rule was given to a layer it cannot handle, for example a parametric rule (Gamma, ZPlus, ZBox, ...) on a layer
 * without weights (RelevancePropagation.jl's `LRPCompatibilityError`).
 *
 * @example
 * ```ts
 * new LRP(model, new GammaRule()); // RuleCompatibilityError if the model has a pooling layer
 * ```
 */
export class RuleCompatibilityError extends ModelCheckError {
  override name = 'RuleCompatibilityError';
}

/**
 * A composite primitive names a layer that does not exist (unknown name, index out of range, empty range), or a
 * composite is built from something that is neither a rule nor a primitive.
 *
 * @example
 * ```ts
 * new LRP(model, new Composite(new LayerMap('nope', new EpsilonRule()))); // CompositeError
 * ```
 */
export class CompositeError extends XaiError {
  override name = 'CompositeError';
}
