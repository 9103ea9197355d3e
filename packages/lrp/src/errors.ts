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

/**
 * An option of a rule, a composite preset or the LRP analyzer is missing, of the wrong type, out of range or
 * unknown (a misspelt name), or a tensor option does not fit the layer it is used on. Thrown when the rule, preset
 * or analyzer is built, before any work is done.
 *
 * @example
 * ```ts
 * new EpsilonRule({ epsilon: -1 }); // LRPOptionError: EpsilonRule needs a finite epsilon ≥ 0, got -1
 * new GammaRule({ gama: 0.5 } as never); // LRPOptionError: GammaRule has no option 'gama'; its options are gamma
 * ```
 */
export class LRPOptionError extends XaiError {
  override name = 'LRPOptionError';
}
