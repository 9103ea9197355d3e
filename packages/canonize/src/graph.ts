import * as tf from '@tensorflow/tfjs';
import { XaiError } from '@xai-ts/base';

/** A model whose structure cannot be read as a layer graph (shared layers, several outputs, ...). */
export class ModelGraphError extends XaiError {
  override name = 'ModelGraphError';
}

/** Where a layer's input comes from: a model input, or the output of another layer of the graph. */
export type Source =
  | { readonly kind: 'input'; readonly index: number }
  | { readonly kind: 'layer'; readonly index: number };

/** One layer of a {@link LayerGraph}. */
export interface LayerNode {
  /** 0-based position in execution order (InputLayers excluded, nested models spliced in). */
  readonly index: number;
  /** The layer itself. */
  readonly layer: tf.layers.Layer;
  /** The layer's name. */
  readonly name: string;
  /** The layer's Keras class name, for example `Conv2D`. */
  readonly className: string;
  /** What feeds the layer, in call order. */
  readonly inputs: readonly Source[];
  /** The names of the models that enclose the layer, outermost first (empty for a layer of the model itself). */
  readonly path: readonly string[];
}

/**
 * A `tf.LayersModel` read as a directed acyclic graph of layers, nested models spliced in (RelevancePropagation.jl's
 * flattened chain, generalised to functional models).
 */
export interface LayerGraph {
  /** The layers in execution order. */
  readonly nodes: readonly LayerNode[];
  /** The shapes of the model's inputs, batch axis included (`null` for free dimensions). */
  readonly inputShapes: readonly (readonly (number | null)[])[];
  /** What the model outputs. */
  readonly output: Source;
  /** For each node, the indices of the nodes that consume its output (a node may appear twice if it feeds one layer twice). */
  readonly consumers: readonly (readonly number[])[];
}

function isModel(layer: tf.layers.Layer): layer is tf.LayersModel {
  return layer instanceof tf.LayersModel;
}

function isInputLayer(layer: tf.layers.Layer): boolean {
  return layer.getClassName() === 'InputLayer';
}

/** Layers in execution order with nested models replaced by their own layers (recursively). */
function orderedLayers(model: tf.LayersModel): tf.layers.Layer[] {
  const out: tf.layers.Layer[] = [];
  for (const layer of model.layers) {
    if (isInputLayer(layer)) continue;
    if (isModel(layer)) out.push(...orderedLayers(layer));
    else out.push(layer);
  }
  return out;
}

/**
 * Reads a model as a {@link LayerGraph}: layers in execution order (what `model.layers` lists, InputLayers left out,
 * nested models replaced by their layers), each with the sources of its inputs.
 *
 * @throws {@link ModelGraphError} for a model with several outputs, a layer applied more than once (shared
 *   weights), or a layer with several outputs
 *
 * @example
 * ```ts
 * const graph = readGraph(model);
 * for (const node of graph.nodes) console.log(node.index, node.name, node.className);
 * ```
 */
export function readGraph(model: tf.LayersModel): LayerGraph {
  if (!(model instanceof tf.LayersModel)) {
    const what =
      (model as unknown) instanceof Promise ? 'a Promise (did you forget `await`?)' : String(model);
    throw new ModelGraphError(`expected a tf.LayersModel, got ${what}`);
  }
  if (model.outputs.length !== 1)
    throw new ModelGraphError(
      `model "${model.name}" has ${model.outputs.length} outputs (${model.outputNames.join(', ')}); xai-ts explains one output at a time: pick one with selectOutput(model, name or index)`,
    );
  const order = orderedLayers(model);
  const position = new Map<tf.layers.Layer, number>(order.map((layer, i) => [layer, i]));
  const nodeInputs: (Source[] | undefined)[] = new Array(order.length);
  const modelInputs = new Map<tf.SymbolicTensor, number>(model.inputs.map((t, i) => [t, i]));
  const paths = new Map<tf.layers.Layer, string[]>();
  collectPaths(model, [], paths);

  // Follow one symbolic tensor to the graph source that produces it; `bindings` maps a nested model's input
  // tensors to the outer sources they were called with.
  // Each tensor is resolved once per binding scope: without the memo, a graph of many merging branches (Inception)
  // is walked once per path, exponentially many times.
  const resolved = new WeakMap<Map<tf.SymbolicTensor, Source>, Map<tf.SymbolicTensor, Source>>();
  const resolve = (t: tf.SymbolicTensor, bindings: Map<tf.SymbolicTensor, Source>): Source => {
    let memo = resolved.get(bindings);
    if (!memo) {
      memo = new Map();
      resolved.set(bindings, memo);
    }
    const known = memo.get(t);
    if (known) return known;
    const source = resolveOnce(t, bindings);
    memo.set(t, source);
    return source;
  };
  const resolveOnce = (t: tf.SymbolicTensor, bindings: Map<tf.SymbolicTensor, Source>): Source => {
    const bound = bindings.get(t);
    if (bound) return bound;
    const outer = modelInputs.get(t);
    if (outer !== undefined && bindings.size === 0) return { kind: 'input', index: outer };
    const layer = t.sourceLayer;
    if (isInputLayer(layer)) {
      // An InputLayer inside a nested model that nothing bound: the model was called on its own inputs.
      const index = model.inputs.indexOf(t);
      if (index >= 0) return { kind: 'input', index };
      throw new ModelGraphError(
        `cannot trace input tensor "${t.name}" of layer "${layer.name}" to the model's inputs`,
      );
    }
    if (isModel(layer)) {
      if (layer.outputs.length !== 1)
        throw new ModelGraphError(
          `nested model "${layer.name}" has ${layer.outputs.length} outputs; only nested models with one output are supported`,
        );
      const inner = new Map<tf.SymbolicTensor, Source>();
      layer.inputs.forEach((input, k) => {
        const arg = t.inputs[k];
        if (!arg)
          throw new ModelGraphError(`nested model "${layer.name}" is called with fewer inputs than it has`);
        inner.set(input, resolve(arg, bindings));
      });
      return resolve(layer.outputs[0]!, inner);
    }
    const index = position.get(layer);
    if (index === undefined)
      throw new ModelGraphError(`layer "${layer.name}" feeds the model but is not among its layers`);
    if (t.tensorIndex !== 0)
      throw new ModelGraphError(
        `layer "${layer.name}" (${layer.getClassName()}) has several outputs; this is not supported`,
      );
    const sources = t.inputs.map((arg) => resolve(arg, bindings));
    const seen = nodeInputs[index];
    if (seen === undefined) nodeInputs[index] = sources;
    else if (!sameSources(seen, sources))
      throw new ModelGraphError(
        `layer "${layer.name}" is applied more than once (shared weights); give each use its own layer`,
      );
    return { kind: 'layer', index };
  };

  const output = resolve(model.outputs[0]!, new Map());
  const nodes: LayerNode[] = [];
  const renumber = new Map<number, number>();
  order.forEach((layer, i) => {
    if (nodeInputs[i] === undefined) return; // not on a path to the output
    renumber.set(i, nodes.length);
    nodes.push({
      index: nodes.length,
      layer,
      name: layer.name,
      className: layer.getClassName(),
      inputs: nodeInputs[i]!,
      path: paths.get(layer) ?? [],
    });
  });
  const remap = (s: Source): Source =>
    s.kind === 'input' ? s : { kind: 'layer', index: renumber.get(s.index)! };
  const finalNodes = nodes.map((n) => ({ ...n, inputs: n.inputs.map(remap) }));
  const consumers: number[][] = finalNodes.map(() => []);
  for (const n of finalNodes)
    for (const s of n.inputs) if (s.kind === 'layer') consumers[s.index]!.push(n.index);
  return {
    nodes: finalNodes,
    inputShapes: model.inputs.map((t) => [...t.shape]),
    output: remap(output),
    consumers,
  };
}

function sameSources(a: readonly Source[], b: readonly Source[]): boolean {
  return a.length === b.length && a.every((s, i) => s.kind === b[i]!.kind && s.index === b[i]!.index);
}

function collectPaths(model: tf.LayersModel, path: string[], into: Map<tf.layers.Layer, string[]>): void {
  for (const layer of model.layers) {
    if (isModel(layer)) collectPaths(layer, [...path, layer.name], into);
    else into.set(layer, path);
  }
}
