import * as tf from '@tensorflow/tfjs';
import { type AnalyzeOptions, type Analyzer, Explanation, type OutputSelector } from '@xai-ts/base';
import type { Predictor } from './flipping.js';

/**
 * An edge detector as an explanation (Adebayo et al.'s control): the Sobel gradient magnitude of each image's
 * channel mean, `[n, h, w, 1]`. It knows nothing of the model beyond its output (for the selection), so the
 * model-randomisation test must leave it unchanged.
 *
 * @example
 * ```ts
 * modelRandomisation(model, (m) => new EdgeDetector(m), images); // Spearman stays 1
 * ```
 */
export class EdgeDetector implements Analyzer {
  /** The analyzer's name. */
  readonly name = 'EdgeDetector';
  /** {@inheritDoc @xai-ts/base!Analyzer.heatmap} */
  readonly heatmap = 'sensitivity' as const;
  readonly #model: Predictor;

  /** @param model - the model whose output the explanation reports (its maps do not depend on it) */
  constructor(model: Predictor) {
    this.#model = model;
  }

  /** The model's output for `input`. */
  predict(input: tf.Tensor): tf.Tensor {
    return this.#model instanceof tf.LayersModel
      ? (this.#model.predict(input) as tf.Tensor)
      : this.#model(input);
  }

  /** {@inheritDoc @xai-ts/base!Analyzer.explain} */
  explain(input: tf.Tensor, selector: OutputSelector, _options: AnalyzeOptions = {}): Explanation {
    const output = this.predict(input);
    let selection: number[];
    try {
      selection = selector.select(output);
    } catch (e) {
      output.dispose();
      throw e;
    }
    const val = tf.tidy(() => {
      const gray = tf.mean(input as tf.Tensor4D, 3, true) as tf.Tensor4D;
      const gx = tf.tensor4d([-1, 0, 1, -2, 0, 2, -1, 0, 1], [3, 3, 1, 1]);
      const gy = tf.tensor4d([-1, -2, -1, 0, 0, 0, 1, 2, 1], [3, 3, 1, 1]);
      const dx = tf.conv2d(gray, gx, 1, 'same');
      const dy = tf.conv2d(gray, gy, 1, 'same');
      return tf.sqrt(tf.add(tf.square(dx), tf.square(dy)));
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
}
