import * as tf from '@tensorflow/tfjs';
import { ZooError } from '../errors.js';

/**
 * Options of {@link Normalization}.
 *
 * @example
 * ```ts
 * const args: NormalizationArgs = { name: 'normalization', mean: [0.5, 0.5, 0.5], variance: [0.25, 0.25, 0.25] };
 * ```
 */
export interface NormalizationArgs {
  /** The layer's name. */
  name?: string;
  /** The initial mean per channel (default zeros). */
  mean?: number[];
  /** The initial variance per channel (default ones). */
  variance?: number[];
}

/**
 * Keras's `Normalization` preprocessing layer, which TF.js 4.22 lacks: `y = (x − mean) / max(√variance, 1e-7)`
 * over the last axis, with Keras's three non-trainable weights in Keras's order, `mean` and `variance` (one per
 * channel) and the scalar `count` of the samples they were adapted on (unused here; int64 in Keras, float32 here),
 * so that a Keras weights file fits it by name and the parameter count equals Keras's (2·channels + 1). Registered
 * with TF.js's serialization under the class name `Normalization`, so a saved model loads back; the engine reads it
 * as a parameter-free preprocessing function.
 *
 * @example
 * ```ts
 * const norm = new Normalization({ name: 'normalization', mean: [0.485, 0.456, 0.406], variance: [0.229, 0.224, 0.225] });
 * const y = norm.apply(tf.input({ shape: [32, 32, 3] }));
 * ```
 */
export class Normalization extends tf.layers.Layer {
  /** The class name Keras and the engine know the layer by. */
  static readonly className = 'Normalization';
  private readonly initialMean: number[] | undefined;
  private readonly initialVariance: number[] | undefined;
  private mean: tf.LayerVariable | undefined;
  private variance: tf.LayerVariable | undefined;

  /** @param args - name and the initial statistics */
  constructor(args: NormalizationArgs = {}) {
    super(args.name ? { name: args.name } : {});
    this.initialMean = args.mean;
    this.initialVariance = args.variance;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const channels = shape[shape.length - 1];
    if (typeof channels !== 'number')
      throw new ZooError(
        `Normalization "${this.name}" needs a known channel count, got shape [${shape.join(',')}]`,
      );
    const initial = (values: number[] | undefined, what: string) => {
      if (values !== undefined && values.length !== channels)
        throw new ZooError(
          `Normalization "${this.name}": ${values.length} ${what} values for ${channels} channels; give one per channel`,
        );
      return values;
    };
    const [mean, variance] = [initial(this.initialMean, 'mean'), initial(this.initialVariance, 'variance')];
    this.mean = this.addWeight('mean', [channels], 'float32', tf.initializers.zeros(), undefined, false);
    this.variance = this.addWeight(
      'variance',
      [channels],
      'float32',
      tf.initializers.ones(),
      undefined,
      false,
    );
    this.addWeight('count', [], 'float32', tf.initializers.zeros(), undefined, false);
    if (mean) tf.tidy(() => void this.mean!.write(tf.tensor1d(mean)));
    if (variance) tf.tidy(() => void this.variance!.write(tf.tensor1d(variance)));
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const std = tf.maximum(tf.sqrt(this.variance!.read()), 1e-7);
      return tf.div(tf.sub(x, this.mean!.read()), std);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), axis: -1 };
  }
}
tf.serialization.registerClass(Normalization);
