import * as tf from '@tensorflow/tfjs';
import { OutputSelectionError } from './errors.js';
import { formatShape } from './format.js';

/**
 * Chooses which output of each sample an analyzer explains (XAIBase.jl's output selectors).
 * Indices are 0-based into the output flattened per sample.
 */
export interface OutputSelector {
  /**
   * @param output - the model's output, batch first
   * @returns one 0-based output index per sample
   * @throws {@link OutputSelectionError} when the selection does not fit the output
   */
  select(output: tf.Tensor): number[];
  /**
   * The explained quantity's gradient with respect to the output, of the output's shape, for this selection: the
   * output relevance of LRP and CRP and the seed of gradient methods. Default (absent): a one-hot of 1 at each
   * sample's selected output ({@link oneHotRelevance}).
   */
  relevance?(output: tf.Tensor, selection: readonly number[]): tf.Tensor;
}

/**
 * A one-hot of 1 at each sample's selected output (index into the output flattened per sample), shaped like the
 * output: the default output relevance.
 *
 * @example
 * ```ts
 * oneHotRelevance(tf.zeros([2, 3]), [2, 0]).arraySync(); // [[0, 0, 1], [1, 0, 0]]
 * ```
 */
export function oneHotRelevance(output: tf.Tensor, selection: readonly number[]): tf.Tensor {
  return tf.tidy(() => {
    const perSample = output.size / output.shape[0]!;
    const picks = tf.tensor2d([...selection], [selection.length, 1], 'int32');
    return tf
      .equal(tf.range(0, perSample, 1, 'int32').expandDims(0), picks)
      .toFloat()
      .reshape(output.shape);
  });
}

/**
 * The output relevance of a selection: the selector's own, else a one-hot of 1 at each selected output; multiplied
 * by the output itself when `logit` is true (RelevancePropagation.jl's `normalize_output_relevance = false`).
 *
 * @example
 * ```ts
 * const seed = outputRelevance(selector, output, selection);
 * ```
 */
export function outputRelevance(
  selector: OutputSelector,
  output: tf.Tensor,
  selection: readonly number[],
  logit = false,
): tf.Tensor {
  return tf.tidy(() => {
    const r = selector.relevance ? selector.relevance(output, selection) : oneHotRelevance(output, selection);
    if (r.shape.join() !== output.shape.join())
      throw new OutputSelectionError(
        `the selector's output relevance has shape ${formatShape(r.shape)} but the output has ${formatShape(output.shape)}`,
      );
    return logit ? tf.mul(r, output) : r;
  });
}

/**
 * Explains a class over a region of a per-pixel output `[N, H, W, K]` (segmentation): the explained quantity is
 * `Σ_ij mask[i, j] · out[n, i, j, k]`, so the output relevance is `mask[i, j]` at class `k` (SEMANTICS.md §11).
 * Without a class, each sample's `k` is the argmax of its masked sums. `select` returns `k` per sample.
 *
 * @example
 * ```ts
 * // 1 inside rows 3–7 and columns 4–9 of a 12×12 output, 0 elsewhere
 * const mask = Array.from({ length: 12 }, (_, i) => Array.from({ length: 12 }, (_, j) => +(i >= 3 && i < 8 && j >= 4 && j < 10)));
 * analyze(x, lrp, new MaskSelector(mask, 7)); // "this region is class 7"
 * ```
 */
export class MaskSelector implements OutputSelector {
  /** The mask `[H, W]` (or `[N, H, W]`, one per sample), weights of the output's pixels. */
  readonly mask: tf.Tensor;
  /** The class for every sample, one per sample, or undefined for each sample's largest masked sum. */
  readonly classIndex: number | readonly number[] | undefined;

  /**
   * @param mask - `[H, W]` or `[N, H, W]`, or nested arrays; copied (dispose the selector to free the copy)
   * @param classIndex - the 0-based class, one per sample, or omitted for the largest masked sum
   */
  constructor(mask: tf.Tensor | number[][] | number[][][], classIndex?: number | readonly number[]) {
    const t =
      mask instanceof tf.Tensor ? tf.keep(mask.toFloat()) : tf.keep(tf.tensor(mask, undefined, 'float32'));
    if (t.rank !== 2 && t.rank !== 3) {
      const shape = t.shape;
      t.dispose();
      throw new OutputSelectionError(
        `a mask is [height, width] or [batch, height, width]; got ${formatShape(shape)}`,
      );
    }
    this.mask = t;
    if (classIndex !== undefined)
      for (const k of typeof classIndex === 'number' ? [classIndex] : classIndex)
        if (!Number.isInteger(k) || k < 0)
          throw new OutputSelectionError(
            `class index ${k} is not a non-negative integer; indices are 0-based`,
          );
    this.classIndex = classIndex;
  }

  #weights(output: tf.Tensor): tf.Tensor {
    if (output.rank !== 4)
      throw new OutputSelectionError(
        `a mask selects over per-pixel outputs [batch, height, width, classes]; the output has shape ${formatShape(output.shape)}`,
      );
    const [n, h, w] = output.shape as [number, number, number, number];
    const m = this.mask;
    const [mh, mw] = m.shape.slice(-2);
    if (mh !== h || mw !== w || (m.rank === 3 && m.shape[0] !== n))
      throw new OutputSelectionError(
        `the mask has shape ${formatShape(m.shape)} but the output is ${formatShape(output.shape)}: give [${h}, ${w}] or [${n}, ${h}, ${w}]`,
      );
    return m.rank === 2 ? m.reshape([1, h, w, 1]) : m.reshape([n, h, w, 1]);
  }

  /** {@inheritDoc OutputSelector.select} */
  select(output: tf.Tensor): number[] {
    const classes = output.shape[3] ?? 0;
    const n = output.shape[0]!;
    if (this.classIndex === undefined) {
      const sums = tf.tidy(() => tf.sum(tf.mul(output, this.#weights(output)), [1, 2]).argMax(1));
      const picks = Array.from(sums.dataSync());
      sums.dispose();
      return picks;
    }
    tf.tidy(() => this.#weights(output)); // checks the shapes
    const picks =
      typeof this.classIndex === 'number' ? new Array<number>(n).fill(this.classIndex) : [...this.classIndex];
    if (picks.length !== n)
      throw new OutputSelectionError(
        `the selection has ${picks.length} classes but the batch has ${n} samples; give one class per sample, or a single number for all`,
      );
    for (const k of picks)
      if (k >= classes)
        throw new OutputSelectionError(
          `class index ${k} is out of range: the output has ${classes} classes (0..${classes - 1})`,
        );
    return picks;
  }

  /** The mask at each sample's class: `mask[i, j]` at `[n, i, j, k_n]`, zero elsewhere. */
  relevance(output: tf.Tensor, selection: readonly number[]): tf.Tensor {
    return tf.tidy(() => {
      const classes = output.shape[3]!;
      const hot = tf
        .oneHot(tf.tensor1d([...selection], 'int32'), classes)
        .reshape([selection.length, 1, 1, classes]);
      return tf.mul(this.#weights(output), hot);
    });
  }

  /** Frees the mask's copy. */
  dispose(): void {
    this.mask.dispose();
  }
}

/** The number of outputs per sample of a batch-first output tensor. */
export function outputsPerSample(output: tf.Tensor): number {
  if (output.rank < 2)
    throw new OutputSelectionError(
      `the model's output has shape ${formatShape(output.shape)}; an output selector needs a batch axis and at least one output axis`,
    );
  return output.size / output.shape[0]!;
}

/**
 * Selects each sample's largest output (the first one on ties), as XAIBase.jl's `MaxActivationSelector`.
 *
 * @example
 * ```ts
 * new MaxActivationSelector().select(tf.tensor2d([[1, 3], [4, 2]])); // [1, 0]
 * ```
 */
export class MaxActivationSelector implements OutputSelector {
  /** {@inheritDoc OutputSelector.select} */
  select(output: tf.Tensor): number[] {
    const n = output.shape[0]!;
    const perSample = outputsPerSample(output);
    const data = output.dataSync();
    const picks: number[] = [];
    for (let s = 0; s < n; s++) {
      let best = 0;
      for (let j = 1; j < perSample; j++)
        if (data[s * perSample + j]! > data[s * perSample + best]!) best = j;
      picks.push(best);
    }
    return picks;
  }
}

/**
 * Selects a fixed output index: the same for every sample, or one per sample. Indices are 0-based (Julia's
 * `IndexSelector(920)` is `new IndexSelector(919)` here).
 *
 * @example
 * ```ts
 * new IndexSelector(7).select(logits);        // [7, 7] for a batch of two
 * new IndexSelector([3, 5]).select(logits);   // [3, 5]
 * ```
 */
export class IndexSelector implements OutputSelector {
  /** The index for every sample, or one index per sample. */
  readonly index: number | readonly number[];

  /** @param index - a 0-based output index, or one per sample */
  constructor(index: number | readonly number[]) {
    const all = typeof index === 'number' ? [index] : index;
    for (const i of all)
      if (!Number.isInteger(i) || i < 0)
        throw new OutputSelectionError(
          `output index ${i} is not a non-negative integer; indices are 0-based`,
        );
    this.index = typeof index === 'number' ? index : Object.freeze([...index]);
  }

  /** {@inheritDoc OutputSelector.select} */
  select(output: tf.Tensor): number[] {
    const n = output.shape[0]!;
    const perSample = outputsPerSample(output);
    let picks: number[];
    if (typeof this.index === 'number') picks = new Array<number>(n).fill(this.index);
    else {
      if (this.index.length !== n)
        throw new OutputSelectionError(
          `the selection has ${this.index.length} indices but the batch has ${n} samples; give one index per sample, or a single number for all`,
        );
      picks = [...this.index];
    }
    for (const i of picks)
      if (i >= perSample)
        throw new OutputSelectionError(
          `class index ${i} is out of range: the model has ${perSample} outputs (0-based indices 0..${perSample - 1})`,
        );
    return picks;
  }
}

/** What `analyze()` accepts as an output selection: omitted (max activation), an index, one per sample, or a selector. */
export type OutputSelection = number | readonly number[] | OutputSelector | undefined;

/**
 * Turns an {@link OutputSelection} into an {@link OutputSelector}.
 *
 * @example
 * ```ts
 * toOutputSelector(undefined); // MaxActivationSelector
 * toOutputSelector(7);         // IndexSelector(7)
 * ```
 */
export function toOutputSelector(selection: OutputSelection): OutputSelector {
  if (selection === undefined) return new MaxActivationSelector();
  if (typeof selection === 'number' || Array.isArray(selection)) return new IndexSelector(selection);
  if (typeof (selection as OutputSelector).select === 'function') return selection as OutputSelector;
  throw new OutputSelectionError(
    `cannot select outputs with ${String(selection)}: pass a class index, one index per sample, or an OutputSelector`,
  );
}
