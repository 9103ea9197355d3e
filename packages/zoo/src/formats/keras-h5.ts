import { WeightsFormatError } from '../errors.js';
import type { RawTensor } from './safetensors.js';

let counter = 0;

/**
 * Reads a Keras HDF5 weights file (what Keras' `save_weights` writes, such as the keras-applications
 * `vgg16_weights_tf_dim_ordering_tf_kernels.h5`): the root attribute `layer_names`, and for each layer a group
 * `/<layer>` whose attribute `weight_names` lists datasets `/<layer>/<weight name>` (for example
 * `block1_conv1/kernel:0`) in the layer's weight order. A full-model file keeps the same under `/model_weights`.
 * Uses h5wasm (HDF5 compiled to WebAssembly), loaded on first use; runs in Node and the browser.
 *
 * @param bytes - the whole file
 * @returns each layer's weights in order, by layer name
 * @throws {@link WeightsFormatError} for a file that is not HDF5 or has no Keras layer layout
 *
 * @example
 * ```ts
 * const layers = await readKerasH5(bytes);
 * layers.get('block1_conv1')?.[0]?.shape; // [3, 3, 3, 64]
 * ```
 */
export async function readKerasH5(bytes: Uint8Array): Promise<Map<string, RawTensor[]>> {
  if (!hasHdf5Signature(bytes))
    throw new WeightsFormatError(
      `the file is not HDF5 (no HDF5 signature; ${bytes.byteLength} bytes): expected a Keras .h5 weights file`,
    );
  const { default: h5wasm } = await import('h5wasm');
  const { FS } = await h5wasm.ready;
  if (!FS) throw new WeightsFormatError('h5wasm has no virtual file system to read HDF5 from');
  const name = `/xai-ts-weights-${++counter}.h5`;
  FS.writeFile(name, bytes);
  let file: InstanceType<typeof h5wasm.File> | undefined;
  try {
    try {
      file = new h5wasm.File(name, 'r');
    } catch (e) {
      throw new WeightsFormatError(`the file is not HDF5 (${(e as Error).message ?? e})`);
    }
    const root = file.keys().includes('model_weights') ? (file.get('model_weights') as typeof file) : file;
    const layerNames = strings(root.attrs.layer_names?.value);
    if (!layerNames)
      throw new WeightsFormatError(
        'the HDF5 file has no "layer_names" attribute: it is not a Keras weights file (save_weights / model.save)',
      );
    const out = new Map<string, RawTensor[]>();
    for (const layer of layerNames) {
      const group = root.get(layer) as typeof file | null;
      if (!group)
        throw new WeightsFormatError(`the HDF5 file lists layer "${layer}" but has no group for it`);
      const weightNames = strings(group.attrs.weight_names?.value) ?? [];
      out.set(
        layer,
        weightNames.map((w) => {
          const ds = group.get(w) as InstanceType<typeof h5wasm.Dataset> | null;
          if (!ds || !(ds instanceof h5wasm.Dataset))
            throw new WeightsFormatError(`the HDF5 file has no dataset "${layer}/${w}"`);
          const value = ds.value;
          // A scalar is a plain number; int64 (Keras's Normalization `count`) comes as a BigInt64Array.
          const data =
            typeof value === 'number'
              ? Float32Array.of(value)
              : typeof value === 'bigint'
                ? Float32Array.of(Number(value))
                : value instanceof BigInt64Array || value instanceof BigUint64Array
                  ? Float32Array.from(value, (v) => Number(v))
                  : ArrayBuffer.isView(value)
                    ? Float32Array.from(value as ArrayLike<number>)
                    : undefined;
          if (!data) throw new WeightsFormatError(`dataset "${layer}/${w}" does not hold numbers`);
          return { shape: ds.shape ?? [], data };
        }),
      );
    }
    return out;
  } finally {
    file?.close();
    FS.unlink(name);
  }
}

// The HDF5 superblock signature, at offset 0 or (after a user block) at 512, 1024, 2048, ...
const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

function hasHdf5Signature(bytes: Uint8Array): boolean {
  for (let at = 0; at + 8 <= bytes.byteLength; at = at === 0 ? 512 : at * 2)
    if (SIGNATURE.every((b, i) => bytes[at + i] === b)) return true;
  return false;
}

/** An attribute's strings; an empty attribute (a layer without weights) gives []. */
function strings(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const list: unknown[] = Array.isArray(value)
    ? value
    : ArrayBuffer.isView(value) && !(value instanceof Uint8Array)
      ? Array.from(value as unknown as ArrayLike<number>)
      : [value];
  return list
    .map((v) => (v instanceof Uint8Array ? new TextDecoder().decode(v) : String(v)).replace(/\0+$/, ''))
    .filter((v) => v.length > 0);
}
