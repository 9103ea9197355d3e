import * as tf from '@tensorflow/tfjs';
import { FeatureSelectionError, formatShape, type OutputSelector } from '@xai-ts/base';
import type { BackwardResult, ForwardPass, LRP } from '@xai-ts/lrp';
import { ancestors } from './layers.js';

/** One conditioned layer of a row: the features kept at the layer's output. */
export interface ConditionStep {
  /** The layer's index in the analyzer's layer list. */
  readonly layer: number;
  /** The kept feature ids (last axis of the layer's output). */
  readonly ids: readonly number[];
}

/**
 * One map to compute: a sample of the batch and its conditions, highest layer (latest in execution order) first,
 * each lower layer an ancestor of the one before.
 */
export interface ConditionalRow {
  readonly sample: number;
  readonly steps: readonly ConditionStep[];
}

/** The unconditioned part of a call: forward pass, selected outputs and the full LRP backward pass. */
export interface UpperPass {
  readonly pass: ForwardPass;
  readonly selection: number[];
  readonly back: BackwardResult;
}

/**
 * Runs the forward pass and the ordinary LRP backward pass once for the whole batch, down to `stopAt` (the lowest
 * layer whose relevance the conditions read; layers below it are not visited). Call it inside `tf.tidy`.
 */
export function upperPass(lrp: LRP, input: tf.Tensor, selector: OutputSelector, stopAt = -1): UpperPass {
  const pass = lrp.forward(input);
  const selection = selector.select(pass.output);
  // graph.output is a layer here: a model without layers has no concept layer, which the constructors refused.
  const seed = lrp.outputRelevance(pass.output, selection, selector);
  const back = lrp.backward(pass, new Map([[lrp.engine.outputIndex, seed]]), { stopAt });
  return { pass, selection, back };
}

/** The relevance at a layer's output in a backward pass, zeros where none arrived. */
export function relevanceAt(back: BackwardResult, pass: ForwardPass, layer: number): tf.Tensor {
  return back.layers[layer] ?? tf.zerosLike(pass.outputs[layer]!);
}

/** What {@link conditionalBackward} computes. */
export interface ConditionalResult {
  /** The conditional relevance at the input, one map per row: `[rows, ...input dims]`. */
  readonly relevance: tf.Tensor;
  /** Per row and step, the relevance kept by that step's mask (summed over every axis but the batch axis). */
  readonly kept: readonly (readonly number[])[];
}

/**
 * The conditional backward passes. The relevance at the highest conditioned layer's output is taken from `upper`
 * (computed once for the batch), masked per row, and propagated from there as the only seed: relevance that
 * reached lower layers around the conditioned layer (skip paths) is dropped. Each lower conditioned layer masks
 * what arrives at its output and restarts the pass from there. Rows with the same conditioned layers go together,
 * `batchSize` at a time, with the forward pass's tensors gathered per row. Call it inside `tf.tidy`.
 */
export function conditionalBackward(
  lrp: LRP,
  upper: UpperPass,
  rows: readonly ConditionalRow[],
  batchSize: number,
): ConditionalResult {
  const { pass, back } = upper;
  // Stable order by conditioned layers, so that a chunk shares one sequence of passes.
  const key = (r: ConditionalRow) => r.steps.map((s) => s.layer).join(',');
  const order = rows.map((_, i) => i).sort((a, b) => compare(key(rows[a]!), key(rows[b]!)) || a - b);
  const kept: number[][] = rows.map(() => []);
  const parts: tf.Tensor[] = [];
  const needed = new Map<number, Set<number>>();
  for (const row of rows) {
    const top = row.steps[0]!.layer;
    if (!needed.has(top)) needed.set(top, new Set([top, ...ancestors(lrp, top)]));
  }
  // The rules' denominators depend on the forward pass only: computed once for the batch, gathered per row, so a
  // conditional pass costs the vector-Jacobian products alone.
  const denominators = lrp.denominators(pass, new Set([...needed.values()].flatMap((set) => [...set])));
  const cached: ForwardPass = { ...pass, denominators };
  for (let start = 0; start < order.length; ) {
    const sig = key(rows[order[start]!]!);
    let end = start + 1;
    while (end < order.length && end - start < batchSize && key(rows[order[end]!]!) === sig) end++;
    const chunk = order.slice(start, end).map((i) => rows[i]!);
    const steps = chunk[0]!.steps;
    const top = steps[0]!.layer;
    const sums: number[][] = [];
    parts.push(
      tf.tidy(() => {
        const samples = chunk.map((r) => r.sample);
        const sub = gatherPass(cached, samples, needed.get(top)!);
        let result: BackwardResult | undefined;
        steps.forEach((step, j) => {
          const arriving = result
            ? relevanceAt(result, sub, step.layer)
            : takeRows(relevanceAt(back, pass, step.layer), samples);
          const seed = applyMask(
            arriving,
            chunk.map((r) => r.steps[j]!.ids),
            lrp.layers[step.layer]!.name,
          );
          sums.push(Array.from(seed.reshape([chunk.length, -1]).sum(1).dataSync()));
          // Only the next conditioned layer's relevance is read back, and the chunk's gathered tensors are its own.
          const next = steps[j + 1]?.layer ?? -1;
          result = lrp.backward(sub, new Map([[step.layer, seed]]), {
            keepLayers: false,
            stopAt: next,
            release: true,
          });
        });
        return result!.inputs[0]!;
      }),
    );
    chunk.forEach((_, r) => {
      kept[order[start + r]!] = sums.map((s) => s[r]!);
    });
    start = end;
  }
  const stacked = parts.length === 1 ? parts[0]! : tf.concat(parts, 0);
  const identity = order.every((i, k) => i === k);
  if (identity) return { relevance: stacked, kept };
  const inverse = new Int32Array(order.length);
  order.forEach((row, position) => {
    inverse[row] = position;
  });
  return { relevance: takeRows(stacked, Array.from(inverse)), kept };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The forward pass of the chunk's samples. Only the layers the conditional pass can visit (the top conditioned
 * layer and its ancestors) are gathered; LRP's backward pass never reads the others, which keep the batch's tensors.
 */
function gatherPass(pass: ForwardPass, samples: readonly number[], needed: ReadonlySet<number>): ForwardPass {
  return {
    inputs: pass.inputs.map((t) => takeRows(t, samples)),
    outputs: pass.outputs.map((t, i) => (needed.has(i) ? takeRows(t, samples) : t)),
    preactivations: pass.preactivations.map((t, i) => (t && needed.has(i) ? takeRows(t, samples) : t)),
    output: pass.output,
    ...(pass.denominators
      ? {
          denominators: pass.denominators.map((ds, i) =>
            ds && needed.has(i) ? ds.map((d) => takeRows(d, samples)) : undefined,
          ),
        }
      : {}),
  };
}

/** Keeps, per row, only the listed features (last axis) of `relevance`, at every other position. */
function applyMask(relevance: tf.Tensor, ids: readonly (readonly number[])[], layer: string): tf.Tensor {
  if (relevance.rank < 2)
    throw new FeatureSelectionError(
      `layer "${layer}" outputs relevance of shape ${formatShape(relevance.shape)}, which has no feature axis to condition on`,
    );
  const features = relevance.shape[relevance.rank - 1]!;
  const mask = new Float32Array(ids.length * features);
  ids.forEach((row, r) => {
    for (const id of row) {
      if (!Number.isInteger(id) || id < 0 || id >= features)
        throw new FeatureSelectionError(
          `feature id ${id} is out of range for layer "${layer}": it has ${features} features (0..${features - 1})`,
        );
      mask[r * features + id] = 1;
    }
  });
  const shape = [ids.length, ...new Array<number>(relevance.rank - 2).fill(1), features];
  return tf.mul(relevance, tf.tensor(mask, shape));
}

/**
 * `tf.gather(t, rows)` on the batch axis, built from slices and one concatenation: TF.js 4.22's wasm backend
 * gathers and tiles element by element (VGG16, CRP with 8 features of block4_conv3: gathers took 21 s of a 50 s call,
 * tiles 38 s), while it concatenates by blocks; the rows of a chunk are runs of one sample repeated or of
 * consecutive samples.
 */
export function takeRows(t: tf.Tensor, rows: readonly number[]): tf.Tensor {
  return tf.tidy(() => {
    const parts: tf.Tensor[] = [];
    const begin = new Array<number>(t.rank - 1).fill(0);
    const rest = t.shape.slice(1);
    for (let i = 0; i < rows.length; ) {
      const first = rows[i]!;
      let j = i + 1;
      if (rows[j] === first) {
        while (rows[j] === first) j++;
        const row = tf.slice(t, [first, ...begin], [1, ...rest]);
        for (let k = i; k < j; k++) parts.push(row);
      } else {
        while (j < rows.length && rows[j] === rows[j - 1]! + 1 && rows[j + 1] !== rows[j]) j++;
        parts.push(j - i === t.shape[0] ? t.clone() : tf.slice(t, [first, ...begin], [j - i, ...rest]));
      }
      i = j;
    }
    return parts.length === 1 ? parts[0]! : tf.concat(parts, 0);
  });
}
