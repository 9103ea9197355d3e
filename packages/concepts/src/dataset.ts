import type * as tf from '@tensorflow/tfjs';
import { demoDataset } from '@xai-ts/zoo';
import { DatasetError } from './errors.js';

/**
 * One sample of a {@link ConceptDataset}: an id (a file name, a database key), an optional 0-based label, and the
 * preprocessed model input of shape `inputShape` (`[height, width, channels]`, no batch axis), as a Float32Array
 * (row-major, HWC) or a tensor (the miner disposes it after reading). `display` is how the sample looks, RGB or
 * RGBA bytes of the input's height and width, stored for the atlas; without it the input itself is shown, scaled
 * from its own min and max to 0..255.
 *
 * @example
 * ```ts
 * const s: ConceptSample = { id: 'cat-17.png', label: 3, input: new Float32Array(32 * 32 * 3) };
 * ```
 */
export interface ConceptSample {
  /** A name for the sample, unique in the dataset. */
  id: string;
  /** The 0-based class, when known; `null` or absent otherwise. */
  label?: number | null;
  /** The preprocessed input, `inputShape` without a batch axis. */
  input: Float32Array | tf.Tensor;
  /** How the sample looks: 8-bit RGB (3 channels) or RGBA (4), `height × width` pixels. */
  display?: { data: Uint8Array | Uint8ClampedArray; channels: 3 | 4 };
}

/**
 * A dataset to mine: its size, the input shape of its samples, optional class names, and async access by index,
 * a batch at a time, so that a dataset can live in files, a database or a generator. Indices are 0-based and
 * every call with the same indices gives the same samples (a resumed run depends on it).
 *
 * @example
 * ```ts
 * const dataset: ConceptDataset = {
 *   name: 'mine', size: 100, inputShape: [32, 32, 3],
 *   batch: async (indices) => indices.map((i) => ({ id: `s${i}`, input: new Float32Array(32 * 32 * 3).fill(i / 100) })),
 * };
 * ```
 */
export interface ConceptDataset {
  /** A name that identifies the data (stored with a run, checked on resume). */
  readonly name: string;
  /** The number of samples. */
  readonly size: number;
  /** `[height, width, channels]` of every input. */
  readonly inputShape: readonly [number, number, number];
  /** The class names, when the dataset knows them. */
  readonly classNames?: readonly string[];
  /** The samples at these indices, in this order. */
  batch(indices: readonly number[]): Promise<ConceptSample[]>;
}

/**
 * The zoo's procedural demo data (`demoDataset` from `@xai-ts/zoo`: 32×32 shapes in 5 classes, inputs in [0, 1],
 * the demo model's input) as a {@link ConceptDataset}. Sample `i` has id `demo-<seed>-<i>` and its label; the
 * images are generated once, here, and kept as bytes (500 samples: 6 MB).
 *
 * @param options - `n` samples from `seed` (default 0)
 * @example
 * ```ts
 * const result = await mine(await loadDemoModel(), demoConceptDataset({ n: 500 }), { top: 16 });
 * ```
 */
export function demoConceptDataset(options: { n: number; seed?: number }): ConceptDataset {
  const seed = options.seed ?? 0;
  const demo = demoDataset({ n: options.n, seed });
  const data = demo.images.dataSync() as Float32Array;
  demo.images.dispose();
  demo.masks.dispose();
  const size = 32 * 32 * 3;
  return {
    name: `demo(n=${options.n},seed=${seed})`,
    size: options.n,
    inputShape: [32, 32, 3],
    classNames: demo.classNames,
    batch: async (indices) =>
      indices.map((i) => {
        checkIndex(i, options.n);
        return {
          id: `demo-${seed}-${i}`,
          label: demo.labels[i]!,
          input: data.slice(i * size, (i + 1) * size),
        };
      }),
  };
}

/**
 * A dataset from a function that makes sample `index` (synchronously or not): for data generated on the fly, or
 * read from anywhere.
 *
 * @param options - the name, size, input shape, optional class names, and the sample maker
 * @throws {@link DatasetError} for a size that is not a positive integer or a bad input shape
 * @example
 * ```ts
 * const noise = generatorDataset({
 *   name: 'noise', size: 64, inputShape: [32, 32, 3],
 *   sample: (i) => ({ id: `noise-${i}`, input: tf.randomUniform([32, 32, 3], 0, 1, 'float32', i) }),
 * });
 * ```
 */
export function generatorDataset(options: {
  name: string;
  size: number;
  inputShape: readonly [number, number, number];
  classNames?: readonly string[];
  sample: (index: number) => ConceptSample | Promise<ConceptSample>;
}): ConceptDataset {
  const { size, inputShape } = options;
  if (!Number.isSafeInteger(size) || size < 1)
    throw new DatasetError(`a dataset's size must be a positive integer, got ${size}`);
  if (inputShape.length !== 3 || inputShape.some((d) => !Number.isInteger(d) || d < 1))
    throw new DatasetError(`a dataset's inputShape is [height, width, channels], got [${inputShape}]`);
  return {
    name: options.name,
    size,
    inputShape: [...inputShape] as [number, number, number],
    ...(options.classNames ? { classNames: [...options.classNames] } : {}),
    batch: (indices) =>
      Promise.all(
        indices.map((i) => {
          checkIndex(i, size);
          return options.sample(i);
        }),
      ),
  };
}

function checkIndex(i: number, size: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= size)
    throw new DatasetError(
      `sample index ${i} is out of range: the dataset has ${size} samples (0..${size - 1})`,
    );
}
