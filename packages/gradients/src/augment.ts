import * as tf from '@tensorflow/tfjs';
import {
  type AnalyzeOptions,
  type Analyzer,
  type HeatmapPreset,
  IndexSelector,
  type OutputSelector,
} from '@xai-ts/base';
import { checkCount } from './checks.js';
import { AugmentationError } from './errors.js';

/** The default number of inputs one call of the wrapped analyzer explains. */
export const DEFAULT_BATCH_SIZE = 32;

/** What the wrapped analyzer said about the clean input. */
export interface CleanResult {
  /** The model's output for the clean input (owned by the caller). */
  readonly output: tf.Tensor;
  /** The selection made once on the clean input. */
  readonly selection: readonly number[];
  /** The wrapped analyzer's heatmap preset. */
  readonly heatmap: HeatmapPreset;
  /** The wrapped analyzer's map of the clean input, when asked for (owned by the caller). */
  readonly val?: tf.Tensor;
}

/**
 * Explains the clean input once with the caller's selector. This makes the output selection (once, on the clean
 * input) and gives the model's output through the wrapped analyzer itself, whatever model it holds.
 */
export function explainClean(
  inner: Analyzer,
  input: tf.Tensor,
  selector: OutputSelector,
  options: AnalyzeOptions,
  keepVal: boolean,
): CleanResult {
  if (!keepVal && inner.predict && inner.heatmap) {
    // the selection needs the output only: one forward pass instead of a whole explanation
    const output = inner.predict(input);
    try {
      return { output, selection: selector.select(output), heatmap: inner.heatmap };
    } catch (error) {
      output.dispose();
      throw error;
    }
  }
  const expl = inner.explain(input, selector, options);
  try {
    return {
      output: tf.clone(expl.output),
      selection: [...expl.outputSelection],
      heatmap: expl.heatmap,
      ...(keepVal ? { val: tf.clone(expl.val) } : {}),
    };
  } finally {
    expl.dispose();
  }
}

/**
 * The selector of `count · batch` copies of a batch, copy-major: each copy at its clean sample's selection, with the
 * clean selector's output relevance where it has one (a mask, a tensor, a function of the output), else the one-hot.
 */
function repeatedSelector(
  selector: OutputSelector,
  repeated: readonly number[],
  batch: number,
): OutputSelector {
  const fixed = new IndexSelector(repeated);
  if (!selector.relevance) return fixed;
  const own = selector.forSamples ? selector.forSamples(repeated.map((_, i) => i % batch)) : selector;
  const relevance = own.relevance?.bind(own);
  return relevance
    ? { select: (output) => fixed.select(output), relevance: (output, picks) => relevance(output, picks) }
    : fixed;
}

/** Checks a `batchSize` option. */
export function checkBatchSize(owner: string, batchSize: number): number {
  return checkCount(owner, 'batchSize', batchSize);
}

/**
 * Explains `weights.length` copies of a batch of `batch` samples with the wrapped analyzer, `batchSize` inputs per
 * call (at least one whole copy), every copy at the clean input's selection, and returns `Σ_k weights[k] · val_k`,
 * one map per sample. `makeChunk(first, count)` builds copies `first .. first + count − 1`, copy-major:
 * `[count · batch, ...]`; it is called in order, once per chunk.
 */
export function weightedSum(
  owner: string,
  inner: Analyzer,
  weights: readonly number[],
  batch: number,
  batchSize: number,
  selection: readonly number[],
  selector: OutputSelector,
  options: AnalyzeOptions,
  makeChunk: (first: number, count: number) => tf.Tensor,
): tf.Tensor | undefined {
  const copiesPerCall = Math.max(1, Math.floor(batchSize / batch));
  let sum: tf.Tensor | undefined;
  try {
    for (let first = 0; first < weights.length; first += copiesPerCall) {
      const count = Math.min(copiesPerCall, weights.length - first);
      const next: tf.Tensor = tf.tidy(() => {
        const x = makeChunk(first, count);
        const repeated = Array.from({ length: count * batch }, (_, i) => selection[i % batch]!);
        const expl = inner.explain(x, repeatedSelector(selector, repeated, batch), options);
        try {
          const val = expl.val;
          if (val.shape[0] !== count * batch)
            throw new AugmentationError(
              `${owner}: the wrapped analyzer ${inner.name} returned ${val.shape[0]} maps for ${count * batch} inputs; ` +
                'augmentations average one map per input (for CRP, select a single feature)',
            );
          const w = tf
            .tensor1d(weights.slice(first, first + count))
            .reshape([count, ...val.shape.map(() => 1)]);
          const part = tf.sum(tf.mul(val.reshape([count, batch, ...val.shape.slice(1)]), w), 0);
          return sum === undefined ? part : tf.add(sum, part);
        } finally {
          expl.dispose();
        }
      });
      sum?.dispose();
      sum = next;
    }
  } catch (error) {
    sum?.dispose();
    throw error;
  }
  return sum;
}
