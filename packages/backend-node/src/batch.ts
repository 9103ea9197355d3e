import * as tf from '@tensorflow/tfjs';
import {
  IndexSelector,
  MaxActivationSelector,
  OutputSelectionError,
  type OutputSelector,
} from '@xai-ts/base';
import { BackendSetupError } from './errors.js';

// The part of a worker pool that does not depend on how workers are made: what travels, and how a batch is split.

/**
 * What `LRPWorkerPool.analyze` accepts as a selection: what `analyze()` accepts, except custom selectors (they
 * cannot be sent to a worker).
 *
 * @example
 * ```ts
 * const selection: PoolSelection = [3, 7]; // or 7, new IndexSelector(7), new MaxActivationSelector(), undefined
 * ```
 */
export type PoolSelection = number | readonly number[] | IndexSelector | MaxActivationSelector | undefined;

/** A model's saved artifacts, which a worker loads with `tf.io.fromMemory`. */
export async function toArtifacts(
  model: tf.LayersModel | tf.io.ModelArtifacts,
): Promise<tf.io.ModelArtifacts> {
  if (typeof (model as tf.LayersModel).save === 'function') {
    const layers = model as tf.LayersModel;
    let saved: tf.io.ModelArtifacts | undefined;
    await layers.save(
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
    throw new BackendSetupError(
      'LRPWorkerPool needs a tf.LayersModel or its saved artifacts (modelTopology, weightSpecs, weightData), as model.save(tf.io.withSaveHandler(...)) gives them',
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
