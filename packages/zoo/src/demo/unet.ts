import * as tf from '@tensorflow/tfjs';
import { uNet } from '../applications/unet.js';
import { base64ToArrayBuffer } from '../base64.js';
import type { DemoDataset } from './dataset.js';
import { DEMO_CLASS_NAMES } from './shapes.js';
import { DEMO_UNET } from './unet-weights.generated.js';

/**
 * The classes of the demo U-Net's per-pixel output, in channel order: `'background'` (0), then the shape classes of
 * `demoDataset` shifted by one (`DEMO_CLASS_NAMES[label]` is class `label + 1`).
 *
 * @example
 * ```ts
 * DEMO_SEGMENTATION_CLASSES; // ['background', 'circle', 'square', 'triangle', 'cross', 'ring']
 * ```
 */
export const DEMO_SEGMENTATION_CLASSES: readonly string[] = Object.freeze([
  'background',
  ...DEMO_CLASS_NAMES,
]);

/**
 * The per-pixel target of the demo U-Net for a sample of `demoDataset`: 0 on the background, `label + 1` on the
 * object's pixels (an index into {@link DEMO_SEGMENTATION_CLASSES}).
 *
 * @param dataset - `labels` and `masks` of a `demoDataset`
 * @returns an int32 `[n, size, size]` class map; the caller owns it
 *
 * @example
 * ```ts
 * const data = demoDataset({ n: 4, seed: 1 });
 * const target = demoSegmentationMaps(data); // [4, 32, 32]: 0 and data.labels[i] + 1
 * ```
 */
export function demoSegmentationMaps(dataset: Pick<DemoDataset, 'labels' | 'masks'>): tf.Tensor3D {
  return tf.tidy(() => {
    const classOf = tf.tensor1d(dataset.labels.map((l) => l + 1)).reshape([-1, 1, 1]);
    return dataset.masks.squeeze([3]).mul(classOf).round().toInt() as tf.Tensor3D;
  });
}

/**
 * Builds the demo U-Net, untrained (seeded initialisers): the architecture that {@link loadDemoUNet} loads trained.
 * `uNet({ inputShape: [32, 32, 3], classes: 6, depth: 2, filters: 8, upsampling: 'transpose', seed })`, named
 * `xai_ts_demo_unet`: two encoder levels (8 and 16 channels, each two 3×3 convolutions and a 2×2 max pool), a
 * 32-channel bottleneck at 8×8, two decoder levels (2×2 stride-2 Conv2DTranspose, concatenation with the encoder's
 * map, two 3×3 convolutions) and a 1×1 convolution to 6 logits per pixel, no softmax. Input `[batch, 32, 32, 3]` in
 * [0, 1], output `[batch, 32, 32, 6]` over {@link DEMO_SEGMENTATION_CLASSES}.
 *
 * @param seed - seed of the weight initialisers (default 0)
 * @returns a new, uncompiled functional `tf.LayersModel`; dispose it when done
 *
 * @example
 * ```ts
 * const model = buildDemoUNet();
 * model.compile({ optimizer: 'adam', loss: 'softmaxCrossEntropy' }); // then fit on demoSegmentationMaps
 * ```
 */
export function buildDemoUNet(seed = 0): tf.LayersModel {
  const net = uNet({
    inputShape: [32, 32, 3],
    classes: DEMO_SEGMENTATION_CLASSES.length,
    depth: 2,
    filters: 8,
    upsampling: 'transpose',
    seed,
  });
  return tf.model({ inputs: net.inputs, outputs: net.outputs, name: 'xai_ts_demo_unet' });
}

/**
 * Loads the shipped demo U-Net with its trained weights, embedded in the package: no network, no file system, the
 * same in Node and the browser. {@link buildDemoUNet}'s architecture, trained on `demoDataset` with per-pixel targets
 * {@link demoSegmentationMaps} by `packages/zoo/scripts/train-demo-unet.mjs`. Outputs per-pixel logits
 * `[batch, 32, 32, 6]` over {@link DEMO_SEGMENTATION_CLASSES}; explain a region of it with `MaskSelector`.
 *
 * @returns a new `tf.LayersModel`; dispose it when done
 *
 * @example
 * ```ts
 * const model = await loadDemoUNet();
 * const { images } = demoDataset({ n: 4, seed: 7 });
 * const segmentation = (model.predict(images) as tf.Tensor4D).argMax(-1); // [4, 32, 32]: 0 background, 1 circle …
 * ```
 */
export async function loadDemoUNet(): Promise<tf.LayersModel> {
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: DEMO_UNET.modelTopology,
      weightSpecs: DEMO_UNET.weightSpecs,
      weightData: base64ToArrayBuffer(DEMO_UNET.weightsBase64),
    }),
  );
}
