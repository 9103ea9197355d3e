import type { LayerGraph } from '@xai-ts/canonize';
import { ConceptLayerError } from './errors.js';

const CONVS = new Set(['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D']);
const BLOCK_ENDS = new Set([
  'MaxPooling2D',
  'MaxPool2D',
  'AveragePooling2D',
  'AvgPool2D',
  'GlobalMaxPooling2D',
  'GlobalMaxPool2D',
  'GlobalAveragePooling2D',
  'GlobalAvgPool2D',
  'Flatten',
]);
// layers that change values one by one, between a convolution and the pooling that ends its block
const ELEMENTWISE = new Set([
  'Activation',
  'ReLU',
  'LeakyReLU',
  'PReLU',
  'ELU',
  'ThresholdedReLU',
  'BatchNormalization',
  'Dropout',
  'SpatialDropout2D',
  'GaussianNoise',
  'GaussianDropout',
]);

/**
 * A mined layer: its name, its index in the model's layer graph (execution order), and its output's height, width
 * and channels (1×1 for a layer without spatial axes).
 *
 * @example
 * ```ts
 * const [first] = conceptLayers(lrp.graph, ['conv3']); // { name: 'conv3', index: 4, height: 8, width: 8, channels: 32 }
 * ```
 */
export interface ConceptLayer {
  /** The layer's name. */
  name: string;
  /** Its 0-based index in the layer graph. */
  index: number;
  /** Output height (1 for a dense layer). */
  height: number;
  /** Output width (1 for a dense layer). */
  width: number;
  /** Output channels: the concepts of the layer. */
  channels: number;
}

/**
 * The layers mined by default: the last convolution of every convolution block, that is each Conv2D (depthwise,
 * separable) whose output goes, through element-wise layers only (activations, BatchNorm, dropout), into a pooling
 * layer, a global pooling or a Flatten. For the zoo's demo CNN: conv1, conv2, conv3; for VGG16: block1_conv2,
 * block2_conv3, …, block5_conv3.
 *
 * @param graph - the model's layer graph (`readGraph(model)` from `@xai-ts/canonize`, or `lrp.graph`)
 * @returns layer names, in execution order
 * @throws {@link ConceptLayerError} when the model has no such convolution (name the layers to mine instead)
 * @example
 * ```ts
 * defaultConceptLayers(readGraph(await loadDemoModel())); // ['conv1', 'conv2', 'conv3']
 * ```
 */
export function defaultConceptLayers(graph: LayerGraph): string[] {
  const out: string[] = [];
  for (const node of graph.nodes) {
    if (!CONVS.has(node.className)) continue;
    let at = node.index;
    for (;;) {
      const next = graph.consumers[at] ?? [];
      if (next.length !== 1) break;
      const consumer = graph.nodes[next[0]!]!;
      if (BLOCK_ENDS.has(consumer.className)) {
        out.push(node.name);
        break;
      }
      if (!ELEMENTWISE.has(consumer.className)) break;
      at = consumer.index;
    }
  }
  if (out.length === 0)
    throw new ConceptLayerError(
      `the model has no convolution followed by a pooling layer or Flatten, so there are no default layers to mine; name them (layers: [...]) from ${graph.nodes.map((n) => `"${n.name}" (${n.className})`).join(', ')}`,
    );
  return out;
}

/**
 * Resolves layer names against the graph and reads their output geometry.
 *
 * @throws {@link ConceptLayerError} for an unknown name, a duplicate, or an output that is neither `[h, w, c]` nor `[c]`
 * @example
 * ```ts
 * conceptLayers(readGraph(model), ['conv2', 'fc1']); // conv2: 16×16×32; fc1: 1×1×64
 * ```
 */
export function conceptLayers(graph: LayerGraph, names: readonly string[]): ConceptLayer[] {
  if (names.length === 0) throw new ConceptLayerError('give at least one layer to mine');
  const seen = new Set<string>();
  return names.map((name) => {
    if (seen.has(name)) throw new ConceptLayerError(`layer "${name}" is named twice`);
    seen.add(name);
    const node = graph.nodes.find((n) => n.name === name);
    if (!node)
      throw new ConceptLayerError(
        `the model has no layer named "${name}"; its layers are ${graph.nodes.map((n) => n.name).join(', ')}`,
      );
    const shape = node.layer.outputShape as (number | null)[];
    const dims = shape.slice(1);
    if (dims.some((d) => typeof d !== 'number' || d < 1) || (dims.length !== 3 && dims.length !== 1))
      throw new ConceptLayerError(
        `layer "${name}" has output shape [${shape.map((d) => d ?? 'null')}]; concepts are mined at layers with an output [batch, height, width, channels] or [batch, units] of fixed size`,
      );
    const [height, width, channels] = (dims.length === 3 ? dims : [1, 1, dims[0]]) as number[];
    return { name, index: node.index, height: height!, width: width!, channels: channels! };
  });
}
