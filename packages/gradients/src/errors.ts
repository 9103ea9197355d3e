import { InputShapeError, XaiError } from '@xai-ts/base';

/**
 * An analyzer option that cannot work: a sample count `n` that is not a positive integer, a negative or non-finite
 * noise `std`, a `batchSize` below 1, an unknown quadrature.
 *
 * @example
 * ```ts
 * new SmoothGrad(model, { std: -0.1 }); // AnalyzerOptionError: SmoothGrad: std must be a finite number ≥ 0, got -0.1 ...
 * ```
 */
export class AnalyzerOptionError extends XaiError {
  override name = 'AnalyzerOptionError';
}

/**
 * A baseline (reference input) of Integrated Gradients or an interpolation augmentation whose shape fits neither
 * the input batch nor one sample of it.
 *
 * @example
 * ```ts
 * analyze(x, new IntegratedGradients(model, { baseline: tf.zeros([8, 8, 3]) })); // x is [2,16,16,3]
 * // BaselineShapeError: the baseline has shape [8,8,3] but the input has shape [2,16,16,3] ...
 * ```
 */
export class BaselineShapeError extends InputShapeError {
  override name = 'BaselineShapeError';
}

/**
 * A Grad-CAM feature layer that cannot be used: an unknown name, an index out of range, or a layer whose output has
 * no spatial axes (Grad-CAM needs `[batch, height, width, channels]` feature maps).
 *
 * @example
 * ```ts
 * new GradCAM(model, { layer: 'conv9' }); // GradCAMLayerError: model "cnn" has no layer "conv9"; its layers are ...
 * ```
 */
export class GradCAMLayerError extends XaiError {
  override name = 'GradCAMLayerError';
}

/**
 * A wrapped analyzer whose explanations an augmentation cannot combine: one that returns a different number of
 * maps than it got inputs (such as CRP with several features), or, for {@link InterpolationAugmentation}, maps
 * that do not have the input's shape and so cannot be multiplied by `input − baseline`.
 *
 * @example
 * ```ts
 * analyze(x, new InterpolationAugmentation(new GradCAM(model, { layer: 'conv2' })));
 * // AugmentationError: InterpolationAugmentation(GradCAM) multiplies the mean map by (input − baseline) ...
 * ```
 */
export class AugmentationError extends XaiError {
  override name = 'AugmentationError';
}
