import * as tf from '@tensorflow/tfjs';
import type { LRP } from '@xai-ts/lrp';
import { ConceptLayerError, ConceptOptionError } from './errors.js';
import { defaultConceptLayers } from './layers.js';

/**
 * A concept's attribution graph on one sample (zennit-crp's attribution graph), as JSON: nodes are channels of
 * layers (id `${layer}:${channel}`) with the relevance they carry, edges say how much of an upper node's relevance
 * reaches a lower channel.
 *
 * @example
 * ```ts
 * const g: ConceptGraph = attributionGraph(lrp, x, { layer: 'conv3', channel: 7 });
 * g.edges.filter((e) => e.from === 'conv3:7'); // its strongest conv2 channels
 * ```
 */
export interface ConceptGraph {
  /** The concept's layer. */
  layer: string;
  /** The concept's channel. */
  channel: number;
  /** The class whose relevance was propagated. */
  explained: number;
  /** The concept first, then each level's chosen channels. */
  nodes: { id: string; layer: string; channel: number; relevance: number }[];
  /** `from` an upper node `to` a lower one, weighted by the relevance that flows between them. */
  edges: { from: string; to: string; weight: number }[];
}

/**
 * Options of {@link attributionGraph}.
 *
 * @example
 * ```ts
 * const options: GraphOptions = { layer: 'conv3', channel: 7, depth: 2, width: 3 };
 * ```
 */
export interface GraphOptions {
  /** The concept's layer. */
  layer: string;
  /** The concept's channel. */
  channel: number;
  /** The lower layers, one per level, highest first (default: the default concept layers below `layer`). */
  below?: readonly string[];
  /** How many levels to go down (default 2; at most the number of lower layers). */
  depth?: number;
  /** How many channels each node keeps at the next level: those carrying the most of its relevance (default 3). */
  width?: number;
  /** The explained class (default: the predicted one). */
  target?: number;
}

/**
 * Which lower-layer channels a concept is built from on a sample. The concept's relevance `R` (LRP from the
 * explained class down to `layer`, channel `channel`) is propagated alone to the next lower layer (CRP conditioned
 * on the concept); there the `width` channels that receive the most of it become its children, each edge weighted
 * by the relevance the child receives (CRP conditioned on both: the upper channel kept above, the lower channel's
 * sum read below). Each child's relevance is what it receives from all its parents (relevance is linear, so that is
 * CRP conditioned on the set of parents), and it is propagated on, alone, to choose the next level. Ties go to the
 * lower channel index. Edge weights out of a node sum to at most its relevance under conservative rules.
 *
 * @param lrp - the LRP analyzer (rules, output normalisation)
 * @param input - one sample, `[1, ...inputShape]`
 * @param options - see {@link GraphOptions}
 * @throws {@link ConceptLayerError} for an unknown layer or a lower layer that is not below the concept
 * @throws {@link ConceptOptionError} for a channel, depth or width out of range
 * @example
 * ```ts
 * const lrp = new LRP(model, new EpsilonPlusFlat());
 * const g = attributionGraph(lrp, x, { layer: 'conv3', channel: 7, depth: 2, width: 3 });
 * console.log(JSON.stringify(g));
 * ```
 */
export function attributionGraph(lrp: LRP, input: tf.Tensor, options: GraphOptions): ConceptGraph {
  if (input.shape[0] !== 1)
    throw new ConceptOptionError(
      `attributionGraph explains one sample: input of shape [1, ...], got [${input.shape}]`,
    );
  const index = (name: string) => {
    const l = lrp.layers.find((x) => x.name === name);
    if (!l)
      throw new ConceptLayerError(
        `the model has no layer named "${name}"; its layers are ${lrp.layers.map((x) => x.name).join(', ')}`,
      );
    return l.index;
  };
  const top = index(options.layer);
  const below =
    options.below ??
    defaultConceptLayers(lrp.graph)
      .filter((name) => index(name) < top)
      .reverse();
  const depth = options.depth ?? 2;
  const width = options.width ?? 3;
  if (!Number.isInteger(depth) || depth < 0)
    throw new ConceptOptionError(`depth must be an integer ≥ 0, got ${depth}`);
  if (!Number.isInteger(width) || width < 1)
    throw new ConceptOptionError(`width must be a positive integer, got ${width}`);
  const chain = [top, ...below.slice(0, depth).map(index)];
  chain.forEach((l, k) => {
    if (k > 0 && l >= chain[k - 1]!)
      throw new ConceptLayerError(
        `lower layers must come below each other: "${lrp.layers[l]!.name}" is not below "${lrp.layers[chain[k - 1]!]!.name}"`,
      );
  });
  let explained = 0;
  const nodes: ConceptGraph['nodes'] = [];
  const edges: ConceptGraph['edges'] = [];
  tf.tidy(() => {
    const pass = lrp.forward(input);
    const classes = pass.output.shape.at(-1)!;
    explained = options.target ?? pass.output.argMax(-1).dataSync()[0]!;
    if (!Number.isInteger(explained) || explained < 0 || explained >= classes)
      throw new ConceptOptionError(`target ${explained} is out of range: the model has ${classes} outputs`);
    const seed = lrp.outputRelevance(pass.output, [explained]);
    const back = lrp.backward(pass, new Map([[lrp.engine.outputIndex, seed]]), {
      stopAt: top,
      keepLayers: true,
    });
    const arrived = back.layers[top] ?? tf.zerosLike(pass.outputs[top]!);
    const channels = arrived.shape.at(-1)!;
    if (!Number.isInteger(options.channel) || options.channel < 0 || options.channel >= channels)
      throw new ConceptOptionError(
        `channel ${options.channel} is out of range: layer "${options.layer}" has ${channels} channels`,
      );
    const id = (layer: number, c: number) => `${lrp.layers[layer]!.name}:${c}`;
    // per node of the current level: the relevance that arrived at its layer under its parents' conditions
    let level = new Map<number, { relevance: tf.Tensor; value: number }>([
      [options.channel, { relevance: arrived, value: channelSums(arrived)[options.channel]! }],
    ]);
    nodes.push({
      id: id(top, options.channel),
      layer: options.layer,
      channel: options.channel,
      relevance: level.get(options.channel)!.value,
    });
    for (let k = 1; k < chain.length; k++) {
      const [upper, lower] = [chain[k - 1]!, chain[k]!];
      const next = new Map<number, { relevance: tf.Tensor; value: number }>();
      for (const [c, node] of level) {
        const seedAt = mask(node.relevance, c);
        const res = lrp.backward(pass, new Map([[upper, seedAt]]), { stopAt: lower, keepLayers: true });
        const got = res.layers[lower] ?? tf.zerosLike(pass.outputs[lower]!);
        const sums = channelSums(got);
        const chosen = sums
          .map((v, d) => ({ v, d }))
          .sort((a, b) => b.v - a.v || a.d - b.d)
          .slice(0, width);
        for (const { v, d } of chosen) {
          edges.push({ from: id(upper, c), to: id(lower, d), weight: v });
          const part = mask(got, d);
          const prev = next.get(d);
          next.set(
            d,
            prev
              ? { relevance: prev.relevance.add(part), value: prev.value + v }
              : { relevance: part, value: v },
          );
        }
      }
      for (const [d, node] of [...next].sort((a, b) => a[0] - b[0]))
        nodes.push({ id: id(lower, d), layer: lrp.layers[lower]!.name, channel: d, relevance: node.value });
      level = next;
    }
  });
  return { layer: options.layer, channel: options.channel, explained, nodes, edges };
}

/**
 * A concept's CRP heatmap: the relevance at the input when only channel `channel` of `layer` keeps its relevance
 * (summed over the input's channels), the mask of zennit-crp's masked reference crops.
 *
 * @param lrp - the LRP analyzer
 * @param input - one sample, `[1, ...inputShape]`; not disposed
 * @param layer - the concept's layer
 * @param channel - the concept's channel
 * @param target - the explained class (default: the predicted one)
 * @returns `[height, width]`; dispose it
 * @example
 * ```ts
 * const map = conceptHeatmap(lrp, x, 'conv3', 7);
 * const masked = cropToBox(x, box, map.relu().div(map.max()));
 * ```
 */
export function conceptHeatmap(
  lrp: LRP,
  input: tf.Tensor,
  layer: string,
  channel: number,
  target?: number,
): tf.Tensor2D {
  const l = lrp.layers.find((x) => x.name === layer);
  if (!l) throw new ConceptLayerError(`the model has no layer named "${layer}"`);
  return tf.tidy(() => {
    const pass = lrp.forward(input);
    const cls = target ?? pass.output.argMax(-1).dataSync()[0]!;
    const seed = lrp.outputRelevance(pass.output, [cls]);
    const back = lrp.backward(pass, new Map([[lrp.engine.outputIndex, seed]]), {
      stopAt: l.index,
      keepLayers: true,
    });
    const arrived = back.layers[l.index] ?? tf.zerosLike(pass.outputs[l.index]!);
    const res = lrp.backward(pass, new Map([[l.index, mask(arrived, channel)]]));
    const r = res.inputs[0]!;
    return r.sum(-1).squeeze([0]) as tf.Tensor2D;
  });
}

function mask(relevance: tf.Tensor, channel: number): tf.Tensor {
  const channels = relevance.shape.at(-1)!;
  return relevance.mul(tf.oneHot([channel], channels).reshape([channels]).toFloat());
}

function channelSums(relevance: tf.Tensor): number[] {
  const channels = relevance.shape.at(-1)!;
  return Array.from(relevance.reshape([-1, channels]).sum(0).dataSync());
}
