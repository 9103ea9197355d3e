import * as tf from '@tensorflow/tfjs';
import { ModelGraphError } from './graph.js';

/**
 * One output of a model with several outputs, as a model of its own: the same inputs, the layers on the path to that
 * output, **the same weights** (shared, not copied), so every analyzer can explain it. Pick the output by its index
 * or its name (the name in `model.outputNames`, which is the output layer's name). A model with one output comes back
 * as it is when that output is asked for.
 *
 * The returned model holds its own reference to the shared layers: disposing it frees nothing of `model`, and
 * disposing `model` afterwards frees the weights as usual (TF.js's layer reference counts).
 *
 * @param model - a model with one or several outputs
 * @param output - a 0-based output index or an output name
 * @throws {@link ModelGraphError} for an index out of range or an unknown name (the message lists the outputs)
 *
 * @example
 * ```ts
 * // a two-headed model: a class and a box
 * const classHead = selectOutput(detector, 'class_logits');
 * const expl = analyze(x, new LRP(classHead, new EpsilonPlusFlat()), 3);
 * ```
 */
export function selectOutput(model: tf.LayersModel, output: number | string): tf.LayersModel {
  if (!(model instanceof tf.LayersModel))
    throw new ModelGraphError(
      `selectOutput needs a tf.LayersModel, got ${(model as unknown) instanceof Promise ? 'a Promise (did you forget `await`?)' : String(model)}`,
    );
  const names = model.outputNames;
  const listed = names.map((n, i) => `${i}: "${n}"`).join(', ');
  let index: number;
  if (typeof output === 'number') {
    if (!Number.isInteger(output) || output < 0 || output >= names.length)
      throw new ModelGraphError(
        `model "${model.name}" has no output ${output}; its outputs are ${listed} (0-based indices)`,
      );
    index = output;
  } else {
    index = names.indexOf(output);
    if (index < 0) index = model.outputs.findIndex((t) => t.name === output);
    if (index < 0)
      throw new ModelGraphError(
        `model "${model.name}" has no output named "${output}"; its outputs are ${listed}`,
      );
  }
  if (names.length === 1) return model;
  const sub = tf.model({
    inputs: model.inputs,
    outputs: model.outputs[index]!,
    name: `${model.name}_${names[index]}`,
  });
  // tf.model shares the layers without counting the new model as one of their users: without this, disposing the
  // sub-model would free weights the original still uses.
  for (const layer of sub.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    const counted = layer as unknown as { _refCount: number | null };
    if (counted._refCount !== null) counted._refCount += 1;
  }
  return sub;
}
