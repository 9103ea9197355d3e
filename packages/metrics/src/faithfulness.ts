import * as tf from '@tensorflow/tfjs';
import { Explanation, formatShape, type OutputSelection, toOutputSelector } from '@xai-ts/base';
import { MetricShapeError, MetricValueError } from './errors.js';
import type { Predictor } from './flipping.js';
import type { RelevanceLike } from './maps.js';
import { type Reduce, reducePixels } from './reduce.js';
import { Seeded } from './seeded.js';

/**
 * What an imputed pixel becomes: `zero` (PixelFlipper.jl's default `ConstantImputer(0)`), a number, `mean` (the
 * image's mean colour, per sample and channel), `blur` (the same pixel of a Gaussian-blurred copy of the image),
 * `noise` (seeded Gaussian noise with the image's per-channel mean and standard deviation), or a tensor of the input's
 * shape whose values are copied in.
 *
 * @example
 * ```ts
 * const imputer: Imputer = 'mean';
 * ```
 */
export type Imputer = 'zero' | 'mean' | 'blur' | 'noise' | number | tf.Tensor;

/** Options of {@link flipCurves}. */
export interface FlipCurveOptions {
  /** The number of imputation steps (PixelFlipper.jl's `steps`); the curves have `steps + 1` points. Default 25. */
  steps?: number;
  /** Units are `patch × patch` pixel squares (border patches are smaller); 1 (default) flips single pixels. */
  patch?: number;
  /** How a pixel's channels become one relevance value (default `norm`, PixelFlipper.jl's); a patch sums its pixels'. */
  reduce?: Reduce;
  /** What imputed pixels become (default `zero`). */
  imputer?: Imputer;
  /** The followed quantity: `softmax` (default, the probability of the explained class) or `logit`. */
  output?: 'softmax' | 'logit';
  /** Which output to follow per sample; default: the explanation's selection, else the largest output. */
  selection?: OutputSelection;
  /** The seed of the `noise` imputer. Default 0. */
  seed?: number;
  /** The standard deviation (pixels) of the `blur` imputer's Gaussian. Default 2. */
  blurSigma?: number;
  /** Images per model call. Default 256. */
  batchSize?: number;
}

/** Most-influential-first and least-influential-first curves and the scores made from them. */
export interface FlipCurves {
  /** The share of units imputed at each point, 0 … 1. */
  occlusion: number[];
  /** MIF: the followed output, averaged over the batch, as the most relevant units are imputed first. */
  mif: number[];
  /** LIF: the same, least relevant units first. */
  lif: number[];
  /** The curves of each sample. */
  perSample: { mif: number[][]; lif: number[][] };
  /**
   * The symmetric relevance gain, PixelFlipper.jl's `srg`: `Σ_k max(0, LIF_k − MIF_k) / steps` on the batch's mean
   * curves. Larger is better: the least relevant units matter little, the most relevant a lot.
   */
  srg: number;
  /** SRG of each sample's own curves. */
  srgPerSample: number[];
  /** AOPC of the MIF curve (region perturbation): `mean_k (MIF_0 − MIF_k)`; larger is better. */
  aopc: number;
  /** The output followed for each sample. */
  selection: number[];
}

/**
 * The area over a MIF curve (AOPC, region perturbation): `mean_k (mif_0 − mif_k)` over every point.
 *
 * @example
 * ```ts
 * aopc([1, 0.5, 0.2]); // (0 + 0.5 + 0.8) / 3 = 0.4333…
 * ```
 */
export function aopc(mif: readonly number[]): number {
  if (mif.length === 0) throw new MetricValueError('aopc needs a curve with at least one point');
  return mif.reduce((acc, v) => acc + (mif[0]! - v), 0) / mif.length;
}

/**
 * PixelFlipper.jl's symmetric relevance gain of two curves: `Σ_k max(0, lif_k − mif_k) / (points − 1)`.
 *
 * @example
 * ```ts
 * srg([1, 0.5, 0.2], [1, 0.9, 0.6]); // (0 + 0.4 + 0.4) / 2 = 0.4
 * ```
 */
export function srg(mif: readonly number[], lif: readonly number[]): number {
  if (mif.length !== lif.length || mif.length < 2)
    throw new MetricValueError(
      `srg needs two curves of the same length ≥ 2, got ${mif.length} and ${lif.length}`,
    );
  let sum = 0;
  for (let k = 0; k < mif.length; k++) sum += Math.max(0, lif[k]! - mif[k]!);
  return sum / (mif.length - 1);
}

/** PixelFlipper.jl's `split_in_ranges`: `steps` consecutive ranges covering `0..n−1`, bounds rounded ties up. */
export function splitInRanges(n: number, steps: number): [number, number][] {
  const bounds = Array.from({ length: steps + 1 }, (_, k) => Math.floor((n * k) / steps + 0.5));
  return Array.from({ length: steps }, (_, k) => [bounds[k]!, bounds[k + 1]!]);
}

/** The units (pixels or patches) of an `h × w` image: for each unit, its pixel indices (row-major). */
function units(h: number, w: number, patch: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < h; i += patch)
    for (let j = 0; j < w; j += patch) {
      const pixels: number[] = [];
      for (let a = i; a < Math.min(i + patch, h); a++)
        for (let b = j; b < Math.min(j + patch, w); b++) pixels.push(a * w + b);
      out.push(pixels);
    }
  return out;
}

/**
 * Checks pixel-flipping options against the images they will flip (before any work is done) and returns them with
 * their defaults.
 *
 * @throws {@link MetricShapeError} unless the input is `[n, h, w, c]`
 * @throws {@link MetricValueError} for a bad option, or more steps than the image has units
 */
export function checkFlipOptions(
  input: tf.Tensor,
  options: FlipCurveOptions,
): { steps: number; patch: number; batchSize: number; followed: 'softmax' | 'logit' } {
  const steps = options.steps ?? 25;
  const patch = options.patch ?? 1;
  const batchSize = options.batchSize ?? 256;
  const followed = options.output ?? 'softmax';
  if (!(input instanceof tf.Tensor) || input.rank !== 4)
    throw new MetricShapeError(
      `flipCurves needs the input as images [n, h, w, c], got ${input instanceof tf.Tensor ? formatShape(input.shape) : typeof input}`,
    );
  const [, h, w] = input.shape as [number, number, number, number];
  for (const [name, v] of [
    ['steps', steps],
    ['patch', patch],
    ['batchSize', batchSize],
  ] as const)
    if (!Number.isInteger(v) || v < 1)
      throw new MetricValueError(`flipCurves needs an integer ${name} ≥ 1, got ${v}`);
  if (followed !== 'softmax' && followed !== 'logit')
    throw new MetricValueError(`flipCurves follows 'softmax' or 'logit', got ${String(followed)}`);
  const count = Math.ceil(h / patch) * Math.ceil(w / patch);
  if (steps > count)
    throw new MetricValueError(
      `flipCurves: ${steps} steps need at least as many units; ${h}×${w} images in ${patch}×${patch} patches have ${count}: use fewer steps or smaller patches`,
    );
  return { steps, patch, batchSize, followed };
}

/** A Gaussian-blurred copy of NHWC images (separable, edges clamped). */
function blurred(x: Float32Array, [n, h, w, c]: readonly number[], sigma: number): Float32Array {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const kernel = Array.from({ length: 2 * r + 1 }, (_, k) => Math.exp(-((k - r) ** 2) / (2 * sigma * sigma)));
  const total = kernel.reduce((a, b) => a + b, 0);
  const kn = kernel.map((v) => v / total);
  const pass = (src: Float32Array, horizontal: boolean) => {
    const dst = new Float32Array(src.length);
    for (let s = 0; s < n!; s++)
      for (let i = 0; i < h!; i++)
        for (let j = 0; j < w!; j++)
          for (let ch = 0; ch < c!; ch++) {
            let acc = 0;
            for (let k = -r; k <= r; k++) {
              const ii = horizontal ? i : Math.min(h! - 1, Math.max(0, i + k));
              const jj = horizontal ? Math.min(w! - 1, Math.max(0, j + k)) : j;
              acc += kn[k + r]! * src[((s * h! + ii) * w! + jj) * c! + ch]!;
            }
            dst[((s * h! + i) * w! + j) * c! + ch] = acc;
          }
    return dst;
  };
  return pass(pass(x, true), false);
}

/** The value an imputed input value takes, per flat NHWC index. */
function imputerValues(
  imputer: Imputer,
  x: Float32Array,
  shape: readonly number[],
  options: FlipCurveOptions,
): (i: number) => number {
  const [n, h, w, c] = shape as [number, number, number, number];
  const image = h * w * c;
  if (imputer === 'zero') return () => 0;
  if (typeof imputer === 'number') {
    if (!Number.isFinite(imputer))
      throw new MetricValueError(`the imputer value must be finite, got ${imputer}`);
    return () => imputer;
  }
  if (imputer === 'mean' || imputer === 'noise') {
    const mean = new Float64Array(n * c);
    const sq = new Float64Array(n * c);
    for (let i = 0; i < x.length; i++) {
      const k = Math.floor(i / image) * c + (i % c);
      mean[k]! += x[i]! / (h * w);
      sq[k]! += (x[i]! * x[i]!) / (h * w);
    }
    if (imputer === 'mean') return (i) => mean[Math.floor(i / image) * c + (i % c)]!;
    const rng = new Seeded(options.seed ?? 0);
    const noise = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const k = Math.floor(i / image) * c + (i % c);
      noise[i] = mean[k]! + Math.sqrt(Math.max(0, sq[k]! - mean[k]! ** 2)) * rng.normal();
    }
    return (i) => noise[i]!;
  }
  if (imputer === 'blur') {
    const sigma = options.blurSigma ?? 2;
    if (!(sigma > 0)) throw new MetricValueError(`blurSigma must be > 0, got ${sigma}`);
    const b = blurred(x, shape, sigma);
    return (i) => b[i]!;
  }
  if (!(imputer instanceof tf.Tensor) || !tf.util.arraysEqual(imputer.shape, [...shape]))
    throw new MetricShapeError(
      `the imputer tensor has shape ${imputer instanceof tf.Tensor ? formatShape(imputer.shape) : typeof imputer} but the input ${formatShape(shape)}; give one value per input value, a number, 'zero', 'mean', 'blur' or 'noise'`,
    );
  const data = tf.tidy(() => imputer.toFloat().dataSync());
  return (i) => data[i]!;
}

/**
 * Pixel-flipping curves as PixelFlipper.jl computes them (`PixelFlipping` + `evaluate`), with patches and imputers
 * added: units (pixels, or `patch × patch` squares) are ranked by relevance (each pixel's channels reduced with
 * `reduce`, summed over the unit); the units are split into `steps` ranges (`split_in_ranges`) and imputed range by
 * range, most relevant first (MIF) or least relevant first (LIF); after each step the followed output (the softmax
 * probability of the explained class) is averaged over the batch. SRG and AOPC come from the curves. Ties in
 * relevance go in row-major pixel order (Julia's column-major order only differs for ties).
 *
 * @param model - the model, or a function from a batch to its outputs (logits, batch first)
 * @param input - images `[n, h, w, c]`
 * @param relevance - an explanation of `input`, or its relevance `[n, h, w, c]` / `[n, h, w]`
 * @throws {@link MetricShapeError} when input, relevance, imputer or output do not fit together
 * @throws {@link MetricValueError} for non-finite relevance or options out of range
 *
 * @example
 * ```ts
 * const curves = flipCurves(model, images, expl); // PixelFlipper.jl's defaults
 * const patches = flipCurves(model, images, expl, { patch: 2, imputer: 'mean' });
 * console.log(curves.srg, patches.srg);
 * ```
 */
export function flipCurves(
  model: Predictor,
  input: tf.Tensor,
  relevance: RelevanceLike,
  options: FlipCurveOptions = {},
): FlipCurves {
  const { steps, patch, batchSize, followed } = checkFlipOptions(input, options);
  const [n, h, w, c] = input.shape as [number, number, number, number];
  const unitPixels = units(h, w, patch);
  const rel = reducePixels(relevance, options.reduce ?? 'norm');
  if (rel.n !== n || rel.h !== h || rel.w !== w)
    throw new MetricShapeError(
      `the relevance is ${rel.n} maps of ${rel.h}×${rel.w} but the input ${n} images of ${h}×${w}; explain the input itself`,
    );
  const x = tf.tidy(() => input.toFloat().dataSync() as Float32Array);
  const fill = imputerValues(options.imputer ?? 'zero', x, input.shape, options);
  const predict = (batch: tf.Tensor): tf.Tensor =>
    model instanceof tf.LayersModel ? (model.predict(batch) as tf.Tensor) : model(batch);
  const selection = selectOutputs(options.selection, relevance, input, predict);

  // units of each sample, most relevant first (stable: ties keep row-major order)
  const orders = rel.maps.map((m) => {
    const score = unitPixels.map((pixels) => pixels.reduce((acc, p) => acc + m[p]!, 0));
    return Array.from(score.keys()).sort((a, b) => score[b]! - score[a]! || a - b);
  });
  const ranges = splitInRanges(unitPixels.length, steps);
  // the units imputed after step k of each curve: MIF the first ranges, LIF the last ones
  const imputed = (curve: 'mif' | 'lif', k: number): [number, number] =>
    curve === 'mif'
      ? [0, ranges[k - 1]?.[1] ?? 0]
      : [k === 0 ? unitPixels.length : ranges[steps - k]![0], unitPixels.length];

  const image = h * w * c;
  const jobs: { s: number; curve: 'mif' | 'lif'; k: number }[] = [];
  for (let s = 0; s < n; s++)
    for (const curve of ['mif', 'lif'] as const)
      for (let k = curve === 'mif' ? 0 : 1; k <= steps; k++) jobs.push({ s, curve, k });
  const values = new Map<string, number>();
  for (let start = 0; start < jobs.length; start += batchSize) {
    const chunk = jobs.slice(start, start + batchSize);
    const buffer = new Float32Array(chunk.length * image);
    chunk.forEach(({ s, curve, k }, b) => {
      const dst = buffer.subarray(b * image, (b + 1) * image);
      dst.set(x.subarray(s * image, (s + 1) * image));
      const [from, to] = imputed(curve, k);
      const order = orders[s]!;
      for (let q = from; q < to; q++)
        for (const p of unitPixels[order[q]!]!)
          for (let ch = 0; ch < c; ch++) dst[p * c + ch] = fill(s * image + p * c + ch);
    });
    const picked = tf.tidy(() => {
      const out = predict(tf.tensor4d(buffer, [chunk.length, h, w, c]));
      if (out.shape[0] !== chunk.length)
        throw new MetricShapeError(
          `the model returned shape ${formatShape(out.shape)} for a batch of ${chunk.length}; it must return one output row per image`,
        );
      const flat = out.reshape([chunk.length, -1]);
      return (followed === 'softmax' ? tf.softmax(flat) : flat).dataSync();
    });
    const per = picked.length / chunk.length;
    chunk.forEach(({ s, curve, k }, b) => {
      values.set(`${s}:${curve}:${k}`, picked[b * per + selection[s]!]!);
    });
  }
  const curveOf = (s: number, curve: 'mif' | 'lif') =>
    Array.from({ length: steps + 1 }, (_, k) => values.get(`${s}:${k === 0 ? 'mif' : curve}:${k}`)!);
  const perSample = {
    mif: Array.from({ length: n }, (_, s) => curveOf(s, 'mif')),
    lif: Array.from({ length: n }, (_, s) => curveOf(s, 'lif')),
  };
  const meanCurve = (curves: number[][]) =>
    Array.from({ length: steps + 1 }, (_, k) => curves.reduce((acc, cv) => acc + cv[k]!, 0) / n);
  const mif = meanCurve(perSample.mif);
  const lif = meanCurve(perSample.lif);
  return {
    occlusion: Array.from({ length: steps + 1 }, (_, k) => (ranges[k - 1]?.[1] ?? 0) / unitPixels.length),
    mif,
    lif,
    perSample,
    srg: srg(mif, lif),
    srgPerSample: perSample.mif.map((m, s) => srg(m, perSample.lif[s]!)),
    aopc: aopc(mif),
    selection,
  };
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
