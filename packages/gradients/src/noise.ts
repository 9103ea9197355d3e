import * as tf from '@tensorflow/tfjs';
import { type AnalyzeOptions, type Analyzer, Explanation, type OutputSelector } from '@xai-ts/base';
import { checkBatchSize, DEFAULT_BATCH_SIZE, explainClean, weightedSum } from './augment.js';
import { checkCount, checkSeed, checkStd } from './checks.js';
import { Gradient } from './gradient.js';
import { NormalStream, randomSeed } from './random.js';

/** Options of {@link NoiseAugmentation} and {@link SmoothGrad}. */
export interface NoiseAugmentationOptions {
  /** How many noisy copies of each sample are explained and averaged. Default 50. */
  n?: number;
  /**
   * The standard deviation of the Gaussian noise added to the input, in input units, used as given. Default 1
   * (ExplainableAI.jl's default). Smilkov et al. suggest 10–20 % of the input range, e.g. `0.15 * (max − min)`.
   */
  std?: number;
  /** A seed for the noise: the same seed gives the same explanation on every call. Default: a fresh random seed per call. */
  seed?: number;
  /** At most this many inputs per call of the wrapped analyzer (at least one copy of the whole batch). Default 32. */
  batchSize?: number;
  /** The analyzer's name in explanations. Default `NoiseAugmentation(<wrapped name>)`. */
  name?: string;
}

/**
 * Averages a wrapped analyzer's explanations of `n` noisy copies of the input (ExplainableAI.jl's
 * `NoiseAugmentation`): `val = (1/n) Σ_k E(x + ε_k)`, `ε_k ~ N(0, std²)` elementwise. Works on any analyzer, LRP
 * included (SmoothLRP). The output is selected once, on the clean input, and every copy is explained at that
 * selection. The heatmap preset is the wrapped analyzer's.
 *
 * Copy `k` gets the same noise `ε_k` for every sample of the batch, so a sample explained inside a batch gets the
 * same explanation as alone with the same seed.
 *
 * @example
 * ```ts
 * const smoothLrp = new NoiseAugmentation(new LRP(model, new EpsilonPlus()), { n: 20, std: 0.1, seed: 1 });
 * const expl = analyze(x, smoothLrp, 7);
 * ```
 */
export class NoiseAugmentation implements Analyzer {
  /** The analyzer's name. */
  readonly name: string;
  /** The wrapped analyzer's input shape. */
  readonly inputShape?: readonly (number | null)[];
  /** The wrapped analyzer's input shapes (a model with several inputs, which augmentations do not explain). */
  readonly inputShapes?: readonly (readonly (number | null)[])[];
  /** The wrapped analyzer. */
  readonly analyzer: Analyzer;
  /** The number of noisy copies. */
  readonly n: number;
  /** The standard deviation of the noise. */
  readonly std: number;
  /** The seed, if any. */
  readonly seed: number | undefined;
  /** Inputs per call of the wrapped analyzer. */
  readonly batchSize: number;

  /**
   * @param analyzer - any analyzer, for example `new Gradient(model)` or `new LRP(model)`
   * @param options - `n`, `std`, `seed`, `batchSize`, `name`
   * @throws {@link AnalyzerOptionError} for `n` or `batchSize` below 1, a negative `std`, a non-integer seed
   */
  constructor(analyzer: Analyzer, options: NoiseAugmentationOptions = {}) {
    this.name = options.name ?? `NoiseAugmentation(${analyzer.name})`;
    this.analyzer = analyzer;
    if (analyzer.inputShape !== undefined) this.inputShape = analyzer.inputShape;
    if (analyzer.inputShapes !== undefined) this.inputShapes = analyzer.inputShapes;
    this.n = checkCount(this.name, 'n', options.n ?? 50);
    this.std = checkStd(this.name, options.std ?? 1);
    this.seed = checkSeed(this.name, options.seed);
    this.batchSize = checkBatchSize(this.name, options.batchSize ?? DEFAULT_BATCH_SIZE);
  }

  /** Explains a batch; `analyze()` calls this. */
  explain(input: tf.Tensor, selector: OutputSelector, options: AnalyzeOptions = {}): Explanation {
    const clean = explainClean(this.analyzer, input, selector, options, false);
    try {
      const batch = input.shape[0]!;
      const sampleShape = input.shape.slice(1);
      const sampleSize = input.size / batch;
      const stream = new NormalStream(this.seed ?? randomSeed());
      const weights = new Array<number>(this.n).fill(1 / this.n);
      const val = weightedSum(
        this.name,
        this.analyzer,
        weights,
        batch,
        this.batchSize,
        clean.selection,
        selector,
        options,
        (_first, count) => {
          const noise = new Float32Array(count * sampleSize);
          if (this.std > 0) stream.fill(noise, this.std);
          const eps = tf.tensor(noise, [count, 1, ...sampleShape]);
          return tf.add(tf.expandDims(input, 0), eps).reshape([count * batch, ...sampleShape]);
        },
      )!;
      return new Explanation({
        val,
        input,
        output: clean.output,
        outputSelection: clean.selection,
        analyzer: this.name,
        heatmap: clean.heatmap,
      });
    } catch (error) {
      clean.output.dispose();
      throw error;
    }
  }
}

/**
 * SmoothGrad (Smilkov et al. 2017): the {@link Gradient} averaged over `n` noisy copies of the input,
 * `val = (1/n) Σ_k ∂f_c(x + ε_k)/∂x`, `ε_k ~ N(0, std²)`. Heatmap preset: `sensitivity`.
 *
 * `std` is the standard deviation of the noise, used as given (default 1). ExplainableAI.jl's
 * `SmoothGrad(model, n, std)` builds `Normal(0, std^2)` and Distributions.jl reads that second argument as the
 * standard deviation, so its noise has standard deviation `std²`; the two agree at the default `std = 1`.
 *
 * @example
 * ```ts
 * const expl = analyze(x, new SmoothGrad(model, { n: 50, std: 0.15, seed: 42 }));
 * ```
 */
export class SmoothGrad extends NoiseAugmentation {
  /**
   * @param model - a model with one input and one output
   * @param options - `n` (default 50), `std` (default 1), `seed`, `batchSize`
   */
  constructor(model: tf.LayersModel, options: Omit<NoiseAugmentationOptions, 'name'> = {}) {
    super(new Gradient(model), { ...options, name: 'SmoothGrad' });
  }

  /** Frees what its gradient's engine precomputed (flipped kernels); the model's weights stay. */
  dispose(): void {
    (this.analyzer as Gradient).dispose();
  }
}
