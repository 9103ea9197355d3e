import { XaiError } from '@xai-ts/base';

/** One problem the model check found. */
export interface ModelProblem {
  /** The layer's 0-based index in the analyzer's layer list, or -1 for the model as a whole. */
  readonly index: number;
  /** The layer's name. */
  readonly layer: string;
  /** What is wrong and what to do. */
  readonly message: string;
}

/**
 * The model check failed: unsupported layers or fused activations, a softmax output, or rules that do not fit their
 * layers. The message lists every problem with layer name and index and says what to do; `problems` holds them.
 *
 * @example
 * ```ts
 * try { new LRP(model); } catch (e) { if (e instanceof ModelCheckError) console.log(e.problems); }
 * ```
 */
export class ModelCheckError extends XaiError {
  override name = 'ModelCheckError';
  /** Every problem found. */
  readonly problems: readonly ModelProblem[];

  /** @param problems - what the check found */
  constructor(problems: readonly ModelProblem[]) {
    super(
      `LRP cannot explain this model as it is (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems
        .map((p) => `  - ${p.index >= 0 ? `layer ${p.index} "${p.layer}": ` : ''}${p.message}`)
        .join('\n')}`,
    );
    this.problems = problems;
  }
}

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
 * A composite primitive names a layer that does not exist (unknown name, index out of range, empty range).
 *
 * @example
 * ```ts
 * new LRP(model, new Composite(new LayerMap('nope', new EpsilonRule()))); // CompositeError
 * ```
 */
export class CompositeError extends XaiError {
  override name = 'CompositeError';
}
