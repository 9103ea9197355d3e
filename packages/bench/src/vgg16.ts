import * as tf from '@tensorflow/tfjs';

/** VGG16 with random weights (Keras layer names, logits), built here so the bench needs no download. */
export function randomVgg16(): tf.LayersModel {
  const blocks = [
    [64, 2],
    [128, 2],
    [256, 3],
    [512, 3],
    [512, 3],
  ] as const;
  const layers: tf.layers.Layer[] = [];
  blocks.forEach(([filters, n], b) => {
    for (let i = 0; i < n; i++)
      layers.push(
        tf.layers.conv2d({
          filters,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
          name: `block${b + 1}_conv${i + 1}`,
          ...(b === 0 && i === 0 ? { inputShape: [224, 224, 3] } : {}),
        }),
      );
    layers.push(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `block${b + 1}_pool` }));
  });
  layers.push(tf.layers.flatten({ name: 'flatten' }));
  layers.push(tf.layers.dense({ units: 4096, activation: 'relu', name: 'fc1' }));
  layers.push(tf.layers.dense({ units: 4096, activation: 'relu', name: 'fc2' }));
  layers.push(tf.layers.dense({ units: 1000, name: 'predictions' }));
  return tf.sequential({ layers });
}
