import type * as tf from '@tensorflow/tfjs';
import type { LayerRef, LRP } from '@xai-ts/lrp';
import { ConceptLayerError, CRPOptionError } from './errors.js';

/**
 * The default number of feature maps propagated together below the concept layer.
 *
 * @example
 * ```ts
 * new CRP(lrp, 'conv2d_2', new TopNFeatures(4), { batchSize: 4 * DEFAULT_BATCH_SIZE });
 * ```
 */
export const DEFAULT_BATCH_SIZE = 16;

function layerList(lrp: LRP): string {
  return lrp.layers.map((l) => `${l.index} "${l.name}" (${l.className})`).join(', ');
}

/** Resolves a layer name or index against the analyzer's layer list. */
export function resolveLayer(lrp: LRP, ref: LayerRef, what: string): number {
  const count = lrp.layers.length;
  if (typeof ref === 'number') {
    if (!Number.isInteger(ref) || ref < 0 || ref >= count)
      throw new ConceptLayerError(
        `${what}: layer index ${ref} is out of range; the analyzer has ${count} layers, 0..${count - 1}: ${layerList(lrp)}`,
      );
    return ref;
  }
  if (typeof ref !== 'string')
    throw new ConceptLayerError(
      `${what}: a layer is named by a string or a 0-based index, got ${String(ref)}`,
    );
  const found = lrp.layers.find((l) => l.name === ref);
  if (!found) {
    const hint =
      ref === 'y'
        ? ' (the explained output is chosen by the selection argument of analyze(), not by a condition)'
        : '';
    throw new ConceptLayerError(
      `${what}: the model has no layer named "${ref}"${hint}; its layers are ${layerList(lrp)}`,
    );
  }
  return found.index;
}

/** The number of features (last axis of the output) of a layer, or undefined when the model leaves it free. */
export function featureCount(lrp: LRP, layer: number): number | undefined {
  let shape: tf.layers.Layer['outputShape'];
  try {
    shape = lrp.graph.nodes[layer]!.layer.outputShape;
  } catch {
    return undefined; // a layer called on inputs of several shapes: checked on the relevance instead
  }
  const last = Array.isArray(shape[0]) ? undefined : (shape as (number | null)[]).at(-1);
  return typeof last === 'number' && last > 0 ? last : undefined;
}

/** The layers whose outputs feed `layer`, directly or through other layers (the layer itself excluded). */
export function ancestors(lrp: LRP, layer: number): Set<number> {
  const seen = new Set<number>();
  const stack = [layer];
  while (stack.length > 0) {
    for (const source of lrp.graph.nodes[stack.pop()!]!.inputs)
      if (source.kind === 'layer' && !seen.has(source.index)) {
        seen.add(source.index);
        stack.push(source.index);
      }
  }
  return seen;
}

/** Checks the `batchSize` option: a positive integer, default {@link DEFAULT_BATCH_SIZE}. */
export function checkBatchSize(batchSize: unknown): number {
  if (batchSize === undefined) return DEFAULT_BATCH_SIZE;
  if (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize < 1)
    throw new CRPOptionError(
      `batchSize must be a positive integer (the number of feature maps propagated together), got ${String(batchSize)}`,
    );
  return batchSize;
}
