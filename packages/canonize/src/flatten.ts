import type * as tf from '@tensorflow/tfjs';
import { readGraph } from './graph.js';
import { rebuild } from './rebuild.js';

/**
 * Splices nested models into one flat functional model that computes the same output, RelevancePropagation.jl's
 * `flatten_model`: afterwards `model.layers` lists every layer that computes something, in execution order, as
 * {@link readGraph} sees them.
 *
 * Always returns a **new** model (also for a model that was flat already): every layer recreated from its config,
 * names kept (a name that two nested models share gets the model's name as a prefix), weights copied, weight
 * constraints dropped. The original is untouched and shares no tensor with it; the caller owns the result.
 *
 * @throws {@link ModelGraphError} for a model readGraph cannot read (shared layers, several outputs)
 * @throws {@link ModelRebuildError} for a layer that cannot be recreated from its config
 *
 * @example
 * ```ts
 * const backbone = tf.sequential({ layers: [tf.layers.dense({ units: 8, inputShape: [4], activation: 'relu' })] });
 * const x = tf.input({ shape: [4] });
 * const y = tf.layers.dense({ units: 2 }).apply(backbone.apply(x)) as tf.SymbolicTensor;
 * const flat = flattenModel(tf.model({ inputs: x, outputs: y }));
 * flat.layers.map((l) => l.getClassName()); // ['InputLayer', 'Dense', 'Dense']
 * ```
 */
export function flattenModel(model: tf.LayersModel): tf.LayersModel {
  return rebuild(model, readGraph(model));
}
