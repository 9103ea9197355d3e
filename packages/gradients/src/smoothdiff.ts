import * as tf from '@tensorflow/tfjs';
import {
  type AnalyzeOptions,
  type Analyzer,
  Explanation,
  type OutputSelector,
  outputRelevance,
  outputsPerSample,
} from '@xai-ts/base';
import type { Engine } from '@xai-ts/engine';
import { checkBatchSize, DEFAULT_BATCH_SIZE } from './augment.js';
import { checkCount, checkSeed, checkStd } from './checks.js';
import { AnalyzerOptionError } from './errors.js';
import { gradientEngine, modelInputShape } from './gradient.js';
import { NormalStream, randomSeed } from './random.js';

/** Options of {@link SmoothDiff}. */
export interface SmoothDiffOptions {
  /** The number of noisy forward passes whose statistics make the expected Jacobians. Default 50. */
  n?: number;
  /** The standard deviation of the Gaussian noise, in input units. Default 1 (SmoothDiff.jl's default). */
  std?: number;
  /** A seed for the noise (the same noise as SmoothGrad with the same seed). Default: a fresh seed per call. */
  seed?: number;
  /** At most this many inputs per noisy forward pass (at least one copy of the whole batch). Default 32. */
  batchSize?: number;
}

/**
 * Σ over the `count` noisy copies of a batch stacked on the batch axis: `[count·batch, …]` → `[batch, …]`. An average
 * pool over the copies' axis times `count`: TF.js reduces a leading axis by transposing it inward, which on wasm
 * costs some fifteen times as much as the pool (VGG16's first layer, 8 copies: 400 ms against 25 ms).
 */
function sumCopies(t: tf.Tensor, count: number, batch: number): tf.Tensor {
  const rest = t.shape.slice(1);
  if (count === 1) return t;
  const channels = rest.at(-1) ?? 1;
  const perCopy = (batch * t.size) / t.shape[0]!;
  const rows = t.reshape([1, count, perCopy / channels, channels]) as tf.Tensor4D;
  return tf.mul(tf.avgPool(rows, [count, 1], [count, 1], 'valid'), count).reshape([batch, ...rest]);
}

/**
 * SmoothDiff (Smoothed Differentiation; Hill et al., NeurIPS 2025, Julia-XAI's SmoothDiff.jl): the gradient of the
 * selected output through the layers' **expected** Jacobians under input noise. `n` noisy forward passes only
 * accumulate what the Jacobians of the input-dependent layers need (the derivatives of elementwise activations such
 * as ReLU, how often each input is its max-pooling window's maximum, the mean of a gate); then **one** backward pass
 * uses their means. Linear layers have the same Jacobian everywhere; layers whose Jacobian is neither
 * (LayerNormalization, softmax) are taken at the clean input. It smooths the gradient as SmoothGrad does at about the
 * cost of the `n` forward passes alone. The output is selected on the clean input. Heatmap preset: `sensitivity`.
 *
 * SmoothDiff.jl samples `n − 1` passes and takes its pullback (and the selection) at the `n`-th noisy input; here
 * all `n` passes are statistics and the rest is taken at the clean input, so the result does not depend on which
 * noise came last.
 *
 * @example
 * ```ts
 * const expl = analyze(x, new SmoothDiff(model, { n: 50, std: 0.15, seed: 1 }));
 * ```
 */
export class SmoothDiff implements Analyzer {
  /** The analyzer's name. */
  readonly name: string = 'SmoothDiff';
  /** {@inheritDoc @xai-ts/base!Analyzer.heatmap} */
  readonly heatmap = 'sensitivity' as const;
  /** The model's input shape, batch axis included. */
  readonly inputShape: readonly (number | null)[];
  /** The engine whose expected vector-Jacobian products make the map. */
  readonly engine: Engine;
  /** The number of noisy passes. */
  readonly n: number;
  /** The standard deviation of the noise. */
  readonly std: number;
  /** The seed, if any. */
  readonly seed: number | undefined;
  /** Inputs per noisy pass. */
  readonly batchSize: number;

  /**
   * @param model - a model with one input and one output
   * @param options - `n` (default 50), `std` (default 1), `seed`, `batchSize`
   * @throws {@link AnalyzerOptionError} for `n` or `batchSize` below 1, a negative `std`, a non-integer seed
   */
  constructor(model: tf.LayersModel, options: SmoothDiffOptions = {}) {
    this.inputShape = modelInputShape(model, this.name);
    this.n = checkCount(this.name, 'n', options.n ?? 50);
    this.std = checkStd(this.name, options.std ?? 1);
    this.seed = checkSeed(this.name, options.seed);
    this.batchSize = checkBatchSize(this.name, options.batchSize ?? DEFAULT_BATCH_SIZE);
    this.engine = gradientEngine(model, this.name);
  }

  /** The model's output for `input` (the engine's forward pass alone). */
  predict(input: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.engine.forward([input]).output);
  }

  /** Explains a batch; `analyze()` calls this. */
  explain(input: tf.Tensor, selector: OutputSelector, _options: AnalyzeOptions = {}): Explanation {
    const engine = this.engine;
    const batch = input.shape[0]!;
    const sampleShape = input.shape.slice(1);
    const sampleSize = input.size / batch;
    const copiesPerPass = Math.max(1, Math.floor(this.batchSize / batch));
    let selection: number[] = [];
    const { val, output } = tf.tidy(() => {
      const clean = engine.forward([input]);
      outputsPerSample(clean.output);
      selection = selector.select(clean.output);
      // Σ over the noisy passes of each layer's statistics, one row per sample
      const sums = new Map<number, tf.Tensor[]>();
      const stream = new NormalStream(this.seed ?? randomSeed());
      for (let first = 0; first < this.n; first += copiesPerPass) {
        const count = Math.min(copiesPerPass, this.n - first);
        tf.tidy(() => {
          const noise = new Float32Array(count * sampleSize);
          if (this.std > 0) stream.fill(noise, this.std);
          const noisy = tf
            .add(tf.expandDims(input, 0), tf.tensor(noise, [count, 1, ...sampleShape]))
            .reshape([count * batch, ...sampleShape]);
          engine.forward([noisy], {
            release: true,
            visit: (i, pass) => {
              const stats = engine.jacobianSample(i, pass);
              if (!stats) return;
              const summed = stats.map((t) => sumCopies(t, count, batch));
              const previous = sums.get(i);
              sums.set(
                i,
                summed.map((t, k) => tf.keep(previous ? tf.add(previous[k]!, t) : t)),
              );
              previous?.forEach((t) => {
                t.dispose();
              });
            },
          });
        });
      }
      const means = new Map([...sums].map(([i, ts]) => [i, ts.map((t) => tf.div(t, this.n))]));
      for (const ts of sums.values()) for (const t of ts) t.dispose();
      const seed = outputRelevance(selector, clean.output, selection);
      const back = engine.backward(
        clean,
        new Map([[engine.outputIndex, seed]]),
        (i, s, p) => engine.expectedVjp(i, p, means.get(i), s),
        { keepLayers: false },
      );
      return { val: back.inputs[0]!, output: clean.output };
    });
    return new Explanation({
      val,
      input,
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

/** Options of {@link SoftPlusTrick}. */
export interface SoftPlusTrickOptions {
  /** β of the backward pass's `σ(β z)`; larger is closer to ReLU's step. Default 1. */
  beta?: number;
}

const RELU_LIKE = new Set(['relu']);

/**
 * The SoftPlus trick (SmoothDiff.jl's `SoftPlusTrick`): the model runs forward as it is, ReLU included, and the
 * backward pass replaces each ReLU's derivative `1[z > 0]` by the softplus derivative `σ(β z)`, which smooths the
 * gradient. Other layers keep their exact vector-Jacobian products. Heatmap preset: `sensitivity`.
 *
 * @example
 * ```ts
 * const expl = analyze(x, new SoftPlusTrick(model, { beta: 2 }));
 * ```
 */
export class SoftPlusTrick implements Analyzer {
  /** The analyzer's name. */
  readonly name: string = 'SoftPlusTrick';
  /** {@inheritDoc @xai-ts/base!Analyzer.heatmap} */
  readonly heatmap = 'sensitivity' as const;
  /** The model's input shape, batch axis included. */
  readonly inputShape: readonly (number | null)[];
  /** The engine. */
  readonly engine: Engine;
  /** β. */
  readonly beta: number;
  readonly #relu: readonly boolean[];

  /**
   * @param model - a model with one input and one output
   * @param options - `beta` (default 1)
   * @throws {@link AnalyzerOptionError} for a `beta` that is not a finite positive number
   */
  constructor(model: tf.LayersModel, options: SoftPlusTrickOptions = {}) {
    this.inputShape = modelInputShape(model, this.name);
    const beta = options.beta ?? 1;
    if (typeof beta !== 'number' || !Number.isFinite(beta) || beta <= 0)
      throw new AnalyzerOptionError(`${this.name}: beta must be a finite number > 0, got ${String(beta)}`);
    this.beta = beta;
    this.engine = gradientEngine(model, this.name);
    // a fused relu, an Activation('relu') or a ReLU layer without a clip
    this.#relu = this.engine.nodes.map((n) => {
      const cfg = n.node.layer.getConfig();
      if (n.op?.activation) return RELU_LIKE.has(n.op.activation.name);
      if (n.node.className === 'Activation') return RELU_LIKE.has(String(cfg.activation));
      return n.node.className === 'ReLU' && (cfg.maxValue === null || cfg.maxValue === undefined);
    });
  }

  /** The model's output for `input` (the engine's forward pass alone). */
  predict(input: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.engine.forward([input]).output);
  }

  /** Explains a batch; `analyze()` calls this. */
  explain(input: tf.Tensor, selector: OutputSelector, _options: AnalyzeOptions = {}): Explanation {
    const engine = this.engine;
    let selection: number[] = [];
    const { val, output } = tf.tidy(() => {
      // the ReLU layers' pre-activations: σ(β z) needs z
      const pass = engine.forward([input], {
        keepPreactivation: (i) => this.#relu[i]! || engine.nodes[i]!.op?.activation?.readsInput === true,
      });
      outputsPerSample(pass.output);
      selection = selector.select(pass.output);
      const seed = outputRelevance(selector, pass.output, selection);
      const back = engine.backward(
        pass,
        new Map([[engine.outputIndex, seed]]),
        (i, s, p) => {
          if (!this.#relu[i]) return engine.vjp(i, p, s);
          const n = engine.nodes[i]!;
          const inputs = engine.inputsOf(i, p);
          const z = n.own ? p.preactivations[i]! : inputs[0]!;
          const ds = tf.mul(s, tf.sigmoid(tf.mul(z, this.beta)));
          return n.own ? [n.own.transpose(ds, inputs[0]!.shape)] : [ds];
        },
        { keepLayers: false },
      );
      return { val: back.inputs[0]!, output: pass.output };
    });
    return new Explanation({
      val,
      input,
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
