import * as tf from '@tensorflow/tfjs';
import { WeightsMismatchError } from '../errors.js';
import type { RawTensor } from '../formats/safetensors.js';

/**
 * Sets a VGG's weights from a Keras weights file read by `readKerasH5`. Keras applications use the same layer names
 * and the same layouts as TF.js (HWIO kernels, fc1 rows in (H, W, C) order), so every weight is copied as it is;
 * layers the model lacks (the top, for `includeTop: false`) are ignored.
 *
 * @example
 * ```ts
 * const model = await vgg16({ weights: 'keras', init: 'zeros' });
 * loadKerasWeights(model, await readKerasH5(bytes));
 * ```
 */
export function loadKerasWeights(model: tf.LayersModel, layers: Map<string, RawTensor[]>): void {
  for (const layer of model.layers) {
    const current = layer.getWeights();
    if (current.length === 0) continue;
    const stored = layers.get(layer.name);
    if (!stored)
      throw new WeightsMismatchError(
        `the Keras weights have no layer "${layer.name}"` +
          (layer.name === 'fc1' ? ': this looks like a _notop file; build with includeTop: false' : ''),
      );
    if (stored.length !== current.length)
      throw new WeightsMismatchError(
        `layer "${layer.name}" has ${current.length} weights but the file holds ${stored.length} for it`,
      );
    const tensors = stored.map((w, i) => {
      const want = current[i]!.shape;
      if (!tf.util.arraysEqual(w.shape, want))
        throw new WeightsMismatchError(
          `weight ${i} of layer "${layer.name}" has shape [${w.shape.join(',')}] in the file but the model needs [${want.join(',')}]` +
            (layer.name === 'predictions'
              ? '; for another number of classes build with includeTop: false'
              : ''),
        );
      return tf.tensor(w.data, w.shape);
    });
    layer.setWeights(tensors);
    tf.dispose(tensors);
  }
}
