/**
 * The shared ground of xai-ts: what an explanation is ({@link Explanation}), what a method implements
 * ({@link Analyzer}), how it is called ({@link analyze}), output and feature selectors, input checks and errors.
 *
 * @packageDocumentation
 */
export { type AnalyzeOptions, type Analyzer, analyze } from './analyzer.js';
export { checkInput } from './checks.js';
export {
  FeatureSelectionError,
  InputShapeError,
  InvalidInputError,
  OutputSelectionError,
  XaiError,
} from './errors.js';
export { Explanation, type ExplanationInit, type Extras, type HeatmapPreset } from './explanation.js';
export { type FeatureSelector, IndexedFeatures, TopNFeatures } from './features.js';
export { formatShape } from './format.js';
export {
  FunctionSelector,
  type FunctionSelectorOptions,
  IndexSelector,
  MaskSelector,
  MaxActivationSelector,
  type OutputSelection,
  type OutputSelector,
  oneHotRelevance,
  outputRelevance,
  outputsPerSample,
  RelevanceSelector,
  toOutputSelector,
} from './selectors.js';
