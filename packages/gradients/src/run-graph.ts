import type * as tf from '@tensorflow/tfjs';
import type { LayerGraph, Source } from '@xai-ts/canonize';

function call(layer: tf.layers.Layer, args: tf.Tensor[]): tf.Tensor {
  return layer.apply(args.length === 1 ? args[0]! : args, { training: false }) as tf.Tensor;
}

/** Runs every layer of the graph on `input` in execution order; returns each layer's output. */
export function forward(graph: LayerGraph, input: tf.Tensor): tf.Tensor[] {
  const values: tf.Tensor[] = [];
  const get = (s: Source): tf.Tensor => (s.kind === 'input' ? input : values[s.index]!);
  for (const node of graph.nodes) values.push(call(node.layer, node.inputs.map(get)));
  return values;
}

/** The graph's output given every layer's output. */
export function graphOutput(graph: LayerGraph, input: tf.Tensor, values: readonly tf.Tensor[]): tf.Tensor {
  return graph.output.kind === 'input' ? input : values[graph.output.index]!;
}

/**
 * The graph's output when layer `at` outputs `replacement` instead: only the layers downstream of `at` run again,
 * everything else (other branches) keeps its value from `values`.
 */
export function forwardFrom(
  graph: LayerGraph,
  input: tf.Tensor,
  values: readonly tf.Tensor[],
  at: number,
  replacement: tf.Tensor,
): tf.Tensor {
  const current = [...values];
  current[at] = replacement;
  const dirty = new Set<number>([at]);
  const get = (s: Source): tf.Tensor => (s.kind === 'input' ? input : current[s.index]!);
  for (const node of graph.nodes.slice(at + 1)) {
    if (!node.inputs.some((s) => s.kind === 'layer' && dirty.has(s.index))) continue;
    current[node.index] = call(node.layer, node.inputs.map(get));
    dirty.add(node.index);
  }
  return graphOutput(graph, input, current);
}
