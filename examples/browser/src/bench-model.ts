// A CNN larger than the demo model (random weights, 128×128×3, about 1.2 GFLOP per forward pass), for timing the pool where
// the work of each sample outweighs the cost of sending it to a worker.
import * as tf from '@tensorflow/tfjs';

export const BENCH_SIZE = 128;

export function benchModel(): tf.LayersModel {
  const conv = (filters: number, inputShape?: number[]) =>
    tf.layers.conv2d({
      filters,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: tf.initializers.heNormal({ seed: filters }),
      ...(inputShape ? { inputShape } : {}),
    });
  const pool = () => tf.layers.maxPooling2d({ poolSize: 2, strides: 2 });
  return tf.sequential({
    name: 'pool_bench_cnn',
    layers: [
      conv(32, [BENCH_SIZE, BENCH_SIZE, 3]),
      conv(32),
      pool(),
      conv(64),
      conv(64),
      pool(),
      conv(128),
      conv(128),
      pool(),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
    ],
  });
}
