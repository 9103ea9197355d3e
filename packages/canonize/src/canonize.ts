import * as tf from '@tensorflow/tfjs';
import { FOLD_TARGETS, foldWeights } from './fold.js';
import { type LayerGraph, type LayerNode, readGraph } from './graph.js';
import { type NodeChange, rebuild } from './rebuild.js';

/**
 * Why a BatchNormalization was left in the model.
 *
 * @example
 * ```ts
 * const { kept } = canonizeWithReport(model);
 * if (kept.some((k) => k.code === 'activation')) console.warn('a BatchNorm follows a ReLU; LRP gives it PassRule');
 * ```
 */
export type KeptCode =
  /** It normalizes a model input: there is no layer before it. */
  | 'input'
  /** The layer before it is not a Dense or convolution (or is another BatchNorm that stayed). */
  | 'not-foldable'
  /** The layer before it has a non-linear activation: the BatchNorm acts on activations, not on a linear map. */
  | 'activation'
  /** The layer before it also feeds other layers, which must keep seeing the un-normalized values. */
  | 'fan-out'
  /** It normalizes another axis than the last, or the layer before it does not put its output channels last. */
  | 'axis';

/**
 * A BatchNormalization folded into the layer before it.
 *
 * @example
 * ```ts
 * canonizeWithReport(model).folded; // [{ batchNorm: 'batch_normalization_1', into: 'conv2d_1' }, ...]
 * ```
 */
export interface FoldedBatchNorm {
  /** The name of the BatchNormalization, gone from the canonized model. */
  readonly batchNorm: string;
  /** The name of the layer that absorbed it (same name in the canonized model). */
  readonly into: string;
}

/**
 * A BatchNormalization that stays in the canonized model.
 *
 * @example
 * ```ts
 * canonizeWithReport(model).kept;
 * // [{ layer: 'bn_3', code: 'activation',
 * //    reason: "it follows \"conv_3\" (Conv2D) with activation 'relu'; only a linear layer can absorb it" }]
 * ```
 */
export interface KeptBatchNorm {
  /** The layer's name. */
  readonly layer: string;
  /** Why it could not be folded, as a code. */
  readonly code: KeptCode;
  /** Why it could not be folded, in words that name the layers involved. */
  readonly reason: string;
}

/**
 * What {@link canonizeWithReport} returns: the canonized model, and what it folded and kept.
 *
 * @example
 * ```ts
 * const report: CanonizeReport = canonizeWithReport(model);
 * console.log(`${report.folded.length} folded, ${report.kept.length} kept`);
 * report.model.dispose();
 * ```
 */
export interface CanonizeReport {
  /** The new, flat, functional model. The caller owns it (`model.dispose()`). */
  readonly model: tf.LayersModel;
  /** Every BatchNormalization that was folded, in execution order. */
  readonly folded: readonly FoldedBatchNorm[];
  /** Every BatchNormalization that stays, in execution order, with the reason. */
  readonly kept: readonly KeptBatchNorm[];
}

/**
 * Like {@link canonize}, and also reports which BatchNormalizations were folded into which layer and which stayed
 * and why.
 *
 * @throws {@link ModelGraphError} for a model readGraph cannot read (shared layers, several outputs)
 * @throws {@link ModelRebuildError} for a layer that cannot be recreated from its config
 *
 * @example
 * ```ts
 * const { model: canonical, folded, kept } = canonizeWithReport(model);
 * for (const f of folded) console.log(`${f.batchNorm} folded into ${f.into}`);
 * for (const k of kept) console.warn(`${k.layer} kept: ${k.reason}`);
 * ```
 */
export function canonizeWithReport(model: tf.LayersModel): CanonizeReport {
  const graph = readGraph(model);
  const alias = new Map<number, number>(); // folded BatchNorm → the layer that absorbed it
  const consumers = graph.consumers.map((c) => [...c]);
  const weights = new Map<number, tf.Tensor[]>(); // folded weights so far, per absorbing layer
  const folded: FoldedBatchNorm[] = [];
  const kept: KeptBatchNorm[] = [];
  const resolve = (i: number): number => {
    let j = i;
    for (let next = alias.get(j); next !== undefined; next = alias.get(j)) j = next;
    return j;
  };

  try {
    for (const node of graph.nodes) {
      if (node.className !== 'BatchNormalization') continue;
      const source = node.inputs[0];
      if (!source || source.kind === 'input') {
        kept.push({
          layer: node.name,
          code: 'input',
          reason: 'it normalizes a model input; no layer comes before it',
        });
        continue;
      }
      const producer = graph.nodes[resolve(source.index)]!;
      const obstacle = foldObstacle(graph, node, producer, consumers[producer.index]!);
      if (obstacle) {
        kept.push({ layer: node.name, ...obstacle });
        continue;
      }
      const current = weights.get(producer.index);
      const next = foldWeights(
        producer.className,
        current ?? producer.layer.getWeights(),
        current !== undefined || producer.layer.getConfig().useBias !== false,
        node.layer,
      );
      if (current) tf.dispose(current);
      weights.set(producer.index, next);
      alias.set(node.index, producer.index);
      consumers[producer.index] = consumers[node.index]!;
      folded.push({ batchNorm: node.name, into: producer.name });
    }
    const change = new Map<number, NodeChange>(
      [...weights].map(([i, w]) => [i, { config: { useBias: true }, weights: w }]),
    );
    return { model: rebuild(model, graph, { bypass: new Set(alias.keys()), change }), folded, kept };
  } finally {
    for (const w of weights.values()) tf.dispose(w);
  }
}

/**
 * Folds every BatchNormalization into the layer before it, RelevancePropagation.jl's `canonize`: LRP rules act on
 * the weights of Dense and convolution layers, and a BatchNorm between them is an affine map they would not see.
 *
 * A BatchNormalization over the output channels of a Dense, Conv1D, Conv2D, DepthwiseConv2D,
 * SeparableConv2D or Conv2DTranspose with linear activation, whose only consumer it is, disappears and that layer
 * gets `W' = W · scale` (per output channel) and `b' = (b − movingMean) · scale + beta`, with
 * `scale = gamma / sqrt(movingVariance + epsilon)` (epsilon included, so the function is unchanged; LRP.jl drops it).
 * Only a BatchNorm over the last axis folds, after a layer whose output channels are last (channelsLast).
 * A layer without bias gets one. Chains of BatchNorms fold one after the other. Every other BatchNorm stays (see
 * {@link canonizeWithReport} for which and why).
 *
 * Returns a **new** flat functional model (nested models spliced, layer names kept, weight constraints dropped);
 * the original is untouched and shares no tensor with it. The caller owns the result. Canonizing twice folds nothing
 * more.
 *
 * @throws {@link ModelGraphError} for a model readGraph cannot read (shared layers, several outputs)
 * @throws {@link ModelRebuildError} for a layer that cannot be recreated from its config
 *
 * @example
 * ```ts
 * const canonical = canonize(model); // conv → BN → relu becomes conv' → relu
 * const analyzer = new LRP(canonical, new EpsilonPlusFlat());
 * ```
 */
export function canonize(model: tf.LayersModel): tf.LayersModel {
  return canonizeWithReport(model).model;
}

function foldObstacle(
  graph: LayerGraph,
  bn: LayerNode,
  producer: LayerNode,
  producerConsumers: readonly number[],
): { code: KeptCode; reason: string } | undefined {
  const what = `"${producer.name}" (${producer.className})`;
  if (!FOLD_TARGETS.has(producer.className))
    return {
      code: 'not-foldable',
      reason:
        producer.className === 'BatchNormalization'
          ? `it follows BatchNormalization "${producer.name}", which was kept`
          : `it follows ${what}, which is not a Dense or convolution layer`,
    };
  const config = producer.layer.getConfig();
  const activation = config.activation ?? 'linear';
  if (activation !== 'linear')
    return {
      code: 'activation',
      reason: `it follows ${what} with activation '${String(activation)}'; only a linear layer can absorb it`,
    };
  if (producerConsumers.length !== 1) {
    const others = producerConsumers.filter((c) => c !== bn.index).map((c) => `"${graph.nodes[c]!.name}"`);
    return {
      code: 'fan-out',
      reason: `${what} also feeds ${others.join(', ') || 'it twice'}, which must keep seeing its un-normalized output`,
    };
  }
  // TF.js 4.22 computes a BatchNorm over any other axis than the last one wrongly, so only the last axis folds.
  const rank = outputRank(producer.layer);
  const raw = bn.layer.getConfig().axis ?? -1;
  if (raw !== -1 && raw !== rank - 1)
    return {
      code: 'axis',
      reason: `it normalizes axis ${JSON.stringify(raw)} of a rank-${rank} tensor; only a BatchNorm over the last axis is folded`,
    };
  if (producer.className !== 'Dense' && config.dataFormat === 'channelsFirst')
    return {
      code: 'axis',
      reason: `it normalizes the last axis, but ${what} is channelsFirst: its output channels are on axis 1`,
    };
  return undefined;
}

function outputRank(layer: tf.layers.Layer): number {
  const out = layer.getOutputAt(0);
  return (Array.isArray(out) ? out[0]! : out).shape.length;
}
