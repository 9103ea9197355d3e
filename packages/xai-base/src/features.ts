import type * as tf from '@tensorflow/tfjs';
import { FeatureSelectionError } from './errors.js';
import { formatShape } from './format.js';

/**
 * Chooses the features (channels of a conv layer, units of a dense layer) that CRP conditions on.
 * A feature is an index into the last axis of a layer's batch-first output.
 */
export interface FeatureSelector {
  /** How many features are selected per sample. */
  readonly count: number;
  /**
   * @param relevance - the relevance at the layer's output, batch first, features on the last axis
   * @returns per sample, the `count` selected feature ids (0-based)
   * @throws {@link FeatureSelectionError} when the selection does not fit the layer
   */
  select(relevance: tf.Tensor): number[][];
}

function featureCount(relevance: tf.Tensor): number {
  if (relevance.rank < 2)
    throw new FeatureSelectionError(
      `cannot select features of a relevance of shape ${formatShape(relevance.shape)}: it needs a batch axis and a feature axis`,
    );
  return relevance.shape[relevance.rank - 1]!;
}

/**
 * Selects the same fixed features for every sample (XAIBase.jl's `IndexedFeatures`, 0-based ids here).
 *
 * @example
 * ```ts
 * new IndexedFeatures(3, 11); // channels 3 and 11 of the concept layer
 * ```
 */
export class IndexedFeatures implements FeatureSelector {
  /** The selected feature ids. */
  readonly ids: readonly number[];

  /** @param ids - 0-based feature ids (channels or units) */
  constructor(...ids: number[]) {
    if (ids.length === 0) throw new FeatureSelectionError('IndexedFeatures needs at least one feature id');
    for (const id of ids)
      if (!Number.isInteger(id) || id < 0)
        throw new FeatureSelectionError(`feature id ${id} is not a non-negative integer; ids are 0-based`);
    this.ids = Object.freeze([...ids]);
  }

  /** {@inheritDoc FeatureSelector.count} */
  get count(): number {
    return this.ids.length;
  }

  /** {@inheritDoc FeatureSelector.select} */
  select(relevance: tf.Tensor): number[][] {
    const features = featureCount(relevance);
    for (const id of this.ids)
      if (id >= features)
        throw new FeatureSelectionError(
          `feature id ${id} is out of range: the layer has ${features} features (0..${features - 1})`,
        );
    return Array.from({ length: relevance.shape[0]! }, () => [...this.ids]);
  }
}

/**
 * Selects, per sample, the `n` features with the largest relevance (XAIBase.jl's `TopNFeatures`): for outputs with
 * spatial axes the signed relevance summed over them, for dense outputs the raw value. Ties keep the lower id first.
 *
 * @example
 * ```ts
 * new TopNFeatures(4); // the 4 most relevant channels of each sample
 * ```
 */
export class TopNFeatures implements FeatureSelector {
  /** How many features per sample. */
  readonly n: number;

  /** @param n - the number of features per sample, at least 1 */
  constructor(n: number) {
    if (!Number.isInteger(n) || n <= 0) throw new FeatureSelectionError(`TopNFeatures needs n ≥ 1, got ${n}`);
    this.n = n;
  }

  /** {@inheritDoc FeatureSelector.count} */
  get count(): number {
    return this.n;
  }

  /** {@inheritDoc FeatureSelector.select} */
  select(relevance: tf.Tensor): number[][] {
    const features = featureCount(relevance);
    if (this.n > features)
      throw new FeatureSelectionError(
        `TopNFeatures(${this.n}) asks for more features than the layer has (${features}); choose n ≤ ${features}`,
      );
    const batch = relevance.shape[0]!;
    const data = relevance.dataSync();
    const positions = relevance.size / (batch * features);
    const picks: number[][] = [];
    for (let s = 0; s < batch; s++) {
      const sums = new Float64Array(features);
      const base = s * positions * features;
      for (let p = 0; p < positions; p++)
        for (let f = 0; f < features; f++) sums[f]! += data[base + p * features + f]!;
      const order = Array.from({ length: features }, (_, f) => f).sort(
        (a, b) => sums[b]! - sums[a]! || a - b,
      );
      picks.push(order.slice(0, this.n));
    }
    return picks;
  }
}
