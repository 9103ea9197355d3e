import * as tf from '@tensorflow/tfjs';

let seed = 1;

/** Non-trivial BatchNorm statistics and biases (the initializers give mean 0, variance 1, gamma 1, beta 0, bias 0). */
export function randomizeStats(model: tf.LayersModel): void {
  tf.tidy(() => {
    for (const layer of model.layers) {
      if (layer instanceof tf.LayersModel) {
        randomizeStats(layer);
        continue;
      }
      const values = layer.weights.map((w) => {
        const name = w.originalName;
        const u = (lo: number, hi: number) =>
          tf.randomUniform(w.shape as number[], lo, hi, 'float32', seed++);
        if (name.endsWith('moving_variance')) return u(0.2, 3);
        if (name.endsWith('gamma')) return u(-2, 2);
        if (name.endsWith('beta') || name.endsWith('moving_mean') || name.endsWith('bias')) return u(-1, 1);
        return w.read();
      });
      if (values.length > 0) layer.setWeights(values);
    }
  });
}

/** A random input for the model's first input, batch of `n`. */
export function randomInput(model: tf.LayersModel, n = 3): tf.Tensor {
  const shape = model.inputs[0]!.shape.slice(1) as number[];
  return tf.randomNormal([n, ...shape], 0, 1, 'float32', seed++);
}

/** `max |a − b| / max |b|`: the error of `a` relative to the size of `b`. */
export function relativeError(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]! / tf.max(tf.abs(b)).dataSync()[0]!);
}

/** Relative error between what two models compute on the same random input. */
export function outputError(model: tf.LayersModel, reference: tf.LayersModel, n = 3): number {
  return tf.tidy(() => {
    const x = randomInput(reference, n);
    return relativeError(model.predict(x) as tf.Tensor, reference.predict(x) as tf.Tensor);
  });
}

/** Every weight of the model, as plain arrays. */
export function snapshot(model: tf.LayersModel): number[][] {
  return model.getWeights().map((w) => Array.from(w.dataSync()));
}

export function classNames(model: tf.LayersModel): string[] {
  return model.layers.map((l) => l.getClassName());
}

export function apply(layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor {
  return layer.apply(x) as tf.SymbolicTensor;
}
