/**
 * How good is an explanation? Localization metrics that score relevance against ground-truth object masks
 * (relevance mass accuracy, relevance rank accuracy, pointing game) and pixel flipping (AOPC), which asks the model
 * itself. Relevance is summed over channels first; every score comes per sample and as a mean.
 *
 * @packageDocumentation
 */
export { MetricShapeError, MetricValueError } from './errors.js';
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
