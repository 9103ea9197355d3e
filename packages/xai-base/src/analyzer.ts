import type * as tf from '@tensorflow/tfjs';
import { checkInput } from './checks.js';
import { InputShapeError, InvalidInputError, XaiError } from './errors.js';
import type { Explanation, HeatmapPreset } from './explanation.js';
import { type OutputSelection, type OutputSelector, toOutputSelector } from './selectors.js';

/**
 * Options for one `analyze()` call. Analyzers read the options they know and ignore the rest.
 */
export interface AnalyzeOptions {
  /** LRP and CRP: keep the relevance at every layer's input in `extras.layerwiseRelevances`. */
  layerwiseRelevances?: boolean;
  /** Further analyzer-specific options. */
  readonly [option: string]: unknown;
}

/**
 * The interface an explanation method implements to plug into {@link analyze} (XAIBase.jl's
 * `AbstractXAIMethod`). An analyzer is built once for a model and then called for many inputs.
 *
 * @example
 * ```ts
 * class Ones implements Analyzer {
 *   readonly name = 'Ones';
 *   explain(input: tf.Tensor, selector: OutputSelector) {
 *     const output = model.predict(input) as tf.Tensor;
 *     return new Explanation({ val: tf.onesLike(input), input, output,
 *       outputSelection: selector.select(output), analyzer: this.name, heatmap: 'attribution' });
 *   }
 * }
 * ```
 */
export interface Analyzer {
  /** A short name, such as `LRP` or `Gradient`. */
  readonly name: string;
  /**
   * The input shape the analyzer's model expects, batch axis included (`null` for free dimensions); `analyze()`
   * checks the input against it. Omit it to skip the shape check.
   */
  readonly inputShape?: readonly (number | null)[];
  /**
   * A model with several inputs: the shape of each, batch axis included, in the model's input order. `analyze()`
   * checks each input against its shape. Omit for a model with one input.
   */
  readonly inputShapes?: readonly (readonly (number | null)[])[];
  /**
   * Explains a batch. The input has already passed {@link checkInput}; the analyzer selects the outputs with
   * `selector` on the model's output and returns an explanation that owns every tensor it made, and nothing else
   * may outlive the call.
   */
  explain(input: tf.Tensor, selector: OutputSelector, options: AnalyzeOptions): Explanation;
  /**
   * Explains a batch of a model with several inputs (one tensor per input, in the model's input order, each batch
   * first with the same batch size): an explanation whose `vals` hold one attribution per input. `analyze()` calls it
   * when given an array of tensors; analyzers of single-input models leave it out.
   */
  explainInputs?(
    inputs: readonly tf.Tensor[],
    selector: OutputSelector,
    options: AnalyzeOptions,
  ): Explanation;
  /**
   * The model's output for `input`, computed without explaining it: wrappers that only need the selection (SmoothGrad's
   * clean pass) call it instead of `explain`. Optional.
   */
  predict?(input: tf.Tensor): tf.Tensor;
  /** The heatmap preset of the analyzer's explanations, where it is fixed. Optional. */
  readonly heatmap?: HeatmapPreset;
  /** Frees what the analyzer holds (precomputed weights, copies); it cannot be used afterwards. */
  dispose?(): void;
}

/**
 * Explains `input` with `analyzer` (XAIBase.jl's `analyze`).
 *
 * @param input - a batch-first float tensor fitting the analyzer's model; for a model with several inputs, an array
 *   of them in the model's input order (the explanation's `vals` then hold one attribution per input)
 * @param analyzer - the method, for example `new LRP(model)`
 * @param selection - omitted: each sample's largest output; a number: that output for every sample; an array: one
 *   output per sample; or an {@link OutputSelector}. Indices are 0-based.
 * @param options - analyzer options such as `{ layerwiseRelevances: true }`
 * @returns the analyzer's {@link Explanation} (typed as its `explain` returns it); dispose it when done
 *
 * @example
 * ```ts
 * const expl = analyze(x, new LRP(model, new EpsilonPlusFlat()), 919);
 * ```
 */
export function analyze<A extends Analyzer>(
  input: tf.Tensor | readonly tf.Tensor[],
  analyzer: A,
  selection?: OutputSelection,
  options: AnalyzeOptions = {},
): ReturnType<A['explain']> {
  const selector = toOutputSelector(selection);
  if (!Array.isArray(input)) {
    const expected = analyzer.inputShapes;
    if (expected && expected.length > 1)
      throw new InputShapeError(
        `the model has ${expected.length} inputs: pass an array of ${expected.length} tensors, one per input, in the model's input order`,
      );
    checkInput(input as tf.Tensor, analyzer.inputShape);
    return analyzer.explain(input as tf.Tensor, selector, options) as ReturnType<A['explain']>;
  }
  const inputs = input as readonly tf.Tensor[];
  const expected = analyzer.inputShapes ?? (analyzer.inputShape ? [analyzer.inputShape] : undefined);
  if (inputs.length === 0) throw new InputShapeError('the array of inputs is empty');
  if (expected && inputs.length !== expected.length)
    throw new InputShapeError(
      `got ${inputs.length} input tensors but the model has ${expected.length} input${expected.length === 1 ? '' : 's'}`,
    );
  inputs.forEach((x, k) => {
    try {
      checkInput(x, expected?.[k]);
    } catch (e) {
      if (e instanceof XaiError && inputs.length > 1) {
        e.message = `input ${k}: ${e.message}`;
      }
      throw e;
    }
  });
  const batch = inputs[0]!.shape[0];
  inputs.forEach((x, k) => {
    if (x.shape[0] !== batch)
      throw new InputShapeError(
        `input ${k} has a batch of ${x.shape[0]} but input 0 has ${batch}; every input needs the same batch size`,
      );
  });
  if (inputs.length === 1 && !analyzer.explainInputs)
    return analyzer.explain(inputs[0]!, selector, options) as ReturnType<A['explain']>;
  if (!analyzer.explainInputs)
    throw new InvalidInputError(
      `${analyzer.name} explains models with one input; it cannot explain ${inputs.length} inputs (LRP, Gradient and InputTimesGradient can)`,
    );
  return analyzer.explainInputs(inputs, selector, options) as ReturnType<A['explain']>;
}
