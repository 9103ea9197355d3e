// Small VGG-shaped weights in the exact layouts of the real files: timm safetensors and keras-applications HDF5.
import type * as tf from '@tensorflow/tfjs';
import { createRng } from '../src/demo/prng.js';
import { type RawTensor, writeSafetensors } from '../src/formats/safetensors.js';

/** Narrow widths and a 64×64 input keep the test models tiny; block5_pool is then 2×2 (fc1's reordering matters). */
export const SMALL = { inputSize: 64, fcSize: 8, widths: [4, 8, 8, 16, 16] } as const;
export const PLAN11: ('C' | 'M')[] = ['C', 'M', 'C', 'M', 'C', 'C', 'M', 'C', 'C', 'M', 'C', 'C', 'M'];

/** A timm-layout state dict (`features.*`, `pre_logits.fc1/fc2`, `head.fc`) of a small VGG11 with random weights. */
export function timmStateDict(batchNorm: boolean, seed = 1, classes = 1000): Map<string, RawTensor> {
  const rng = createRng(seed);
  const rand = (shape: number[], scale: number, offset = 0): RawTensor => {
    const n = shape.reduce((a, b) => a * b, 1);
    return { shape, data: Float32Array.from({ length: n }, () => offset + scale * rng.normal()) };
  };
  const sd = new Map<string, RawTensor>();
  let i = 0;
  let cin = 3;
  let block = 0;
  for (const step of PLAN11) {
    if (step === 'M') {
      i += 1;
      block += 1;
      continue;
    }
    const cout = SMALL.widths[block]!;
    sd.set(`features.${i}.weight`, rand([cout, cin, 3, 3], Math.sqrt(2 / (9 * cin))));
    sd.set(`features.${i}.bias`, rand([cout], 0.1));
    i += 1;
    if (batchNorm) {
      sd.set(`features.${i}.weight`, rand([cout], 0.2, 1));
      sd.set(`features.${i}.bias`, rand([cout], 0.1));
      sd.set(`features.${i}.running_mean`, rand([cout], 0.3));
      const v = rand([cout], 0.2, 1);
      sd.set(`features.${i}.running_var`, { shape: v.shape, data: v.data.map(Math.abs) });
      i += 1;
    }
    i += 1; // ReLU
    cin = cout;
  }
  const c5 = SMALL.widths[4];
  sd.set('pre_logits.fc1.weight', rand([SMALL.fcSize, c5, 2, 2], Math.sqrt(2 / (4 * c5))));
  sd.set('pre_logits.fc1.bias', rand([SMALL.fcSize], 0.1));
  sd.set('pre_logits.fc2.weight', rand([SMALL.fcSize, SMALL.fcSize, 1, 1], Math.sqrt(2 / SMALL.fcSize)));
  sd.set('pre_logits.fc2.bias', rand([SMALL.fcSize], 0.1));
  sd.set('head.fc.weight', rand([classes, SMALL.fcSize], 0.5));
  sd.set('head.fc.bias', rand([classes], 0.1));
  return sd;
}

export function timmSafetensors(batchNorm: boolean, seed = 1): Uint8Array {
  return writeSafetensors(timmStateDict(batchNorm, seed), { format: 'pt' });
}

/**
 * Writes a model's weights as Keras' `save_weights` does in HDF5: root attributes `layer_names`, `backend`,
 * `keras_version`; one group per layer with attribute `weight_names`; datasets `/<layer>/<layer>/<weight>:0`.
 */
export async function kerasH5(model: tf.LayersModel): Promise<Uint8Array> {
  const { default: h5wasm } = await import('h5wasm');
  const { FS } = await h5wasm.ready;
  const name = `/fixture-${Math.random().toString(36).slice(2)}.h5`;
  const f = new h5wasm.File(name, 'w');
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  f.create_attribute(
    'layer_names',
    layers.map((l) => l.name),
  );
  f.create_attribute('backend', 'tensorflow');
  f.create_attribute('keras_version', '2.2.4');
  for (const layer of layers) {
    const g = f.create_group(layer.name);
    const weights = layer.weights;
    const names = weights.map((w) => `${layer.name}/${w.originalName.split('/').pop()}:0`);
    // h5wasm cannot write an empty attribute; Keras writes one for weightless layers, which reads back as [].
    if (names.length) g.create_attribute('weight_names', names);
    weights.forEach((w, k) => {
      const [grp, ds] = names[k]!.split('/') as [string, string];
      const sub = (g.get(grp) as typeof g | null) ?? g.create_group(grp);
      sub.create_dataset({
        name: ds,
        data: w.read().dataSync() as Float32Array,
        shape: w.shape as number[],
        dtype: '<f',
      });
    });
  }
  f.close();
  const bytes = FS!.readFile(name);
  FS!.unlink(name);
  return bytes;
}
