import * as tf from '@tensorflow/tfjs';
import {
  type AnalyzeOptions,
  type Analyzer,
  Explanation,
  type OutputSelector,
  outputRelevance,
  outputsPerSample,
} from '@xai-ts/base';
import { ModelGraphError } from '@xai-ts/canonize';
import { Engine } from '@xai-ts/engine';

/** The input shapes of a single-output model, batch axis included, in the model's input order. */
export function modelInputShapes(model: tf.LayersModel, owner: string): (number | null)[][] {
  if (!(model instanceof tf.LayersModel))
    throw new ModelGraphError(
      `${owner} needs a tf.LayersModel, got ${(model as unknown) instanceof Promise ? 'a Promise (did you forget `await`?)' : String(model)}`,
    );
  if (model.outputs.length !== 1)
    throw new ModelGraphError(
      `${owner} explains one output at a time; model "${model.name}" has ${model.outputs.length} outputs (${model.outputNames.join(', ')}): pick one with selectOutput(model, name or index) from @xai-ts/canonize`,
    );
  return model.inputs.map((t) => [...t.shape]);
}

/** The input shape of a single-input, single-output model, batch axis included. */
export function modelInputShape(model: tf.LayersModel, owner: string): (number | null)[] {
  const shapes = modelInputShapes(model, owner);
  if (shapes.length !== 1)
    throw new ModelGraphError(
      `${owner} explains models with one input; model "${model.name}" has ${shapes.length} (Gradient, InputTimesGradient and LRP explain several)`,
    );
  return shapes[0]!;
}

/**
 * The engine of a gradient method: every layer read by its kind, each with an explicit vector-Jacobian product
 * (never TF.js's autodiff: its gradients are wrong for `same` average pooling and for upsampling of batches, and
 * missing on wasm for depthwise and dilated convolutions).
 *
 * @throws {@link @xai-ts/engine!ModelCheckError} naming every layer the engine cannot differentiate
 */
export function gradientEngine(model: tf.LayersModel, owner: string): Engine {
  const engine = new Engine(model);
  const problems = engine.gradientProblems();
  if (problems.length) {
    engine.dispose();
    engine.assertNoProblems(problems, owner);
  }
  return engine;
}

/** The gradient of each sample's selected output with respect to the input, with the output and the selection. */
export interface SelectedGradient {
  /** With respect to the first input. */
  readonly grad: tf.Tensor;
  /** With respect to each input, in the model's input order (`grads[0]` is `grad`). */
  readonly grads: readonly tf.Tensor[];
  readonly output: tf.Tensor;
  readonly selection: number[];
}

/**
 * One forward and one backward pass of the engine: `∂ output[s, selection[s]] / ∂ input[s]` for every sample `s`,
 * each layer's explicit vector-Jacobian product in turn. The selection is made on the output of the same forward
 * pass. The caller owns `grad` and `output`.
 */
export function selectedGradient(
  engine: Engine,
  input: tf.Tensor | readonly tf.Tensor[],
  selector: OutputSelector,
): SelectedGradient {
  let selection: number[] = [];
  const inputs = input instanceof tf.Tensor ? [input] : [...input];
  const { grads, output } = tf.tidy(() => {
    const pass = engine.forward(inputs);
    outputsPerSample(pass.output);
    selection = selector.select(pass.output);
    const seed = outputRelevance(selector, pass.output, selection);
    const back = engine.backward(
      pass,
      new Map([[engine.outputIndex, seed]]),
      (i, s, p) => engine.vjp(i, p, s),
      {
        keepLayers: false,
        release: true,
      },
    );
    return { grads: [...back.inputs], output: pass.output };
  });
  return { grad: grads[0]!, grads, output, selection };
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
  /** The model's (first) input shape, batch axis included. */
  readonly inputShape: readonly (number | null)[];
  /** Every input's shape, batch axis included, in the model's input order. */
  readonly inputShapes: readonly (readonly (number | null)[])[];
  /** The explained model. */
  readonly model: tf.LayersModel;
  /** The engine whose vector-Jacobian products compute the gradient. */
  readonly engine: Engine;

  /**
   * @param model - a model with one output (and one or several inputs: explain them with `analyze([x1, x2], …)`)
   * @throws {@link @xai-ts/engine!ModelCheckError} naming every layer without a registered kind
   */
  constructor(model: tf.LayersModel) {
    this.inputShapes = modelInputShapes(model, this.name);
    this.inputShape = this.inputShapes[0]!;
    this.model = model;
    this.engine = gradientEngine(model, this.name);
  }

  /** {@inheritDoc @xai-ts/base!Analyzer.heatmap} */
  readonly heatmap = 'sensitivity' as const;

  /** The model's output for `input` (the engine's forward pass alone). */
  predict(input: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.engine.forward([input]).output);
  }

  /** Explains a batch; `analyze()` calls this. */
  explain(input: tf.Tensor, selector: OutputSelector, options: AnalyzeOptions = {}): Explanation {
    return this.explainInputs([input], selector, options);
  }

  /** Explains a batch of a model with several inputs: one gradient per input; `analyze([x1, x2], …)` calls this. */
  explainInputs(
    inputs: readonly tf.Tensor[],
    selector: OutputSelector,
    _options: AnalyzeOptions = {},
  ): Explanation {
    const { grads, output, selection } = selectedGradient(this.engine, inputs, selector);
    return new Explanation({
      val: grads[0]!,
      vals: grads,
      input: inputs[0]!,
      inputs,
      output,
      outputSelection: selection,
      analyzer: this.name,
      heatmap: 'sensitivity',
    });
  }

  /** Frees what the engine precomputed (flipped kernels); the model's weights stay. */
  dispose(): void {
    this.engine.dispose();
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
  /** The model's (first) input shape, batch axis included. */
  readonly inputShape: readonly (number | null)[];
  /** Every input's shape, batch axis included, in the model's input order. */
  readonly inputShapes: readonly (readonly (number | null)[])[];
  /** The explained model. */
  readonly model: tf.LayersModel;
  /** The engine whose vector-Jacobian products compute the gradient. */
  readonly engine: Engine;

  /**
   * @param model - a model with one output (and one or several inputs: explain them with `analyze([x1, x2], …)`)
   * @throws {@link @xai-ts/engine!ModelCheckError} naming every layer without a registered kind
   */
  constructor(model: tf.LayersModel) {
    this.inputShapes = modelInputShapes(model, this.name);
    this.inputShape = this.inputShapes[0]!;
    this.model = model;
    this.engine = gradientEngine(model, this.name);
  }

  /** {@inheritDoc @xai-ts/base!Analyzer.heatmap} */
  readonly heatmap = 'attribution' as const;

  /** The model's output for `input` (the engine's forward pass alone). */
  predict(input: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.engine.forward([input]).output);
  }

  /** Explains a batch; `analyze()` calls this. */
  explain(input: tf.Tensor, selector: OutputSelector, options: AnalyzeOptions = {}): Explanation {
    return this.explainInputs([input], selector, options);
  }

  /** Explains a batch of a model with several inputs: input × gradient for each; `analyze([x1, x2], …)` calls this. */
  explainInputs(
    inputs: readonly tf.Tensor[],
    selector: OutputSelector,
    _options: AnalyzeOptions = {},
  ): Explanation {
    const { grads, output, selection } = selectedGradient(this.engine, inputs, selector);
    const vals = grads.map((g, k) => tf.mul(inputs[k]!, g));
    tf.dispose([...grads]);
    return new Explanation({
      val: vals[0]!,
      vals,
      input: inputs[0]!,
      inputs,
      output,
      outputSelection: selection,
      analyzer: this.name,
      heatmap: 'attribution',
    });
  }

  /** Frees what the engine precomputed (flipped kernels); the model's weights stay. */
  dispose(): void {
    this.engine.dispose();
  }
}
