import * as tf from '@tensorflow/tfjs';
import {
  type AnalyzeOptions,
  type Analyzer,
  Explanation,
  formatShape,
  InputShapeError,
  type OutputSelector,
  outputRelevance,
  outputsPerSample,
} from '@xai-ts/base';
import type { LayerGraph, LayerNode } from '@xai-ts/canonize';
import type { Engine } from '@xai-ts/engine';
import { GradCAMLayerError } from './errors.js';
import { gradientEngine, modelInputShape } from './gradient.js';

/** Options of {@link GradCAM}. */
export interface GradCAMOptions {
  /**
   * The feature layer: its name, or its 0-based index among the model's layers in execution order, InputLayers
   * left out and nested models spliced in (the same numbering as LRP composites). Its output must be
   * `[batch, height, width, channels]`; usually the last convolution or its activation.
   */
  layer: string | number;
}

/** What a Grad-CAM explanation carries in `extras`. */
export type GradCAMExtras = {
  /** The map at the feature layer's resolution, `[batch, h, w, 1]`, before upsampling. */
  cam: tf.Tensor;
  /** The channel weights α, `[batch, channels]`: the spatial mean of the selected output's gradient. */
  channelWeights: tf.Tensor;
  /** The feature layer's name. */
  layer: string;
  /** The feature layer's index in execution order. */
  layerIndex: number;
};

/**
 * Grad-CAM (Selvaraju et al. 2017; ExplainableAI.jl's `GradCAM`): with `A` the feature layer's output and `c` the
 * selected output, `α_k = mean_ij ∂f_c/∂A_ijk` and `cam = ReLU(Σ_k α_k A_k)`. The map is upsampled bilinearly
 * (half-pixel centres) to the input's height and width: `val` is `[batch, H, W, 1]`; the low-resolution map and
 * the weights are kept in `extras`. Heatmap preset: `cam`.
 *
 * @example
 * ```ts
 * const expl = analyze(x, new GradCAM(model, { layer: 'block5_conv3' })) as Explanation<GradCAMExtras>;
 * expl.val.shape;        // [1, 224, 224, 1]
 * expl.extras.cam.shape; // [1, 14, 14, 1], before upsampling
 * ```
 */
export class GradCAM implements Analyzer {
  /** The analyzer's name. */
  readonly name: string = 'GradCAM';
  /** The model's input shape, batch axis included. */
  readonly inputShape: readonly (number | null)[];
  /** The explained model. */
  readonly model: tf.LayersModel;
  /** The feature layer's name. */
  readonly layer: string;
  /** The feature layer's index in execution order. */
  readonly layerIndex: number;
  /** The engine whose vector-Jacobian products carry the gradient down to the feature layer. */
  readonly engine: Engine;

  /**
   * @param model - a model with one image input `[batch, H, W, C]` and one output
   * @param options - `layer`: the feature layer's name or index
   * @throws {@link GradCAMLayerError} for an unknown layer name, an index out of range, or a layer without spatial axes
   */
  constructor(model: tf.LayersModel, options: GradCAMOptions) {
    this.inputShape = modelInputShape(model, this.name);
    if (this.inputShape.length !== 4)
      throw new InputShapeError(
        `GradCAM needs an image model with input [batch, height, width, channels]; model "${model.name}" takes ${formatShape(this.inputShape)}`,
      );
    this.model = model;
    const engine = gradientEngine(model, this.name);
    const graph = engine.graph;
    let node: LayerNode;
    try {
      node = findLayer(graph, model.name, options?.layer);
    } catch (e) {
      engine.dispose();
      throw e;
    }
    const shape = node.layer.outputShape as (number | null)[];
    if (!Array.isArray(shape) || shape.length !== 4 || Array.isArray(shape[0])) {
      engine.dispose();
      const spatial = graph.nodes.filter((n) => (n.layer.outputShape as unknown[]).length === 4);
      throw new GradCAMLayerError(
        `GradCAM needs a feature layer with spatial axes, output [batch, height, width, channels]; layer "${node.name}" (${node.className}, index ${node.index}) outputs ${formatShape(shape.flat())}. ` +
          (spatial.length
            ? `Layers with spatial outputs: ${spatial.map((n) => `${n.index} "${n.name}"`).join(', ')}`
            : 'The model has no such layer'),
      );
    }
    this.engine = engine;
    this.layer = node.name;
    this.layerIndex = node.index;
  }

  /** Explains a batch; `analyze()` calls this. */
  explain(
    input: tf.Tensor,
    selector: OutputSelector,
    _options: AnalyzeOptions = {},
  ): Explanation<GradCAMExtras> {
    const engine = this.engine;
    const at = this.layerIndex;
    let selection: number[] = [];
    const result = tf.tidy(() => {
      const pass = engine.forward([input]);
      const output = pass.output;
      outputsPerSample(output);
      selection = selector.select(output);
      const mask = outputRelevance(selector, output, selection);
      const features = pass.outputs[at]!;
      // the explicit vector-Jacobian products of the layers above the feature layer, down to it
      const back = engine.backward(
        pass,
        new Map([[engine.outputIndex, mask]]),
        (i, s, p) => engine.vjp(i, p, s),
        {
          keepLayers: false,
          stopAt: at,
        },
      );
      const grad = back.layers[at] ?? tf.zerosLike(features);
      const channelWeights = tf.mean(grad, [1, 2]);
      const [n, , , k] = features.shape as [number, number, number, number];
      const cam = tf.relu(tf.sum(tf.mul(features, channelWeights.reshape([n, 1, 1, k])), -1, true));
      const size: [number, number] = [input.shape[1]!, input.shape[2]!];
      const val = tf.image.resizeBilinear(cam as tf.Tensor4D, size, false, true);
      return { val, cam, channelWeights, output: tf.clone(output) };
    });
    return new Explanation<GradCAMExtras>({
      val: result.val,
      input,
      output: result.output,
      outputSelection: selection,
      analyzer: this.name,
      heatmap: 'cam',
      extras: { cam: result.cam, channelWeights: result.channelWeights, layer: this.layer, layerIndex: at },
    });
  }

  /** Frees what the engine precomputed (flipped kernels); the model's weights stay. */
  dispose(): void {
    this.engine.dispose();
  }
}

function findLayer(graph: LayerGraph, modelName: string, layer: string | number | undefined): LayerNode {
  const listing = (): string => graph.nodes.map((n) => `${n.index} "${n.name}" (${n.className})`).join(', ');
  if (typeof layer === 'number') {
    if (!Number.isInteger(layer) || layer < 0 || layer >= graph.nodes.length)
      throw new GradCAMLayerError(
        `GradCAM: layer index ${layer} is out of range: model "${modelName}" has ${graph.nodes.length} layers (0-based, InputLayers left out, nested models spliced in): ${listing()}`,
      );
    return graph.nodes[layer]!;
  }
  if (typeof layer !== 'string')
    throw new GradCAMLayerError(
      `GradCAM needs { layer }: the feature layer's name or index; model "${modelName}" has the layers ${listing()}`,
    );
  const matches = graph.nodes.filter((n) => n.name === layer);
  if (matches.length === 0)
    throw new GradCAMLayerError(
      `GradCAM: model "${modelName}" has no layer "${layer}"; its layers are ${listing()}`,
    );
  if (matches.length > 1)
    throw new GradCAMLayerError(
      `GradCAM: layer name "${layer}" is ambiguous in model "${modelName}" (indices ${matches.map((n) => n.index).join(', ')}, in nested models ${matches.map((n) => n.path.join('/') || '(top)').join(', ')}); pass the index instead`,
    );
  return matches[0]!;
}
