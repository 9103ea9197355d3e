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
  /**
   * This selector's output relevance for a batch made of samples of the batch it was made for: sample `i` of the new
   * batch is sample `samples[i]` of the original (augmentations such as SmoothGrad explain repeated, noisy copies at
   * the clean selection). Needed only by selectors whose output relevance differs between samples (a mask or a
   * tensor given per sample); absent: the selector's own `relevance` applies to the new batch as it is.
   */
  forSamples?(samples: readonly number[]): Pick<OutputSelector, 'relevance'>;
}

/**
 * Per sample, the flat index (into the output flattened per sample) of the largest-magnitude entry of an output
 * relevance, the first one on ties: what {@link RelevanceSelector} and {@link FunctionSelector} report as the
 * selection.
 */
function largestEntries(relevance: tf.Tensor): number[] {
  return tf.tidy(() =>
    Array.from(
      tf
        .abs(relevance.reshape([relevance.shape[0]!, -1]))
        .argMax(1)
        .dataSync(),
    ),
  );
}

/**
 * Explains an arbitrary output relevance: a tensor of the output's shape (or of one sample's output shape, the same
 * for every sample) that seeds LRP, CRP and every gradient method, as Zennit's `attr_output`. Use it for several
 * classes at once (a weighted sum of logits), for a regression output, or for any linear function of the output:
 * the explained quantity is `Σ seed ⊙ output` per sample. `select` reports each sample's largest-magnitude seed entry.
 *
 * @example
 * ```ts
 * // "class 2 rather than class 0": logit 2 minus logit 0, for every sample
 * const contrast = new RelevanceSelector([-1, 0, 1, 0, 0]);
 * const expl = analyze(x, lrp, contrast);
 * contrast.dispose();
 * ```
 */
export class RelevanceSelector implements OutputSelector {
  /** The seed: the output's shape (batch first) or one sample's output shape (shared by every sample). A copy. */
  readonly seed: tf.Tensor;

  /** @param seed - the output relevance; copied (dispose the selector to free the copy) */
  constructor(seed: tf.Tensor | number[] | number[][] | number[][][] | number[][][][]) {
    const t =
      seed instanceof tf.Tensor ? tf.keep(seed.toFloat()) : tf.keep(tf.tensor(seed, undefined, 'float32'));
    const data = t.dataSync();
    for (let i = 0; i < data.length; i++)
      if (!Number.isFinite(data[i]!)) {
        t.dispose();
        throw new OutputSelectionError(
          `the output relevance holds ${data[i]} at flat index ${i}; give finite values`,
        );
      }
    this.seed = t;
  }

  #relevance(output: tf.Tensor, samples?: readonly number[]): tf.Tensor {
    return tf.tidy(() => {
      const out = output.shape;
      const s = this.seed;
      if (s.rank === out.length - 1 && s.shape.every((d, i) => d === out[i + 1]))
        return tf.broadcastTo(s.expandDims(0), out);
      if (samples && s.rank === out.length && s.shape.slice(1).every((d, i) => d === out[i + 1])) {
        const rows = s.shape[0]!;
        const bad = samples.find((k) => k < 0 || k >= rows);
        if (bad !== undefined)
          throw new OutputSelectionError(
            `sample ${bad} is out of range of the output relevance's ${rows} rows`,
          );
        return tf.concat(
          samples.map((k) => s.slice(k, 1)),
          0,
        );
      }
      if (s.shape.join() === out.join()) return s.clone();
      throw new OutputSelectionError(
        `the output relevance has shape ${formatShape(s.shape)} but the output is ${formatShape(out)}: give the output's shape or one sample's ${formatShape(out.slice(1))}`,
      );
    });
  }

  /** {@inheritDoc OutputSelector.select} */
  select(output: tf.Tensor): number[] {
    outputsPerSample(output);
    const r = this.#relevance(output);
    try {
      return largestEntries(r);
    } finally {
      r.dispose();
    }
  }

  /** {@inheritDoc OutputSelector.relevance} */
  relevance(output: tf.Tensor): tf.Tensor {
    return this.#relevance(output);
  }

  /** {@inheritDoc OutputSelector.forSamples} */
  forSamples(samples: readonly number[]): Pick<OutputSelector, 'relevance'> {
    return { relevance: (output) => this.#relevance(output, samples) };
  }

  /** Frees the seed's copy. */
  dispose(): void {
    this.seed.dispose();
  }
}

/** Options of {@link FunctionSelector}. */
export interface FunctionSelectorOptions {
  /**
   * The gradient of `fn` with respect to the output, of the output's shape (batch first). Default: TF.js's autodiff
   * of `fn`, applied to `fn` only (never to the model). Give it where `fn` uses an op whose TF.js gradient is
   * missing or wrong on your backend.
   */
  gradient?: (output: tf.Tensor) => tf.Tensor;
}

/**
 * Explains a function of the output: `fn` maps the output `[N, ...]` to one value per sample `[N]` (a regression
 * target, a detection box's score, the mean logit of a region), and the output relevance is its gradient with
 * respect to the output, `∂fn/∂output`, which seeds LRP, CRP and gradient methods alike. For a linear `fn` this is
 * {@link RelevanceSelector} with the function's coefficients. `fn` must treat samples independently (sample `n`'s
 * value reads sample `n`'s output only). `select` reports each sample's largest-magnitude gradient entry.
 *
 * @example
 * ```ts
 * // a detector's box score: the sigmoid of output 4 (the objectness logit) times the class-2 logit
 * const score = new FunctionSelector((y) => tf.mul(tf.sigmoid(y.slice([0, 4], [-1, 1])), y.slice([0, 2], [-1, 1])).reshape([-1]));
 * const expl = analyze(x, new Gradient(model), score);
 * ```
 */
export class FunctionSelector implements OutputSelector {
  /** The explained function, output `[N, ...]` → `[N]`. */
  readonly fn: (output: tf.Tensor) => tf.Tensor;
  readonly #gradient: ((output: tf.Tensor) => tf.Tensor) | undefined;

  /**
   * @param fn - output `[N, ...]` → one value per sample `[N]`
   * @param options - see {@link FunctionSelectorOptions}
   */
  constructor(fn: (output: tf.Tensor) => tf.Tensor, options: FunctionSelectorOptions = {}) {
    if (typeof fn !== 'function')
      throw new OutputSelectionError(`FunctionSelector takes a function of the output, got ${String(fn)}`);
    if (options.gradient !== undefined && typeof options.gradient !== 'function')
      throw new OutputSelectionError(
        `FunctionSelector's gradient option is a function, got ${String(options.gradient)}`,
      );
    this.fn = fn;
    this.#gradient = options.gradient;
  }

  /** {@inheritDoc OutputSelector.select} */
  select(output: tf.Tensor): number[] {
    outputsPerSample(output);
    const r = this.relevance(output);
    try {
      return largestEntries(r);
    } finally {
      r.dispose();
    }
  }

  /** {@inheritDoc OutputSelector.relevance} */
  relevance(output: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const n = output.shape[0]!;
      const value = tf.tidy(() => this.fn(output));
      if (!(value instanceof tf.Tensor) || value.shape.length !== 1 || value.shape[0] !== n)
        throw new OutputSelectionError(
          `the function of the output must return one value per sample, shape [${n}]; it returned ${value instanceof tf.Tensor ? formatShape(value.shape) : String(value)}`,
        );
      const g = this.#gradient
        ? this.#gradient(output)
        : tf.grad((y: tf.Tensor) => tf.sum(this.fn(y)))(output);
      if (g.shape.join() !== output.shape.join())
        throw new OutputSelectionError(
          `the function's gradient has shape ${formatShape(g.shape)} but the output is ${formatShape(output.shape)}`,
        );
      return g.toFloat();
    });
  }
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

  /** {@inheritDoc OutputSelector.forSamples} */
  forSamples(samples: readonly number[]): Pick<OutputSelector, 'relevance'> {
    if (this.mask.rank === 2) return { relevance: (output, selection) => this.relevance(output, selection) };
    return {
      relevance: (output, selection) =>
        tf.tidy(() => {
          const rows = this.mask.shape[0]!;
          const bad = samples.find((k) => k < 0 || k >= rows);
          if (bad !== undefined)
            throw new OutputSelectionError(`sample ${bad} is out of range of the mask's ${rows} rows`);
          const [h, w] = this.mask.shape.slice(1) as [number, number];
          const m = tf.concat(
            samples.map((k) => this.mask.slice(k, 1)),
            0,
          );
          if (
            output.rank !== 4 ||
            output.shape[0] !== samples.length ||
            output.shape[1] !== h ||
            output.shape[2] !== w
          )
            throw new OutputSelectionError(
              `the mask has shape ${formatShape(this.mask.shape)}; a batch of ${samples.length} of its samples needs an output [${samples.length}, ${h}, ${w}, classes], got ${formatShape(output.shape)}`,
            );
          const classes = output.shape[3]!;
          const hot = tf
            .oneHot(tf.tensor1d([...selection], 'int32'), classes)
            .reshape([selection.length, 1, 1, classes]);
          return tf.mul(m.reshape([samples.length, h, w, 1]), hot);
        }),
    };
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
