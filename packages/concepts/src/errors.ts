import { XaiError } from '@xai-ts/base';

/**
 * The base class of the errors `@xai-ts/concepts` throws on purpose. Its message says what was wrong, where, and
 * what to do.
 *
 * @example
 * ```ts
 * try { await mine(model, dataset, { layers: ['nope'] }); } catch (e) { if (e instanceof ConceptsError) console.error(e.message); }
 * ```
 */
export class ConceptsError extends XaiError {
  override name = 'ConceptsError';
}

/**
 * A layer that cannot be mined or walked: unknown, without channels, or not spatial where a position is needed.
 *
 * @example
 * ```ts
 * defaultConceptLayers(model); // ConceptLayerError when the model has no convolution
 * ```
 */
export class ConceptLayerError extends ConceptsError {
  override name = 'ConceptLayerError';
}

/**
 * A dataset that does not give what mining needs: a bad size, a sample of the wrong shape, a missing id, a label out
 * of range, or a folder without images.
 *
 * @example
 * ```ts
 * generatorDataset({ size: 0, inputShape: [32, 32, 3], sample: () => … }); // DatasetError: size must be …
 * ```
 */
export class DatasetError extends ConceptsError {
  override name = 'DatasetError';
}

/**
 * A store that cannot be used: not a concept store, of another version, or made by a run with another
 * configuration than the one asked to resume it.
 *
 * @example
 * ```ts
 * await mineToStore({ ...options, top: 8 }); // StoreError: the store was mined with top 16 …
 * ```
 */
export class StoreError extends ConceptsError {
  override name = 'StoreError';
}

/**
 * An option out of range: a non-positive `top`, shard size or worker count, an unknown target.
 *
 * @example
 * ```ts
 * new ConceptMiner(model, { top: 0 }); // ConceptOptionError: top must be a positive integer …
 * ```
 */
export class ConceptOptionError extends ConceptsError {
  override name = 'ConceptOptionError';
}
