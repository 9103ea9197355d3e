import * as tf from '@tensorflow/tfjs';
import {
  type AnalyzeOptions,
  type Analyzer,
  Explanation,
  type OutputSelector,
  outputsPerSample,
} from '@xai-ts/base';
import { ModelGraphError } from '@xai-ts/canonize';

/** The input shape of a single-input, single-output model, batch axis included. */
export function modelInputShape(model: tf.LayersModel, owner: string): (number | null)[] {
  if (model.inputs.length !== 1 || model.outputs.length !== 1)
    throw new ModelGraphError(
      `${owner} explains models with one input and one output; model "${model.name}" has ${model.inputs.length} inputs and ${model.outputs.length} outputs`,
    );
  return [...model.inputs[0]!.shape];
}

/** A mask of the output's shape with a 1 at each sample's selected output (SEMANTICS.md §7: a one-hot seed of 1). */
export function selectionMask(selection: readonly number[], shape: readonly number[]): tf.Tensor {
  return tf.tidy(() => {
    const perSample = shape.slice(1).reduce((a, b) => a * b, 1);
    return tf
      .oneHot(tf.tensor1d([...selection], 'int32'), perSample)
      .toFloat()
      .reshape([...shape]);
  });
}

/** The gradient of each sample's selected output with respect to the input, with the output and the selection. */
export interface SelectedGradient {
  readonly grad: tf.Tensor;
  readonly output: tf.Tensor;
  readonly selection: number[];
}

/**
 * One forward and one backward pass: `∂ output[s, selection[s]] / ∂ input[s]` for every sample `s`. The selection
 * is made on the output of the same forward pass. The caller owns `grad` and `output`.
 */
export function selectedGradient(
  model: tf.LayersModel,
  input: tf.Tensor,
  selector: OutputSelector,
): SelectedGradient {
  let output: tf.Tensor | undefined;
  let selection: number[] = [];
  let failure: { error: unknown } | undefined;
  const grad = tf.tidy(() =>
    tf.grad((x: tf.Tensor) => {
      try {
        const out = model.apply(x, { training: false }) as tf.Tensor;
        outputsPerSample(out);
        selection = selector.select(out);
        // The output outlives the gradient's scope: the explanation owns it.
        output = tf.keep(out);
        return tf.sum(tf.mul(out, selectionMask(selection, out.shape)));
      } catch (error) {
        // Throwing inside tf.grad would leave the tape's saved tensors behind: finish the pass, throw after.
        failure = { error };
        output?.dispose();
        output = undefined;
        return tf.mul(tf.sum(x), 0);
      }
    })(input),
  );
  if (failure) {
    grad.dispose();
    throw failure.error;
  }
  return { grad, output: output!, selection };
}

/**
 * The gradient of the selected output with respect to the input (ExplainableAI.jl's `Gradient`, "saliency"):
 * `val = ∂f_c(x)/∂x`, computed with a one-hot seed of 1 at output `c`. Heatmap preset: `sensitivity`.
 *
 * The model's output is used as it is: for a model that ends in a softmax this is the gradient of a probability.
 *
 * @example
 * ```ts
 * const expl = analyze(x, new Gradient(model), 7); // ∂ logit_7 / ∂ x, the shape of x
 * ```
 */
export class Gradient implements Analyzer {
  /** The analyzer's name. */
  readonly name: string = 'Gradient';
  /** The model's input shape, batch axis included. */
  readonly inputShape: readonly (number | null)[];
  /** The explained model. */
  readonly model: tf.LayersModel;

  /** @param model - a model with one input and one output */
  constructor(model: tf.LayersModel) {
    this.inputShape = modelInputShape(model, this.name);
    this.model = model;
  }

  /** Explains a batch; `analyze()` calls this. */
  explain(input: tf.Tensor, selector: OutputSelector, _options: AnalyzeOptions = {}): Explanation {
    const { grad, output, selection } = selectedGradient(this.model, input, selector);
    return new Explanation({
      val: grad,
      input,
      output,
      outputSelection: selection,
      analyzer: this.name,
      heatmap: 'sensitivity',
    });
  }
}

/**
 * The input times the gradient of the selected output (ExplainableAI.jl's `InputTimesGradient`):
 * `val = x ⊙ ∂f_c(x)/∂x`. Heatmap preset: `attribution`.
 *
 * @example
 * ```ts
 * const expl = analyze(x, new InputTimesGradient(model)); // the top class of each sample
 * ```
 */
export class InputTimesGradient implements Analyzer {
  /** The analyzer's name. */
  readonly name: string = 'InputTimesGradient';
  /** The model's input shape, batch axis included. */
  readonly inputShape: readonly (number | null)[];
  /** The explained model. */
  readonly model: tf.LayersModel;

  /** @param model - a model with one input and one output */
  constructor(model: tf.LayersModel) {
    this.inputShape = modelInputShape(model, this.name);
    this.model = model;
  }

  /** Explains a batch; `analyze()` calls this. */
  explain(input: tf.Tensor, selector: OutputSelector, _options: AnalyzeOptions = {}): Explanation {
    const { grad, output, selection } = selectedGradient(this.model, input, selector);
    const val = tf.mul(input, grad);
    grad.dispose();
    return new Explanation({
      val,
      input,
      output,
      outputSelection: selection,
      analyzer: this.name,
      heatmap: 'attribution',
    });
  }
}
