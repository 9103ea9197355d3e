/**
 * Gradient-based explanations on the shared {@link @xai-ts/base!Analyzer} interface (ExplainableAI.jl's methods):
 * {@link Gradient}, {@link InputTimesGradient}, {@link SmoothGrad}, {@link IntegratedGradients}, {@link GradCAM},
 * {@link SmoothDiff}, {@link SoftPlusTrick},
 * and the wrappers {@link NoiseAugmentation} and {@link InterpolationAugmentation} that work on any analyzer.
 *
 * @packageDocumentation
 */
export { AnalyzerOptionError, AugmentationError, BaselineShapeError, GradCAMLayerError } from './errors.js';
export { GradCAM, type GradCAMExtras, type GradCAMOptions } from './gradcam.js';
export { Gradient, InputTimesGradient } from './gradient.js';
export {
  type Baseline,
  IntegratedGradients,
  InterpolationAugmentation,
  type InterpolationAugmentationOptions,
} from './interpolation.js';
export { NoiseAugmentation, type NoiseAugmentationOptions, SmoothGrad } from './noise.js';
export { type Quadrature, type QuadraturePoints, quadraturePoints } from './quadrature.js';
export {
  SmoothDiff,
  type SmoothDiffOptions,
  SoftPlusTrick,
  type SoftPlusTrickOptions,
} from './smoothdiff.js';
