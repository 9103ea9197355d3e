/**
 * How good is an explanation? Faithfulness (pixel-flipping MIF/LIF curves, SRG and AOPC as PixelFlipper.jl defines
 * them, with patches and imputers), sanity (model-parameter and data randomisation, with Spearman, SSIM and top-k
 * similarity),
 * robustness (max-sensitivity), complexity (sparseness, entropy) and localization against object masks (relevance
 * mass and rank accuracy, pointing game). Every score comes per sample and as a mean.
 *
 * @packageDocumentation
 */
export { EdgeDetector } from './baselines.js';
export { entropy, sparseness } from './complexity.js';
export { MetricShapeError, MetricValueError } from './errors.js';
export {
  DEFAULT_FLIP_SETTINGS,
  EVALUATION_METRICS,
  type EvaluatedCurves,
  type EvaluateOptions,
  type Evaluation,
  type EvaluationMethod,
  type EvaluationMetric,
  evaluateMethods,
  type FlipSetting,
  type MethodEvaluation,
} from './evaluate.js';
export {
  aopc,
  type FlipCurveOptions,
  type FlipCurves,
  flipCurves,
  type Imputer,
  splitInRanges,
  srg,
} from './faithfulness.js';
export {
  type PixelFlippingOptions,
  type PixelFlippingResult,
  type Predictor,
  pixelFlipping,
} from './flipping.js';
export {
  type LocalizationScores,
  localizationMetrics,
  type PointingGameOptions,
  pointingGame,
  relevanceMassAccuracy,
  relevanceRankAccuracy,
} from './localization.js';
export type { MetricResult, RelevanceLike } from './maps.js';
export { randomRelevance } from './random.js';
export { type PixelValues, type Reduce, reducePixels } from './reduce.js';
export { type MaxSensitivityOptions, maxSensitivity } from './robustness.js';
export {
  type DataRandomisationOptions,
  dataRandomisation,
  modelRandomisation,
  type RandomisationOptions,
  type RandomisationResult,
  type RandomisationStep,
  randomiseLayers,
} from './sanity.js';
export { Seeded } from './seeded.js';
export { spearman, ssim, topKIntersection } from './similarity.js';
