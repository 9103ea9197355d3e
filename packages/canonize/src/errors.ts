import { XaiError } from '@xai-ts/base';

/**
 * A model that cannot be rebuilt as one flat functional model: a layer whose class `tf.serialization` does not know,
 * a layer whose configuration does not recreate it, or a model that would be left without layers.
 *
 * @example
 * ```ts
 * try {
 *   flattenModel(model);
 * } catch (e) {
 *   if (e instanceof ModelRebuildError) console.error(e.message); // names the layer and what to do
 * }
 * ```
 */
export class ModelRebuildError extends XaiError {
  override name = 'ModelRebuildError';
}
