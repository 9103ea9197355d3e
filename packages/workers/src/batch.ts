import * as tf from '@tensorflow/tfjs';
import {
  Explanation,
  IndexSelector,
  MaxActivationSelector,
  OutputSelectionError,
  type OutputSelector,
} from '@xai-ts/base';
import { WorkerPoolError } from './errors.js';
import type { ChunkResult } from './protocol.js';

// How a batch is split into chunks for the workers and put back together; nothing here knows how workers are made.

/**
 * What a pool's `analyze` accepts as a selection: what `analyze()` accepts, except custom selectors (they cannot be
 * sent to a worker).
 *
 * @example
 * ```ts
 * const selection: PoolSelection = [3, 7]; // or 7, new IndexSelector(7), new MaxActivationSelector(), undefined
 * ```
 */
export type PoolSelection = number | readonly number[] | IndexSelector | MaxActivationSelector | undefined;

/**
 * A model's saved artifacts (topology, weight specs and weights in memory), as a worker loads them with
 * `tf.io.fromMemory`. Artifacts pass through unchanged.
 *
 * @param model - a `tf.LayersModel`, or artifacts already saved
 * @throws {@link WorkerPoolError} for anything else
 *
 * @example
 * ```ts
 * const artifacts = await modelArtifacts(model);
 * const copy = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
 * ```
 */
export async function modelArtifacts(
  model: tf.LayersModel | tf.io.ModelArtifacts,
): Promise<tf.io.ModelArtifacts> {
  if (typeof (model as tf.LayersModel).save === 'function') {
    let saved: tf.io.ModelArtifacts | undefined;
    await (model as tf.LayersModel).save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    return saved!;
  }
  const artifacts = model as tf.io.ModelArtifacts;
  if (
    typeof artifacts !== 'object' ||
    artifacts === null ||
    !artifacts.modelTopology ||
    !artifacts.weightSpecs
  )
    throw new WorkerPoolError(
      'a worker pool needs a tf.LayersModel or its saved artifacts (modelTopology, weightSpecs, weightData), as model.save(tf.io.withSaveHandler(...)) gives them',
    );
  return artifacts;
}

/** Splits `n` samples into at most `parts` contiguous chunks as even as can be, as `[from, to)` pairs. */
export function splitBatch(n: number, parts: number): [number, number][] {
  const k = Math.min(n, parts);
  const chunks: [number, number][] = [];
  let start = 0;
  for (let i = 0; i < k; i++) {
    const size = Math.floor(n / k) + (i < n % k ? 1 : 0);
    chunks.push([start, start + size]);
    start += size;
  }
  return chunks;
}

function checkIndex(i: number, outputs: number): void {
  if (i >= outputs)
    throw new OutputSelectionError(
      `class index ${i} is out of range: the model has ${outputs} outputs (0-based indices 0..${outputs - 1})`,
    );
}

/** The selection as data the workers can take: null (max), one index, or one index per sample. */
export function wireSelection(
  selection: PoolSelection,
  n: number,
  outputs: number,
): number | readonly number[] | null {
  if (selection === undefined || selection instanceof MaxActivationSelector) return null;
  if (!(selection instanceof IndexSelector) && typeof selection === 'object' && !Array.isArray(selection))
    throw new OutputSelectionError(
      `a worker pool cannot send the selector ${(selection as unknown as OutputSelector).constructor.name} to its workers; pass a class index, one index per sample, an IndexSelector or a MaxActivationSelector`,
    );
  const index = selection instanceof IndexSelector ? selection.index : new IndexSelector(selection).index;
  if (typeof index === 'number') {
    checkIndex(index, outputs);
    return index;
  }
  if (index.length !== n)
    throw new OutputSelectionError(
      `the selection has ${index.length} indices but the batch has ${n} samples; give one index per sample, or a single number for all`,
    );
  for (const i of index) checkIndex(i, outputs);
  return index;
}

/** The chunks' results, in batch order, as one explanation of `x`. */
export function joinChunks(
  x: tf.Tensor,
  chunks: readonly [number, number][],
  results: readonly ChunkResult[],
): Explanation {
  const n = x.shape[0]!;
  const perSample = x.size / n;
  const outShape = [n, ...results[0]!.outputShape.slice(1)];
  const outPerSample = outShape.slice(1).reduce((a, b) => a * b, 1);
  const val = new Float32Array(x.size);
  const output = new Float32Array(n * outPerSample);
  const outputSelection: number[] = [];
  results.forEach((r, k) => {
    const from = chunks[k]![0];
    val.set(r.val, from * perSample);
    output.set(r.output, from * outPerSample);
    outputSelection.push(...r.selection);
  });
  return new Explanation({
    val: tf.tensor(val, x.shape),
    input: x,
    output: tf.tensor(output, outShape),
    outputSelection,
    analyzer: 'LRP',
    heatmap: 'attribution',
  });
}
