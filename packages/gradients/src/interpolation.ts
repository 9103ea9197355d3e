import * as tf from '@tensorflow/tfjs';
import {
  type AnalyzeOptions,
  type Analyzer,
  Explanation,
  formatShape,
  InvalidInputError,
  type OutputSelector,
} from '@xai-ts/base';
import { checkBatchSize, DEFAULT_BATCH_SIZE, explainClean, weightedSum } from './augment.js';
import { AugmentationError, BaselineShapeError } from './errors.js';
import { Gradient } from './gradient.js';
import { type Quadrature, quadraturePoints } from './quadrature.js';

/**
 * A reference input: a number (every element), a tensor of one sample's shape (shared by the batch), or a tensor
 * of the input batch's shape (one per sample). A leading batch axis of 1 is shared as well.
 */
export type Baseline = number | tf.Tensor;

/** Options of {@link InterpolationAugmentation} and {@link IntegratedGradients}. */
export interface InterpolationAugmentationOptions {
  /** The number of points on the path (evaluations of the wrapped analyzer). Default 50. */
  n?: number;
  /**
   * The reference input x̄ the path starts from. Default 0. Not owned: the caller disposes it. `analyze(x, a, sel,
   * { baseline })` overrides it for one call.
   */
  baseline?: Baseline;
  /** The quadrature rule along the path. Default `trapezoid`. */
  quadrature?: Quadrature;
  /** At most this many inputs per call of the wrapped analyzer (at least one copy of the whole batch). Default 32. */
  batchSize?: number;
  /** The analyzer's name in explanations. Default `InterpolationAugmentation(<wrapped name>)`. */
  name?: string;
}

/**
 * Integrates a wrapped analyzer along the straight path from a baseline x̄ to the input and multiplies by the
 * difference (ExplainableAI.jl's `InterpolationAugmentation`):
 * `val = (x − x̄) ⊙ Σ_k w_k E(x̄ + α_k (x − x̄)) ≈ (x − x̄) ⊙ ∫₀¹ E(x̄ + α(x − x̄)) dα`, with the points and weights of
 * the {@link Quadrature} rule. Around a {@link Gradient} this is Integrated Gradients. The output is selected once,
 * on the clean input, and every point is explained at that selection. Heatmap preset: `attribution`.
 *
 * @example
 * ```ts
 * const ig = new InterpolationAugmentation(new Gradient(model), { n: 100, baseline: blurred });
 * const expl = analyze(x, ig, 7);
 * ```
 */
export class InterpolationAugmentation implements Analyzer {
  /** The analyzer's name. */
  readonly name: string;
  /** The wrapped analyzer's input shape. */
  readonly inputShape?: readonly (number | null)[];
  /** The wrapped analyzer's input shapes (a model with several inputs, which augmentations do not explain). */
  readonly inputShapes?: readonly (readonly (number | null)[])[];
  /** The wrapped analyzer. */
  readonly analyzer: Analyzer;
  /** The number of points on the path. */
  readonly n: number;
  /** The default baseline. */
  readonly baseline: Baseline;
  /** The quadrature rule. */
  readonly quadrature: Quadrature;
  /** Inputs per call of the wrapped analyzer. */
  readonly batchSize: number;
  readonly #points: { alphas: readonly number[]; weights: readonly number[] };

  /**
   * @param analyzer - any analyzer whose maps have the input's shape, for example `new Gradient(model)`
   * @param options - `n`, `baseline`, `quadrature`, `batchSize`, `name`
   * @throws {@link AnalyzerOptionError} for `n` too small for the rule, an unknown rule, `batchSize` below 1
   */
  constructor(analyzer: Analyzer, options: InterpolationAugmentationOptions = {}) {
    this.name = options.name ?? `InterpolationAugmentation(${analyzer.name})`;
    this.analyzer = analyzer;
    if (analyzer.inputShape !== undefined) this.inputShape = analyzer.inputShape;
    if (analyzer.inputShapes !== undefined) this.inputShapes = analyzer.inputShapes;
    this.n = options.n ?? 50;
    this.quadrature = options.quadrature ?? 'trapezoid';
    this.#points = quadraturePoints(this.quadrature, this.n, this.name);
    this.baseline = options.baseline ?? 0;
    if (typeof this.baseline === 'number' && !Number.isFinite(this.baseline))
      throw new InvalidInputError(`${this.name}: the baseline must be finite, got ${this.baseline}`);
    this.batchSize = checkBatchSize(this.name, options.batchSize ?? DEFAULT_BATCH_SIZE);
  }

  /**
   * Explains a batch; `analyze()` calls this. `options.baseline` (a {@link Baseline}) overrides the baseline for
   * this call.
   */
  explain(input: tf.Tensor, selector: OutputSelector, options: AnalyzeOptions = {}): Explanation {
    const baseline = (options.baseline as Baseline | undefined) ?? this.baseline;
    const reference = referenceTensor(this.name, baseline, input);
    const { alphas, weights } = this.#points;
    // The input itself (α = 1) is explained anyway to select the outputs: its map is reused as a path point.
    const atInput = alphas.indexOf(1);
    let clean: ReturnType<typeof explainClean> | undefined;
    let sum: tf.Tensor | undefined;
    try {
      clean = explainClean(this.analyzer, input, selector, options, atInput >= 0);
      if (clean.val && clean.val.shape.join() !== input.shape.join())
        throw this.#shapeError(clean.val.shape, input.shape);
      const batch = input.shape[0]!;
      const sampleShape = input.shape.slice(1);
      const rest = alphas.map((a, k) => ({ a, w: weights[k]! })).filter((_, k) => k !== atInput);
      const delta = tf.sub(input, reference);
      try {
        sum = weightedSum(
          this.name,
          this.analyzer,
          rest.map((p) => p.w),
          batch,
          this.batchSize,
          clean.selection,
          selector,
          options,
          (first, count) => {
            const a = tf.tensor1d(rest.slice(first, first + count).map((p) => p.a));
            const steps = tf.mul(a.reshape([count, ...input.shape.map(() => 1)]), tf.expandDims(delta, 0));
            return tf.add(steps, tf.expandDims(reference, 0)).reshape([count * batch, ...sampleShape]);
          },
        );
        if (sum && sum.shape.join() !== input.shape.join()) throw this.#shapeError(sum.shape, input.shape);
        const path = sum;
        const cleanVal = clean.val;
        const val = tf.tidy(() => {
          let integral = path ?? tf.zerosLike(input);
          if (cleanVal) integral = tf.add(integral, tf.mul(cleanVal, weights[atInput]!));
          return tf.mul(delta, integral);
        });
        return new Explanation({
          val,
          input,
          output: clean.output,
          outputSelection: clean.selection,
          analyzer: this.name,
          heatmap: 'attribution',
        });
      } finally {
        delta.dispose();
      }
    } catch (error) {
      clean?.output.dispose();
      throw error;
    } finally {
      clean?.val?.dispose();
      sum?.dispose();
      reference.dispose();
    }
  }

  #shapeError(got: readonly number[], want: readonly number[]): AugmentationError {
    return new AugmentationError(
      `${this.name} multiplies the path integral of ${this.analyzer.name}'s maps by (input − baseline), but its maps have shape ${formatShape(got)} and the input ${formatShape(want)}; wrap an analyzer whose maps have the input's shape, or use NoiseAugmentation`,
    );
  }
}

/** The baseline as a tensor that broadcasts against the input: `[batch | 1, ...sample shape]`. Owned by the caller. */
function referenceTensor(owner: string, baseline: Baseline, input: tf.Tensor): tf.Tensor {
  if (typeof baseline === 'number') {
    if (!Number.isFinite(baseline))
      throw new InvalidInputError(`${owner}: the baseline must be finite, got ${baseline}`);
    return tf.fill([1, ...input.shape.slice(1)], baseline);
  }
  if (!(baseline instanceof tf.Tensor) || baseline.isDisposed)
    throw new InvalidInputError(
      `${owner}: the baseline must be a number or a live tf.Tensor, got ${baseline instanceof tf.Tensor ? 'a disposed tensor' : typeof baseline}`,
    );
  const sample = input.shape.slice(1).join();
  const shape = baseline.shape;
  if (
    shape.join() === input.shape.join() ||
    (shape.length === input.rank && shape[0] === 1 && shape.slice(1).join() === sample)
  )
    return tf.cast(baseline, 'float32');
  if (shape.join() === sample) return tf.tidy(() => tf.expandDims(tf.cast(baseline, 'float32'), 0));
  throw new BaselineShapeError(
    `${owner}: the baseline has shape ${formatShape(shape)} but the input has shape ${formatShape(input.shape)}; pass a baseline of the input's shape, of one sample's shape ${formatShape(input.shape.slice(1))}, or a number`,
  );
}

/**
 * Integrated Gradients (Sundararajan et al. 2017): `val = (x − x̄) ⊙ ∫₀¹ ∂f_c(x̄ + α(x − x̄))/∂x dα`, the
 * {@link Gradient} integrated along the straight path from the baseline x̄ (default 0) with the trapezoidal rule
 * on `n` points (default 50), both ends included. Heatmap preset: `attribution`. Completeness:
 * `Σ val ≈ f_c(x) − f_c(x̄)`, the closer the larger `n`.
 *
 * @example
 * ```ts
 * const expl = analyze(x, new IntegratedGradients(model, { n: 200 }), 7);
 * ```
 */
export class IntegratedGradients extends InterpolationAugmentation {
  /**
   * @param model - a model with one input and one output
   * @param options - `n` (default 50), `baseline` (default 0), `quadrature` (default `trapezoid`), `batchSize`
   */
  constructor(model: tf.LayersModel, options: Omit<InterpolationAugmentationOptions, 'name'> = {}) {
    super(new Gradient(model), { ...options, name: 'IntegratedGradients' });
  }

  /** Frees what its gradient's engine precomputed (flipped kernels); the model's weights stay. */
  dispose(): void {
    (this.analyzer as Gradient).dispose();
  }
}
