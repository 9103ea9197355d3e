import * as tf from '@tensorflow/tfjs';

/**
 * Builds the demo CNN, untrained (seeded initializers): the architecture that {@link loadDemoModel} loads trained.
 * Input `[batch, 32, 32, 3]` in [0, 1]; output 5 logits (no softmax), one per class of `demoDataset`. Only layers
 * every LRP rule handles: Conv2D (ReLU), MaxPooling2D, Flatten, Dense (ReLU), Dropout, Dense.
 *
 * | layer   | type         | output       |
 * | ------- | ------------ | ------------ |
 * | conv1   | Conv2D 3×3   | 32×32×16     |
 * | pool1   | MaxPooling2D | 16×16×16     |
 * | conv2   | Conv2D 3×3   | 16×16×32     |
 * | pool2   | MaxPooling2D | 8×8×32       |
 * | conv3   | Conv2D 3×3   | 8×8×32       |
 * | pool3   | MaxPooling2D | 4×4×32       |
 * | flatten | Flatten      | 512          |
 * | fc1     | Dense        | 64           |
 * | dropout | Dropout 0.3  | 64           |
 * | logits  | Dense        | 5            |
 *
 * @param seed - seed of the weight initializers and the dropout mask (default 0)
 * @returns a new, uncompiled `tf.LayersModel`
 *
 * @example
 * ```ts
 * const model = buildDemoModel();
 * model.compile({ optimizer: 'adam', loss: 'softmaxCrossEntropy' }); // then fit on demoDataset
 * ```
 */
export function buildDemoModel(seed = 0): tf.LayersModel {
  const init = (k: number) => tf.initializers.heNormal({ seed: seed * 100 + k });
  const conv = (name: string, filters: number, k: number, inputShape?: number[]) =>
    tf.layers.conv2d({
      name,
      filters,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: init(k),
      ...(inputShape ? { inputShape } : {}),
    });
  const pool = (name: string) => tf.layers.maxPooling2d({ name, poolSize: 2, strides: 2 });
  return tf.sequential({
    name: 'xai_ts_demo_cnn',
    layers: [
      conv('conv1', 16, 1, [32, 32, 3]),
      pool('pool1'),
      conv('conv2', 32, 2),
      pool('pool2'),
      conv('conv3', 32, 3),
      pool('pool3'),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ name: 'fc1', units: 64, activation: 'relu', kernelInitializer: init(4) }),
      tf.layers.dropout({ name: 'dropout', rate: 0.3, seed: seed * 100 + 5 }),
      tf.layers.dense({
        name: 'logits',
        units: 5,
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed * 100 + 6 }),
      }),
    ],
  });
}
