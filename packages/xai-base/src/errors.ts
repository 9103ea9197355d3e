/**
 * The base class of every error xai-ts throws on purpose. Catch it to tell xai-ts' own diagnostics from bugs.
 *
 * @example
 * ```ts
 * try { analyze(x, lrp); } catch (e) { if (e instanceof XaiError) console.error(e.message); }
 * ```
 */
export class XaiError extends Error {
  // Every subclass names itself in a field like this one: bundlers that minify rename classes, so the constructor's
  // `new.target.name` is only the fallback for subclasses written elsewhere.
  override name = 'XaiError';
  /** @param message - what was wrong, where, and what to do about it */
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * An input tensor whose rank or shape does not fit the model (for example a missing batch axis).
 *
 * @example
 * ```ts
 * analyze(tf.zeros([16, 16, 3]), lrp); // InputShapeError: ... add the batch axis with x.expandDims(0)
 * ```
 */
export class InputShapeError extends XaiError {
  override name = 'InputShapeError';
}

/**
 * An input tensor that holds values no analyzer can explain: NaN, ±Infinity, or a non-float dtype.
 *
 * @example
 * ```ts
 * analyze(tf.tensor2d([[NaN, 1]]), lrp); // InvalidInputError: input holds NaN at [0, 0] ...
 * ```
 */
export class InvalidInputError extends XaiError {
  override name = 'InvalidInputError';
}

/**
 * An output selection that does not fit the model's output: an index out of range, or an array of indices whose
 * length is not the batch size.
 *
 * @example
 * ```ts
 * analyze(x, lrp, 1000); // OutputSelectionError: class index 1000 is out of range: the model has 10 outputs ...
 * ```
 */
export class OutputSelectionError extends XaiError {
  override name = 'OutputSelectionError';
}

/**
 * A feature selection (used by CRP) that does not fit the layer's relevance: n ≤ 0, n larger than the number of
 * features, or a feature id out of range.
 *
 * @example
 * ```ts
 * new TopNFeatures(0); // FeatureSelectionError: TopNFeatures needs n ≥ 1, got 0
 * ```
 */
export class FeatureSelectionError extends XaiError {
  override name = 'FeatureSelectionError';
}
