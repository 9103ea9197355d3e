import * as tf from '@tensorflow/tfjs';
import { Explanation, formatShape, type OutputSelection, toOutputSelector } from '@xai-ts/base';
import { MetricShapeError, MetricValueError } from './errors.js';
import { checkSameImages, type MetricResult, type RelevanceLike, readRelevance, result } from './maps.js';

/** What pixel flipping perturbs and queries: a layers model, or any function from a batch to its outputs. */
export type Predictor = tf.LayersModel | ((input: tf.Tensor) => tf.Tensor);

/** Options of {@link pixelFlipping}. */
export interface PixelFlippingOptions {
  /**
   * Which output to follow for each sample (0-based): a number for all, one per sample, or an output selector.
   * Default: the explanation's `outputSelection` when `relevance` is an {@link Explanation}, else each sample's
   * largest output on the unperturbed input.
   */
  selection?: OutputSelection;
  /** The number of perturbation steps (default 20). */
  steps?: number;
  /** The share of the image's pixels flipped after the last step, in (0, 1] (default 0.5). */
  fraction?: number;
  /**
   * `morf` flips the most relevant pixels first (the usual curve, which should drop fast); `lerf` the least
   * relevant first (which should stay flat). Default `morf`.
   */
  order?: 'morf' | 'lerf';
  /**
   * What a flipped pixel becomes, on every channel: `mean` (default) the image's mean colour (per sample and
   * channel), a number, or a tensor of the input's shape (for example a blurred copy, or noise) whose values are
   * copied in. A constant such as 0 can leave an object's silhouette intact (a black square is still a square),
   * so that flipping the object barely moves the output: prefer `mean` or a blurred copy.
   */
  replacement?: 'mean' | number | tf.Tensor;
  /** How many perturbed images go through the model at once (default 64). */
  batchSize?: number;
}

/** The result of {@link pixelFlipping}: AOPC per sample (`perSample`, `mean`) and the curves it comes from. */
export interface PixelFlippingResult extends MetricResult {
  /** For each sample, the selected output after 0, 1, …, `steps` steps (the first entry is the unperturbed output). */
  curves: number[][];
  /** The share of pixels flipped at each point of a curve, from 0 to `fraction`. */
  fractions: number[];
  /** The output index followed for each sample. */
  selection: number[];
}

/**
 * Pixel flipping (Samek et al. 2017; Bach et al. 2015): flips the pixels of each input in order of relevance
 * (summed over channels; most relevant first for `morf`), in `steps` equal steps up to `fraction` of the image,
 * and follows the selected output. The score is the area over the perturbation curve,
 * `AOPC = 1/(L+1) Σ_{k=0..L} (f(x⁽⁰⁾) − f(x⁽ᵏ⁾))` with L = `steps`: the larger, the faster the output falls, the
 * better the relevance ranks the pixels that matter to the model. Ties in relevance flip in pixel order (row-major).
 *
 * @param model - the explained model, or a function from a batch to its outputs (logits, batch first)
 * @param input - the explained images `[n, h, w, c]`
 * @param relevance - an explanation of `input`, or its relevance `[n, h, w, c]` / `[n, h, w]`
 * @param options - steps, fraction, order, replacement, output selection, batch size
 * @returns AOPC per sample and mean, the curves, the flipped fractions and the followed outputs
 * @throws {@link MetricShapeError} when input, relevance, replacement or model output do not fit together
 * @throws {@link MetricValueError} for non-finite relevance or options out of range
 *
 * @example
 * ```ts
 * const expl = analyze(images, lrp);
 * const { mean: aopc, curves } = pixelFlipping(model, images, expl, { steps: 16 });
 * ```
 */
export function pixelFlipping(
  model: Predictor,
  input: tf.Tensor,
  relevance: RelevanceLike,
  options: PixelFlippingOptions = {},
): PixelFlippingResult {
  const steps = options.steps ?? 20;
  const fraction = options.fraction ?? 0.5;
  const batchSize = options.batchSize ?? 64;
  const order = options.order ?? 'morf';
  if (!Number.isInteger(steps) || steps < 1)
    throw new MetricValueError(`pixelFlipping needs an integer steps ≥ 1, got ${steps}`);
  if (!(fraction > 0 && fraction <= 1))
    throw new MetricValueError(`pixelFlipping needs a fraction in (0, 1], got ${fraction}`);
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new MetricValueError(`pixelFlipping needs an integer batchSize ≥ 1, got ${batchSize}`);
  if (order !== 'morf' && order !== 'lerf')
    throw new MetricValueError(`pixelFlipping's order is 'morf' or 'lerf', got ${String(order)}`);
  if (!(input instanceof tf.Tensor) || input.rank !== 4)
    throw new MetricShapeError(
      `pixelFlipping needs the input as images [n, h, w, c], got ${input instanceof tf.Tensor ? formatShape(input.shape) : typeof input}`,
    );

  const rel = readRelevance(relevance);
  const [n, h, w, c] = input.shape as [number, number, number, number];
  checkSameImages(rel, { n, h, w, maps: [] }, 'input');
  const x = tf.tidy(() => input.toFloat().dataSync() as Float32Array);
  const baseline = replacementValues(options.replacement ?? 'mean', input);
  const predict = (batch: tf.Tensor): tf.Tensor =>
    model instanceof tf.LayersModel ? (model.predict(batch) as tf.Tensor) : model(batch);

  const selection = selectOutputs(options.selection, relevance, input, predict);
  const pixels = h * w;
  const counts = Array.from({ length: steps + 1 }, (_, k) => Math.round((k / steps) * fraction * pixels));
  const orders = rel.maps.map((r) => rankPixels(r, order));

  // Image j of the flat list is sample floor(j / (steps + 1)) after j mod (steps + 1) steps.
  const total = n * (steps + 1);
  const values = new Float64Array(total);
  const image = h * w * c;
  for (let start = 0; start < total; start += batchSize) {
    const size = Math.min(batchSize, total - start);
    const buffer = new Float32Array(size * image);
    for (let b = 0; b < size; b++) {
      const j = start + b;
      const s = Math.floor(j / (steps + 1));
      const k = j % (steps + 1);
      const dst = buffer.subarray(b * image, (b + 1) * image);
      dst.set(x.subarray(s * image, (s + 1) * image));
      const ord = orders[s]!;
      for (let q = 0; q < counts[k]!; q++) {
        const p = ord[q]!;
        for (let ch = 0; ch < c; ch++) dst[p * c + ch] = baseline(s * image + p * c + ch);
      }
    }
    const picked = tf.tidy(() => {
      const out = predict(tf.tensor4d(buffer, [size, h, w, c]));
      if (out.shape[0] !== size)
        throw new MetricShapeError(
          `the model returned shape ${formatShape(out.shape)} for a batch of ${size}; it must return one output row per image`,
        );
      return out.reshape([size, -1]).dataSync();
    });
    const perSample = picked.length / size;
    for (let b = 0; b < size; b++) {
      const s = Math.floor((start + b) / (steps + 1));
      values[start + b] = picked[b * perSample + selection[s]!]!;
    }
  }

  const curves = Array.from({ length: n }, (_, s) =>
    Array.from(values.subarray(s * (steps + 1), (s + 1) * (steps + 1))),
  );
  const aopc = curves.map((curve) => curve.reduce((acc, v) => acc + (curve[0]! - v), 0) / (steps + 1));
  return { ...result(aopc), curves, fractions: counts.map((k) => k / pixels), selection };
}

/** Pixel indices sorted by relevance (descending for morf, ascending for lerf), ties in index order. */
function rankPixels(r: Float32Array, order: 'morf' | 'lerf'): Uint32Array {
  const idx = Uint32Array.from(r.keys());
  const sign = order === 'morf' ? -1 : 1;
  return idx.sort((a, b) => sign * (r[a]! - r[b]!) || a - b);
}

function replacementValues(
  replacement: 'mean' | number | tf.Tensor,
  input: tf.Tensor,
): (i: number) => number {
  if (replacement === 'mean') {
    const [, h, w, c] = input.shape as [number, number, number, number];
    const means = tf.tidy(() => input.toFloat().mean([1, 2]).dataSync());
    // Value i of the input belongs to sample floor(i / (h w c)) and channel i mod c.
    return (i) => means[Math.floor(i / (h * w * c)) * c + (i % c)]!;
  }
  if (typeof replacement === 'number') {
    if (!Number.isFinite(replacement))
      throw new MetricValueError(`pixelFlipping's replacement must be finite, got ${replacement}`);
    return () => replacement;
  }
  if (!(replacement instanceof tf.Tensor) || !tf.util.arraysEqual(replacement.shape, input.shape))
    throw new MetricShapeError(
      `pixelFlipping's replacement tensor has shape ${replacement instanceof tf.Tensor ? formatShape(replacement.shape) : typeof replacement} but the input ${formatShape(input.shape)}; give one value per input value, a number, or 'mean'`,
    );
  const data = tf.tidy(() => replacement.toFloat().dataSync());
  return (i) => data[i]!;
}

function selectOutputs(
  selection: OutputSelection,
  relevance: RelevanceLike,
  input: tf.Tensor,
  predict: (batch: tf.Tensor) => tf.Tensor,
): number[] {
  if (selection === undefined && relevance instanceof Explanation) {
    const picks = [...relevance.outputSelection];
    if (picks.length !== input.shape[0])
      throw new MetricShapeError(
        `the explanation explains ${picks.length} samples but the input has ${input.shape[0]}; pass the explained input`,
      );
    return picks;
  }
  const output = tf.tidy(() => predict(input));
  try {
    return toOutputSelector(selection).select(output);
  } finally {
    output.dispose();
  }
}
