import * as tf from '@tensorflow/tfjs';
import { type Analyzer, analyze, IndexSelector, toOutputSelector } from '@xai-ts/base';
import { EdgeDetector } from './baselines.js';
import { entropy, sparseness } from './complexity.js';
import { MetricValueError } from './errors.js';
import { aopc, checkFlipOptions, type FlipCurveOptions, flipCurves, srg } from './faithfulness.js';
import { localizationMetrics } from './localization.js';
import { randomRelevance } from './random.js';
import { maxSensitivity } from './robustness.js';
import { modelRandomisation, type RandomisationStep } from './sanity.js';

/**
 * The metrics {@link evaluateMethods} can compute: `srg` and `aopc` (and the MIF/LIF curves) under each flipping
 * setting, `randomisation` (Spearman of the maps after cascading randomisation of every layer: lower passes the
 * sanity check), `sensitivity` (max-sensitivity), `sparseness`, `entropy`, and `localisation` (relevance mass and
 * rank accuracy, pointing game; needs masks).
 *
 * @example
 * ```ts
 * const metrics: EvaluationMetric[] = ['srg', 'randomisation'];
 * ```
 */
export type EvaluationMetric =
  | 'srg'
  | 'aopc'
  | 'randomisation'
  | 'sensitivity'
  | 'sparseness'
  | 'entropy'
  | 'localisation';

/**
 * Every metric, in report order.
 *
 * @example
 * ```ts
 * EVALUATION_METRICS.includes('srg'); // true
 * ```
 */
export const EVALUATION_METRICS: readonly EvaluationMetric[] = [
  'srg',
  'aopc',
  'randomisation',
  'sensitivity',
  'sparseness',
  'entropy',
  'localisation',
];

/** A method to evaluate: its name, and how to build it for a model (randomisation builds it for copies). */
export interface EvaluationMethod {
  readonly name: string;
  make(model: tf.LayersModel): Analyzer;
}

/** A pixel-flipping setting: a name (for keys such as `srg:<name>`) and the options of {@link flipCurves}. */
export interface FlipSetting {
  readonly name: string;
  readonly options: FlipCurveOptions;
  /**
   * How many seeds of a random imputer (`noise`) each map is flipped with; the curves are averaged before scoring.
   * Default 1 (deterministic imputers need no more).
   */
  readonly seeds?: number;
}

/**
 * The two settings the evaluation reports by default: PixelFlipper.jl's defaults (single pixels ranked by the 2-norm
 * of their relevance over channels, a zero imputer, 25 steps, the softmax of the explained class), and 2×2 patches
 * with the image's mean colour.
 *
 * @example
 * ```ts
 * DEFAULT_FLIP_SETTINGS.map((s) => s.name); // ['pixelflipper', 'patch2-mean']
 * ```
 */
export const DEFAULT_FLIP_SETTINGS: readonly FlipSetting[] = [
  {
    name: 'pixelflipper',
    options: { steps: 25, patch: 1, reduce: 'norm', imputer: 'zero', output: 'softmax' },
  },
  {
    name: 'patch2-mean',
    options: { steps: 25, patch: 2, reduce: 'norm', imputer: 'mean', output: 'softmax' },
  },
];

function flipsOf(metrics: readonly EvaluationMetric[]): boolean {
  return metrics.includes('srg') || metrics.includes('aopc');
}

/** Options of {@link evaluateMethods}. */
export interface EvaluateOptions {
  /** The metrics (default all; `localisation` only with masks). */
  readonly metrics?: readonly EvaluationMetric[];
  /** The pixel-flipping settings (default {@link DEFAULT_FLIP_SETTINGS}). */
  readonly settings?: readonly FlipSetting[];
  /** Object masks `[n, h, w, 1]` for `localisation`. */
  readonly masks?: tf.Tensor;
  /** The seed of everything random (random baselines, perturbations, randomised weights). Default 0. */
  readonly seed?: number;
  /** How many random attributions the baseline averages. Default 3. */
  readonly randomSeeds?: number;
  /** Samples for the costly metrics (randomisation, sensitivity): the first this many images. Default all. */
  readonly sanitySamples?: number;
  /** Perturbations of max-sensitivity. Default 5. */
  readonly sensitivityRuns?: number;
  /** The radius of max-sensitivity's perturbations, in input units. Default 0.02. */
  readonly sensitivityRadius?: number;
  /** Images per explanation call. Default 50. */
  readonly batchSize?: number;
  /** Called as the evaluation advances: work done so far, the total, and what runs next. */
  readonly onProgress?: (done: number, total: number, label: string) => void | Promise<void>;
}

/** The curves of one method under one setting (means over the batch). */
export interface EvaluatedCurves {
  readonly occlusion: number[];
  readonly mif: number[];
  readonly lif: number[];
}

/** What one method (or the random baseline) scored. */
export interface MethodEvaluation {
  /** The method's name (`random` for the baseline, `edges` for the edge-detector control). */
  readonly method: string;
  /** Each metric by name: `srg:<setting>`, `aopc:<setting>`, `randomisation`, `sensitivity`, … */
  readonly metrics: Record<string, number>;
  /** MIF/LIF curves by setting. */
  readonly curves: Record<string, EvaluatedCurves>;
  /** The randomisation steps (layer by layer), when computed. */
  readonly randomisation?: readonly RandomisationStep[];
  /** Seconds the method took to explain the batch once. */
  readonly seconds?: number;
}

/** What {@link evaluateMethods} measured. */
export interface Evaluation {
  readonly n: number;
  readonly seed: number;
  readonly settings: readonly FlipSetting[];
  readonly metrics: readonly EvaluationMetric[];
  /** One entry per method, in the order given. */
  readonly methods: readonly MethodEvaluation[];
  /** A random attribution, the baseline every method must beat. */
  readonly random: MethodEvaluation;
  /** The edge-detector control of the randomisation test, when it ran. */
  readonly edges?: MethodEvaluation;
}

/**
 * Evaluates explanation methods on one batch: faithfulness (MIF/LIF curves, SRG, AOPC under each flipping setting),
 * sanity (cascading model-parameter randomisation), robustness (max-sensitivity), complexity (sparseness, entropy)
 * and localisation against masks, with a random attribution reported beside every method (and an edge detector
 * beside the randomisation test). Every method explains each image's largest output. Deterministic for a seed.
 *
 * @example
 * ```ts
 * const result = await evaluateMethods(model, images, [
 *   { name: 'Gradient', make: (m) => new Gradient(m) },
 *   { name: 'LRP EpsilonPlusFlat', make: (m) => new LRP(m, new EpsilonPlusFlat()) },
 * ], { metrics: ['srg'], seed: 7 });
 * result.methods.map((m) => [m.method, m.metrics['srg:pixelflipper']]);
 * ```
 */
export async function evaluateMethods(
  model: tf.LayersModel,
  input: tf.Tensor,
  methods: readonly EvaluationMethod[],
  options: EvaluateOptions = {},
): Promise<Evaluation> {
  const seed = options.seed ?? 0;
  const settings = options.settings ?? DEFAULT_FLIP_SETTINGS;
  const metrics = (options.metrics ?? EVALUATION_METRICS).filter(
    (m) => m !== 'localisation' || options.masks,
  );
  for (const m of metrics)
    if (!EVALUATION_METRICS.includes(m))
      throw new MetricValueError(`unknown metric "${String(m)}"; use ${EVALUATION_METRICS.join(', ')}`);
  if (flipsOf(metrics))
    for (const setting of settings)
      try {
        if (setting.seeds !== undefined && (!Number.isInteger(setting.seeds) || setting.seeds < 1))
          throw new MetricValueError(`seeds must be an integer ≥ 1, got ${setting.seeds}`);
        checkFlipOptions(input, setting.options);
      } catch (e) {
        if (e instanceof Error) e.message = `the flipping setting "${setting.name}": ${e.message}`;
        throw e;
      }
  const n = input.shape[0]!;
  const batchSize = options.batchSize ?? 50;
  const sanityN = Math.min(n, options.sanitySamples ?? n);
  const randomSeeds = options.randomSeeds ?? 3;
  const flips = flipsOf(metrics);
  const sanityInput = sanityN === n ? input : input.slice(0, sanityN);
  const selection = tf.tidy(() => toOutputSelector(undefined).select(model.predict(input) as tf.Tensor));
  const selector = new IndexSelector(selection);

  const perMethod =
    (flips ? settings.length : 0) +
    (metrics.includes('randomisation') ? 1 : 0) +
    (metrics.includes('sensitivity') ? 1 : 0) +
    1;
  const randomSteps = 1 + (flips ? settings.length : 0);
  const total = methods.length * perMethod + randomSteps + (metrics.includes('randomisation') ? 1 : 0);
  let done = 0;
  const step = async (label: string) => {
    await options.onProgress?.(done, total, label);
    done++;
  };

  /** The scores of one relevance (a method's maps, or a random one). */
  const scoreMaps = async (name: string, relevance: tf.Tensor[], out: MethodEvaluation) => {
    if (flips)
      for (const setting of settings) {
        await step(`${name}: pixel flipping (${setting.name})`);
        const repeats = setting.seeds ?? 1;
        const runs = relevance.flatMap((r, k) =>
          Array.from({ length: repeats }, (_, j) =>
            flipCurves(model, input, r, {
              ...setting.options,
              selection: selector,
              seed: (setting.options.seed ?? seed + k) + 1000 * j,
            }),
          ),
        );
        const mean = (pick: (c: (typeof runs)[number]) => number[]) =>
          pick(runs[0]!).map((_, i) => runs.reduce((acc, r) => acc + pick(r)[i]!, 0) / runs.length);
        const mif = mean((c) => c.mif);
        const lif = mean((c) => c.lif);
        out.curves[setting.name] = { occlusion: runs[0]!.occlusion, mif, lif };
        if (metrics.includes('srg')) out.metrics[`srg:${setting.name}`] = srg(mif, lif);
        if (metrics.includes('aopc')) out.metrics[`aopc:${setting.name}`] = aopc(mif);
      }
    const first = relevance[0]!;
    if (metrics.includes('sparseness')) out.metrics.sparseness = sparseness(first).mean;
    if (metrics.includes('entropy')) out.metrics.entropy = entropy(first).mean;
    if (metrics.includes('localisation') && options.masks) {
      const scores = localizationMetrics(first, options.masks);
      out.metrics.relevanceMass = scores.relevanceMassAccuracy.mean;
      out.metrics.relevanceRank = scores.relevanceRankAccuracy.mean;
      out.metrics.pointingGame = scores.pointingGame.mean;
    }
  };

  const explainAll = (analyzer: Analyzer): tf.Tensor => {
    const parts: tf.Tensor[] = [];
    try {
      for (let start = 0; start < n; start += batchSize) {
        const count = Math.min(batchSize, n - start);
        const x = input.slice(start, count);
        try {
          const expl = analyze(x, analyzer, new IndexSelector(selection.slice(start, start + count)));
          parts.push(expl.val.clone());
          expl.dispose();
        } finally {
          x.dispose();
        }
      }
      return tf.concat(parts, 0);
    } finally {
      tf.dispose(parts);
    }
  };

  const results: MethodEvaluation[] = [];
  try {
    for (const method of methods) {
      const out: MethodEvaluation = { method: method.name, metrics: {}, curves: {} };
      await step(`${method.name}: explaining ${n} images`);
      const analyzer = method.make(model);
      let maps: tf.Tensor;
      const t0 = performance.now();
      try {
        maps = explainAll(analyzer);
        (out as { seconds?: number }).seconds = (performance.now() - t0) / 1000;
        if (metrics.includes('sensitivity')) {
          await step(`${method.name}: max-sensitivity`);
          out.metrics.sensitivity = maxSensitivity(analyzer, sanityInput, {
            n: options.sensitivityRuns ?? 5,
            radius: options.sensitivityRadius ?? 0.02,
            seed,
            selection: new IndexSelector(selection.slice(0, sanityN)),
          }).mean;
        }
      } finally {
        analyzer.dispose?.();
      }
      try {
        await scoreMaps(method.name, [maps], out);
      } finally {
        maps.dispose();
      }
      if (metrics.includes('randomisation')) {
        await step(`${method.name}: randomisation`);
        const r = modelRandomisation(model, (m) => method.make(m), sanityInput, {
          seed,
          selection: new IndexSelector(selection.slice(0, sanityN)),
        });
        (out as { randomisation?: RandomisationStep[] }).randomisation = r.steps;
        out.metrics.randomisation = r.steps.at(-1)?.spearman ?? 1;
      }
      results.push(out);
    }
    const random: MethodEvaluation = { method: 'random', metrics: {}, curves: {} };
    await step('random baseline');
    const randomMaps = Array.from({ length: randomSeeds }, (_, k) => randomRelevance(input, seed + 1000 + k));
    try {
      await scoreMaps('random', randomMaps, random);
    } finally {
      tf.dispose(randomMaps);
    }
    let edges: MethodEvaluation | undefined;
    if (metrics.includes('randomisation')) {
      await step('edge-detector control');
      const r = modelRandomisation(model, (m) => new EdgeDetector(m), sanityInput, {
        seed,
        selection: new IndexSelector(selection.slice(0, sanityN)),
      });
      edges = {
        method: 'edges',
        metrics: { randomisation: r.steps.at(-1)?.spearman ?? 1 },
        curves: {},
        randomisation: r.steps,
      };
    }
    await options.onProgress?.(total, total, 'done');
    return { n, seed, settings, metrics, methods: results, random, ...(edges ? { edges } : {}) };
  } finally {
    if (sanityInput !== input) sanityInput.dispose();
  }
}
