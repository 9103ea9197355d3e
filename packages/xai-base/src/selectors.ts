import type * as tf from '@tensorflow/tfjs';
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
