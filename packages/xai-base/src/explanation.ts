import * as tf from '@tensorflow/tfjs';
import { XaiError } from './errors.js';

/**
 * Which heatmap preset suits an explanation: `attribution` (signed relevance, diverging colormap centred on 0),
 * `sensitivity` (magnitudes such as gradients, sequential colormap) or `cam` (a coarse class-activation map
 * upsampled and overlaid on the input).
 */
export type HeatmapPreset = 'attribution' | 'sensitivity' | 'cam';

/** Extra results an analyzer may attach to an explanation; any tensor inside is owned by the explanation. */
export type Extras = Record<string, unknown>;

/** What an {@link Explanation} is built from. */
export interface ExplanationInit<E extends Extras = Extras> {
  /** The attribution, the input's shape (CRP: one map per feature and sample along the batch axis). */
  val: tf.Tensor;
  /** The input that was explained. Not owned: {@link Explanation.dispose} leaves it alone. */
  input: tf.Tensor;
  /**
   * A model with several inputs: one attribution per input, in the model's input order (`vals[0]` is `val`). Owned.
   * Default `[val]`.
   */
  vals?: readonly tf.Tensor[];
  /** A model with several inputs: every explained input (`inputs[0]` is `input`). Not owned. Default `[input]`. */
  inputs?: readonly tf.Tensor[];
  /** The model's output for `input`, batch first. Owned by the explanation. */
  output: tf.Tensor;
  /** The explained output index (0-based) of each sample. */
  outputSelection: readonly number[];
  /** The analyzer's name, for example `LRP` or `Gradient`. */
  analyzer: string;
  /** The heatmap preset that suits this kind of explanation. */
  heatmap: HeatmapPreset;
  /** Further results, such as `layerwiseRelevances`. Tensors inside are owned by the explanation. */
  extras?: E;
}

/**
 * The result every analyzer returns (XAIBase.jl's `Explanation`). It owns `val`, `output` and every tensor in
 * `extras`; call {@link Explanation.dispose} when done. It does not own `input`, which belongs to the caller.
 *
 * @example
 * ```ts
 * const expl = analyze(x, new LRP(model), 7);
 * const relevance = await expl.val.array();
 * expl.dispose();
 * ```
 */
export class Explanation<E extends Extras = Extras> {
  /** The attribution, the input's shape (CRP: `[features * batch, ...]`, feature-major). */
  readonly val: tf.Tensor;
  /** The explained input (not owned by the explanation); the first one for a model with several inputs. */
  readonly input: tf.Tensor;
  /**
   * One attribution per model input, in the model's input order; `[val]` for a model with one input. For a model
   * with several inputs, the relevance a conserving method distributes is the sum over all of them.
   */
  readonly vals: readonly tf.Tensor[];
  /** Every explained input, in the model's input order (not owned); `[input]` for a model with one input. */
  readonly inputs: readonly tf.Tensor[];
  /** The model's output for `input`. */
  readonly output: tf.Tensor;
  /** The explained output index (0-based) of each sample. */
  readonly outputSelection: readonly number[];
  /** The name of the analyzer that made this explanation. */
  readonly analyzer: string;
  /** The heatmap preset that suits this explanation. */
  readonly heatmap: HeatmapPreset;
  /** Further results; tensors inside are owned by the explanation. */
  readonly extras: E;
  #disposed = false;

  /** @param init - the tensors and facts that make up the explanation */
  constructor(init: ExplanationInit<E>) {
    this.val = init.val;
    this.input = init.input;
    this.vals = Object.freeze([...(init.vals ?? [init.val])]);
    this.inputs = Object.freeze([...(init.inputs ?? [init.input])]);
    if (this.vals[0] !== init.val || this.inputs[0] !== init.input || this.vals.length !== this.inputs.length)
      throw new XaiError(
        `an explanation's vals and inputs list one tensor per model input, vals[0] being val and inputs[0] being input; got ${this.vals.length} attributions for ${this.inputs.length} inputs`,
      );
    this.output = init.output;
    this.outputSelection = Object.freeze([...init.outputSelection]);
    this.analyzer = init.analyzer;
    this.heatmap = init.heatmap;
    this.extras = init.extras ?? ({} as E);
  }

  /** Whether {@link Explanation.dispose} has been called. */
  get isDisposed(): boolean {
    return this.#disposed;
  }

  /** Frees `val` (and `vals`), `output` and every tensor in `extras` (searched through arrays, maps and plain objects). */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    const owned = new Set<tf.Tensor>();
    collectTensors(this.val, owned);
    collectTensors(this.vals, owned);
    collectTensors(this.output, owned);
    collectTensors(this.extras, owned);
    for (const input of this.inputs) owned.delete(input);
    for (const t of owned) if (!t.isDisposed) t.dispose();
  }
}

function collectTensors(value: unknown, into: Set<tf.Tensor>): void {
  if (value instanceof tf.Tensor) into.add(value);
  else if (Array.isArray(value)) for (const v of value) collectTensors(v, into);
  else if (value instanceof Map) for (const v of value.values()) collectTensors(v, into);
  else if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype)
    for (const v of Object.values(value)) collectTensors(v, into);
}
