import * as tf from '@tensorflow/tfjs';
import { type Analyzer, analyze, IndexSelector, type OutputSelection, toOutputSelector } from '@xai-ts/base';
import { flattenModel } from '@xai-ts/canonize';
import { MetricValueError } from './errors.js';
import { type PixelValues, type Reduce, reducePixels } from './reduce.js';
import { Seeded } from './seeded.js';
import { spearman, ssim, topKIntersection } from './similarity.js';

/** Options of {@link modelRandomisation}. */
export interface RandomisationOptions {
  /**
   * `cascading` (default): the layers are randomised one more at a time, from the output down; `independent`: one
   * layer at a time, the others trained.
   */
  mode?: 'cascading' | 'independent';
  /** The layers to randomise, in order (names); default every layer with weights, from the output down. */
  layers?: readonly string[];
  /** The seed of the random weights. Default 0. */
  seed?: number;
  /** The explained outputs; default each sample's largest output on the trained model (kept for every step). */
  selection?: OutputSelection;
  /** How a pixel's channels become one value before the maps are compared (default `norm`). */
  reduce?: Reduce;
  /** The share of pixels the top-k intersection counts (default 0.1). */
  topK?: number;
}

/** The similarity of the maps after one randomisation step to the trained model's maps, averaged over the batch. */
export interface RandomisationStep {
  /** The layer randomised at this step (in cascading mode, with every layer before it). */
  readonly layer: string;
  /** Spearman rank correlation with the trained model's maps (1: the same ranking). */
  readonly spearman: number;
  /** SSIM with the trained model's maps. */
  readonly ssim: number;
  /** Shared top pixels with the trained model's maps. */
  readonly topK: number;
  /** Spearman of each sample. */
  readonly spearmanPerSample: number[];
}

/** What {@link modelRandomisation} measured. */
export interface RandomisationResult {
  readonly mode: 'cascading' | 'independent';
  readonly steps: RandomisationStep[];
}

/**
 * A copy of `model` (nothing shared) whose named layers have new weights, drawn from a normal distribution with each
 * weight tensor's own standard deviation (and mean 0): the model-parameter randomisation of Adebayo et al. (2018).
 *
 * @throws {@link MetricValueError} for a name the model has no layer with weights for
 *
 * @example
 * ```ts
 * const noisy = randomiseLayers(model, ['dense_2'], 1);
 * ```
 */
export function randomiseLayers(model: tf.LayersModel, names: readonly string[], seed = 0): tf.LayersModel {
  const copy = flattenModel(model);
  names.forEach((name, k) => {
    const layer = copy.layers.find((l) => l.name === name);
    if (!layer || layer.weights.length === 0) {
      copy.dispose();
      throw new MetricValueError(
        `the model has no layer with weights named "${name}"; its layers with weights are ${copy.layers
          .filter((l) => l.weights.length > 0)
          .map((l) => l.name)
          .join(', ')}`,
      );
    }
    const rng = new Seeded(seed * 7919 + k);
    const values = layer.getWeights().map((w) => {
      const data = w.dataSync();
      let m = 0;
      for (let i = 0; i < data.length; i++) m += data[i]! / data.length;
      let v = 0;
      for (let i = 0; i < data.length; i++) v += (data[i]! - m) ** 2 / data.length;
      const std = Math.sqrt(v);
      return tf.tensor(
        Float32Array.from({ length: data.length }, () => std * rng.normal()),
        w.shape,
      );
    });
    layer.setWeights(values);
    tf.dispose(values);
  });
  return copy;
}

/** The similarity of two sets of maps of the same images, mean over the batch, and each sample's Spearman. */
function compareMaps(
  original: PixelValues,
  other: PixelValues,
  topK: number,
): Omit<RandomisationStep, 'layer'> {
  const { h, w } = other;
  const per = other.maps.map((m, s) => ({
    spearman: spearman(original.maps[s]!, m),
    ssim: ssim(original.maps[s]!, m, h, w),
    topK: topKIntersection(original.maps[s]!, m, topK),
  }));
  const mean = (key: 'spearman' | 'ssim' | 'topK') => per.reduce((acc, p) => acc + p[key], 0) / per.length;
  return {
    spearman: mean('spearman'),
    ssim: mean('ssim'),
    topK: mean('topK'),
    spearmanPerSample: per.map((p) => p.spearman),
  };
}

/** The maps of `analyzer` for `input` and a fixed selection, one value per pixel. */
function pixelMaps(analyzer: Analyzer, input: tf.Tensor, selection: number[], reduce: Reduce): PixelValues {
  try {
    const expl = analyze(input, analyzer, new IndexSelector(selection));
    try {
      return reducePixels(expl, reduce);
    } finally {
      expl.dispose();
    }
  } finally {
    analyzer.dispose?.();
  }
}

/** Options of {@link dataRandomisation}. */
export interface DataRandomisationOptions {
  /** The explained outputs; default each sample's largest output on the trained model (kept for the other model). */
  selection?: OutputSelection;
  /** How a pixel's channels become one value before the maps are compared (default `norm`). */
  reduce?: Reduce;
  /** The share of pixels the top-k intersection counts (default 0.1). */
  topK?: number;
}

/**
 * The data randomisation test (Adebayo et al. 2018): the same architecture trained on randomly permuted labels has
 * learned nothing about the images, so a method that explains the model gives it maps unlike the properly trained
 * model's (low Spearman), while one that shows the input (an edge detector) gives it the same. The user brings the
 * model trained on shuffled labels; training it is not this library's business.
 *
 * @param model - the model trained on the true labels
 * @param shuffled - the same architecture trained on permuted labels (the same outputs)
 * @param makeAnalyzer - builds the method for a model (disposed after when it can be)
 * @param input - the explained images `[n, h, w, c]`
 * @throws {@link MetricValueError} when the two models' outputs differ in shape
 *
 * @example
 * ```ts
 * const shuffled = await tf.loadLayersModel('file://shuffled-labels/model.json');
 * const r = dataRandomisation(model, shuffled, (m) => new LRP(m, new EpsilonPlusFlat()), images);
 * r.spearman; // near 0 for a method that passes
 * ```
 */
export function dataRandomisation(
  model: tf.LayersModel,
  shuffled: tf.LayersModel,
  makeAnalyzer: (model: tf.LayersModel) => Analyzer,
  input: tf.Tensor,
  options: DataRandomisationOptions = {},
): Omit<RandomisationStep, 'layer'> {
  const outA = model.outputs[0]?.shape;
  const outB = shuffled.outputs[0]?.shape;
  if (JSON.stringify(outA) !== JSON.stringify(outB))
    throw new MetricValueError(
      `the model trained on shuffled labels must have the trained model's outputs: ${JSON.stringify(outB)} is not ${JSON.stringify(outA)}`,
    );
  const reduce = options.reduce ?? 'norm';
  const selection = tf.tidy(() =>
    toOutputSelector(options.selection).select(model.predict(input) as tf.Tensor),
  );
  const original = pixelMaps(makeAnalyzer(model), input, selection, reduce);
  return compareMaps(
    original,
    pixelMaps(makeAnalyzer(shuffled), input, selection, reduce),
    options.topK ?? 0.1,
  );
}

/**
 * The model-parameter randomisation test (Adebayo et al. 2018, "Sanity checks for saliency maps"): the layers are
 * randomised from the output down (cascading) or one at a time (independent), each randomised model is explained by
 * the same method for the same outputs, and its maps are compared with the trained model's. A method whose maps
 * depend on what the model learned changes (Spearman falls); one that only shows the input (an edge detector) does
 * not.
 *
 * @param model - the trained model
 * @param makeAnalyzer - builds the method for a model (called once per step; disposed after when it can be)
 * @param input - the explained images `[n, h, w, c]`
 *
 * @example
 * ```ts
 * const { steps } = modelRandomisation(model, (m) => new Gradient(m), images, { seed: 1 });
 * for (const s of steps) console.log(s.layer, s.spearman);
 * ```
 */
export function modelRandomisation(
  model: tf.LayersModel,
  makeAnalyzer: (model: tf.LayersModel) => Analyzer,
  input: tf.Tensor,
  options: RandomisationOptions = {},
): RandomisationResult {
  const mode = options.mode ?? 'cascading';
  if (mode !== 'cascading' && mode !== 'independent')
    throw new MetricValueError(`the randomisation mode is 'cascading' or 'independent', got ${String(mode)}`);
  const layers =
    options.layers ??
    model.layers
      .filter((l) => l.weights.length > 0)
      .map((l) => l.name)
      .reverse();
  const reduce = options.reduce ?? 'norm';
  const selection = tf.tidy(() =>
    toOutputSelector(options.selection).select(model.predict(input) as tf.Tensor),
  );
  const mapsOf = (m: tf.LayersModel) => pixelMaps(makeAnalyzer(m), input, selection, reduce);
  const original = mapsOf(model);
  const steps = layers.map((layer, k) => {
    const randomised = randomiseLayers(
      model,
      mode === 'cascading' ? layers.slice(0, k + 1) : [layer],
      options.seed ?? 0,
    );
    try {
      return { layer, ...compareMaps(original, mapsOf(randomised), options.topK ?? 0.1) };
    } finally {
      randomised.dispose();
    }
  });
  return { mode, steps };
}
