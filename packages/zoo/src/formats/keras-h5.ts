import { WeightsFormatError } from '../errors.js';
import type { RawTensor } from './safetensors.js';

let counter = 0;

/**
 * Reads a Keras HDF5 weights file (what Keras' `save_weights` writes, such as the keras-applications
 * `vgg16_weights_tf_dim_ordering_tf_kernels.h5`): the root attribute `layer_names`, and for each layer a group
 * `/<layer>` whose attribute `weight_names` lists datasets `/<layer>/<weight name>` (for example
 * `block1_conv1/kernel:0`) in the layer's weight order. A full-model file keeps the same under `/model_weights`.
 * Keras 3's own layout (`….weights.h5`, the `model.weights.h5` of a `.keras` file) stores a layer's weights under
 * `/layers/<path>/vars/<i>`, by class and rank rather than by name: its layers come keyed `layers/<path>` (see
 * {@link keras3WeightPaths}; `loadApplicationWeights` maps them). Uses h5wasm (HDF5 compiled to WebAssembly), loaded on
 * first use; runs in Node and the browser.
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
    if (!layerNames && file.keys().includes('layers')) return keras3Layers(file, h5wasm.Dataset);
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
          return tensorOf(ds, `${layer}/${w}`);
        }),
      );
    }
    return out;
  } finally {
    file?.close();
    FS.unlink(name);
  }
}

type H5Dataset = { readonly value: unknown; readonly shape: number[] | null };

/** A dataset's values as float32. */
function tensorOf(ds: H5Dataset, where: string): RawTensor {
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
            ? Float32Array.from(value as unknown as ArrayLike<number>)
            : undefined;
  if (!data) throw new WeightsFormatError(`dataset "${where}" does not hold numbers`);
  return { shape: ds.shape ?? [], data };
}

interface H5Group {
  keys(): string[];
  get(name: string): unknown;
}

/**
 * Keras 3's layout (`model.weights.h5` inside a `.keras` file, or `save_weights('….weights.h5')`): `/layers/<path>/vars/
 * 0, 1, …`, where the path names a layer by its class and its rank among the model's layers of that class
 * (`conv2d`, `conv2d_1`, …, see {@link keras3WeightPaths}), not by its name. Keys of the result are `layers/<path>`.
 */
function keras3Layers(
  file: H5Group,
  Dataset: abstract new (...args: never[]) => unknown,
): Map<string, RawTensor[]> {
  const layers = file.get('layers') as H5Group;
  const out = new Map<string, RawTensor[]>();
  for (const key of layers.keys()) {
    const group = layers.get(key) as H5Group;
    const vars = group.keys().includes('vars') ? (group.get('vars') as H5Group) : undefined;
    const names = (vars?.keys() ?? []).filter((k) => /^\d+$/.test(k)).sort((a, b) => Number(a) - Number(b));
    out.set(
      `layers/${key}`,
      names.map((n) => {
        const ds = vars!.get(n);
        if (!(ds instanceof Dataset))
          throw new WeightsFormatError(`the HDF5 file has no dataset "layers/${key}/vars/${n}"`);
        return tensorOf(ds as H5Dataset, `layers/${key}/vars/${n}`);
      }),
    );
  }
  return out;
}

/** Keras's `to_snake_case` of a class name: `Conv2D` → `conv2d`, `BatchNormalization` → `batch_normalization`, `ReLU` → `re_lu`. */
function snakeCase(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/**
 * Where Keras 3 stores each layer's weights in a `.keras` file or a `.weights.h5` file: `layers/<class in snake case>`
 * with `_1`, `_2`, … for the second, third, … layer of the same class, in the model's layer order (Keras addresses
 * layers so, not by their names, which are not reproducible). For models whose layers are Keras's, in Keras's order,
 * as the zoo's builders are.
 *
 * @param model - the model the file was saved from (or one built the same way)
 * @returns each layer's name → its path in the file
 *
 * @example
 * ```ts
 * keras3WeightPaths(model).get('bn_Conv1'); // 'layers/batch_normalization'
 * ```
 */
export function keras3WeightPaths(model: {
  readonly layers: readonly { readonly name: string; getClassName(): string }[];
}): Map<string, string> {
  const used = new Map<string, number>();
  const out = new Map<string, string>();
  for (const layer of model.layers) {
    const base = snakeCase(layer.getClassName());
    const n = used.get(base);
    used.set(base, n === undefined ? 0 : n + 1);
    out.set(layer.name, `layers/${n === undefined ? base : `${base}_${n + 1}`}`);
  }
  return out;
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

// The local file header that starts a zip archive (a `.keras` file).
const ZIP = [0x50, 0x4b, 0x03, 0x04];

/**
 * Reads any Keras weights file: a `.keras` archive (Keras 3's `model.save`: the `model.weights.h5` inside it), a Keras
 * 3 `.weights.h5`, or a Keras 2 / legacy `.h5` (what `readKerasH5` reads).
 *
 * @param bytes - the whole file
 * @returns each layer's weights in order, keyed as `readKerasH5` keys them
 * @throws {@link WeightsFormatError} for an archive without `model.weights.h5`, or a file that is not HDF5
 *
 * @example
 * ```ts
 * loadApplicationWeights(model, await readKerasWeights(bytes)); // a .keras, .weights.h5 or .h5 file
 * ```
 */
export async function readKerasWeights(bytes: Uint8Array): Promise<Map<string, RawTensor[]>> {
  if (!ZIP.every((b, i) => bytes[i] === b)) return readKerasH5(bytes);
  const { unzipSync } = await import('fflate');
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, { filter: (f) => f.name === 'model.weights.h5' });
  } catch (e) {
    throw new WeightsFormatError(
      `the file is a broken zip archive (${(e as Error).message ?? e}): expected a .keras file`,
    );
  }
  const weights = files['model.weights.h5'];
  if (!weights)
    throw new WeightsFormatError(
      'the zip archive has no model.weights.h5: it is not a .keras file written by Keras 3 (model.save("….keras"))',
    );
  return readKerasH5(weights);
}
