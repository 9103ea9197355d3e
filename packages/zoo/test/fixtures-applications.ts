import type * as tf from '@tensorflow/tfjs';

/** Options of {@link kerasApplicationH5}. */
export interface H5Options {
  /** The name each layer gets in the file (default its own). */
  rename?: (name: string) => string;
  /** Layers left out of the file. */
  omit?: string[];
}

/**
 * Writes a model's weights as Keras's `save_weights` writes an `.h5` file (the layout of the Keras Applications
 * ImageNet files): root attributes `layer_names`, `backend`, `keras_version`; one group per layer with the attribute
 * `weight_names`; datasets `/<layer>/<layer>/<weight>:0`. Integer weights as Keras stores them: a Normalization's
 * `count` as an int64 scalar.
 */
export async function kerasApplicationH5(
  model: tf.LayersModel,
  options: H5Options = {},
): Promise<Uint8Array> {
  const { default: h5wasm } = await import('h5wasm');
  const { FS } = await h5wasm.ready;
  const file = `/application-${Math.random().toString(36).slice(2)}.h5`;
  const f = new h5wasm.File(file, 'w');
  const layers = model.layers.filter(
    (l) => l.getClassName() !== 'InputLayer' && !options.omit?.includes(l.name),
  );
  const names = new Map(layers.map((l) => [l.name, options.rename ? options.rename(l.name) : l.name]));
  const rename = (n: string) => names.get(n)!;
  f.create_attribute(
    'layer_names',
    layers.map((l) => rename(l.name)),
  );
  f.create_attribute('backend', 'tensorflow');
  f.create_attribute('keras_version', '2.4.0');
  for (const layer of layers) {
    const name = rename(layer.name);
    const g = f.create_group(name);
    const weights = layer.weights;
    const names = weights.map((w) => `${name}/${w.originalName.split('/').pop()}:0`);
    // h5wasm cannot write an empty attribute; Keras writes one for weightless layers, which reads back as [].
    if (names.length) g.create_attribute('weight_names', names);
    weights.forEach((w, k) => {
      const [grp, ds] = names[k]!.split('/') as [string, string];
      const sub = (g.get(grp) as typeof g | null) ?? g.create_group(grp);
      const values = w.read().dataSync() as Float32Array;
      if (w.originalName.endsWith('/count'))
        sub.create_dataset({
          name: ds,
          data: BigInt64Array.from(values, (v) => BigInt(Math.round(v))),
          shape: [],
          dtype: '<q',
        });
      else sub.create_dataset({ name: ds, data: values, shape: w.shape as number[], dtype: '<f' });
    });
  }
  f.close();
  const bytes = FS!.readFile(file);
  FS!.unlink(file);
  return bytes;
}
