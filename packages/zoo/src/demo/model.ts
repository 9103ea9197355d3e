import * as tf from '@tensorflow/tfjs';
import { base64ToArrayBuffer } from '../base64.js';
import { DEMO_MODEL } from './weights.generated.js';

/**
 * Loads the shipped demo CNN with its trained weights, embedded in the package: no network, no file system, the
 * same in Node and the browser. Trained on `demoDataset` (32×32 RGB shapes, 5 classes) by
 * `packages/zoo/scripts/train-demo.mjs`; above 95 % accuracy on held-out data. Outputs logits.
 *
 * @returns a new `tf.LayersModel`; dispose it when done
 *
 * @example
 * ```ts
 * const model = await loadDemoModel();
 * const { images, labels } = demoDataset({ n: 8, seed: 7 });
 * const predicted = (model.predict(images) as tf.Tensor).argMax(-1).dataSync(); // ≈ labels
 * ```
 */
export async function loadDemoModel(): Promise<tf.LayersModel> {
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: DEMO_MODEL.modelTopology,
      weightSpecs: DEMO_MODEL.weightSpecs,
      weightData: base64ToArrayBuffer(DEMO_MODEL.weightsBase64),
    }),
  );
}
