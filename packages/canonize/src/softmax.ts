import type * as tf from '@tensorflow/tfjs';
import { readGraph } from './graph.js';
import { rebuild } from './rebuild.js';

/**
 * Returns a model whose output is the logits, RelevancePropagation.jl's `strip_softmax`: LRP explains the
 * pre-softmax scores. Three forms of a final softmax are recognised: a softmax fused into the last layer
 * (`activation: 'softmax'`, rebuilt with a linear activation), a last `Activation` layer with `'softmax'`, and a last
 * `Softmax` layer (both removed). Only the last layer is looked at.
 *
 * When there is a softmax, the result is a **new** flat functional model (nested models spliced, layer names kept,
 * weights copied; the caller owns it). When there is none, `model` itself comes back: `stripSoftmax(m) === m` tells
 * whether anything was stripped (and whether there is a new model to dispose).
 *
 * @throws {@link ModelGraphError} for a model readGraph cannot read (shared layers, several outputs)
 * @throws {@link ModelRebuildError} for a layer that cannot be recreated, or a model that is nothing but a softmax
 *
 * @example
 * ```ts
 * const logits = stripSoftmax(classifier);
 * const analyzer = new LRP(logits, new EpsilonPlus());
 * if (logits !== classifier) logits.dispose(); // when done, if a new model was built
 * ```
 */
export function stripSoftmax(model: tf.LayersModel): tf.LayersModel {
  const graph = readGraph(model);
  if (graph.output.kind === 'input') return model;
  const last = graph.nodes[graph.output.index]!;
  const config = last.layer.getConfig();
  if (last.className === 'Softmax' || (last.className === 'Activation' && config.activation === 'softmax'))
    return rebuild(model, graph, { bypass: new Set([last.index]) });
  if (config.activation === 'softmax')
    return rebuild(model, graph, { change: new Map([[last.index, { config: { activation: 'linear' } }]]) });
  return model;
}
