import * as tf from '@tensorflow/tfjs';
import { readGraph } from '@xai-ts/canonize';
import { type CompositeSpec, compositeFromSpec, LRP } from '@xai-ts/lrp';
import type { ConceptDataset } from './dataset.js';
import { ConceptOptionError, DatasetError } from './errors.js';
import { type ConceptLayer, conceptLayers, defaultConceptLayers } from './layers.js';
import {
  compareEntries,
  emptyFindings,
  type Findings,
  mergeFindings,
  observe,
  type TopEntry,
} from './topk.js';

/**
 * Which output a sample's relevance starts from: the class the model predicts for it (default), or its label
 * (samples without a label are then an error).
 *
 * @example
 * ```ts
 * const target: MiningTarget = 'label';
 * ```
 */
export type MiningTarget = 'predicted' | 'label';

/**
 * Options of {@link ConceptMiner} and {@link mine}.
 *
 * @example
 * ```ts
 * const options: MinerOptions = { layers: ['conv2', 'conv3'], top: 16, composite: { preset: 'EpsilonPlusFlat' } };
 * ```
 */
export interface MinerOptions {
  /** The layers to mine (default: {@link defaultConceptLayers}). */
  layers?: readonly string[];
  /** How many samples each channel's RelMax and ActMax lists keep (default 16). */
  top?: number;
  /** The LRP composite, as a spec so that workers can rebuild it (default `{ preset: 'EpsilonPlusFlat' }`). */
  composite?: CompositeSpec;
  /** The explained output (default `'predicted'`). */
  target?: MiningTarget;
  /** Samples per forward/backward pass (default 32); the findings do not depend on it beyond float rounding. */
  batchSize?: number;
}

/**
 * What mining a batch found, with each sample's predicted and explained class.
 *
 * @example
 * ```ts
 * const { findings, predicted } = miner.mineBatch(x, [0, 1, 2], [null, null, null]);
 * ```
 */
export interface BatchFindings {
  /** The channels' top lists and class statistics over the batch. */
  findings: Findings;
  /** Per sample, the class the model predicts (argmax of the output). */
  predicted: number[];
  /** Per sample, the class whose relevance was propagated. */
  explained: number[];
}

/**
 * Mines concepts (zennit-crp's RelMax and ActMax) batch by batch. For each sample and each channel `c` of a mined
 * layer it records:
 *
 * - the channel's **relevance**: the LRP relevance at the layer's output (from a one-hot of 1 at the explained
 *   class), restricted to channel `c` and summed over positions. This is exactly CRP's relevance of the concept
 *   `c` (`featureRelevance` of `@xai-ts/crp`): conditioning on `c` masks the relevance at the layer's output to
 *   channel `c`, and the layers above are not affected by the mask, so the masked relevance's sum is channel `c`'s
 *   slice of the ordinary LRP pass. One LRP pass per batch therefore gives every channel of every mined layer at
 *   once, where CRP would run one conditional pass per channel.
 * - its **activation**: the maximum of the layer's output over positions (zennit-crp's ActMax default,
 *   `max_target="max"`: a concept is as active as its most active unit).
 * - where each peaks: the position of the unit of largest relevance (RelMax) and of largest activation (ActMax),
 *   whose receptive field is the part of the sample the concept saw (see {@link receptiveField}).
 *
 * Per channel it keeps the `top` best samples by each value (value descending, ties by sample index ascending) and
 * per explained class the count, exact sum and max of the relevance. Results of batches and shards merge exactly
 * ({@link mergeFindings}).
 *
 * @example
 * ```ts
 * const miner = new ConceptMiner(await loadDemoModel(), { layers: ['conv2', 'conv3'], top: 16 });
 * const { findings } = miner.mineBatch(images, [0, 1, 2, 3], [null, null, null, null]);
 * miner.dispose();
 * ```
 */
export class ConceptMiner {
  /** The LRP analyzer the relevance comes from (owned: {@link ConceptMiner.dispose} frees it). */
  readonly lrp: LRP;
  /** The mined layers with their geometry. */
  readonly layers: readonly ConceptLayer[];
  /** Top list length. */
  readonly top: number;
  /** The explained output. */
  readonly target: MiningTarget;
  /** Samples per pass. */
  readonly batchSize: number;
  /** The composite's spec. */
  readonly composite: CompositeSpec;

  /**
   * @param model - the classifier (outputs logits; strip a final softmax first)
   * @param options - see {@link MinerOptions}
   * @throws {@link ConceptOptionError} for a bad `top`, `batchSize` or `target`
   * @throws {@link ConceptLayerError} for an unknown layer or one without channels
   */
  constructor(model: tf.LayersModel, options: MinerOptions = {}) {
    this.top = positive(options.top ?? 16, 'top');
    this.batchSize = positive(options.batchSize ?? 32, 'batchSize');
    this.target = options.target ?? 'predicted';
    if (this.target !== 'predicted' && this.target !== 'label')
      throw new ConceptOptionError(`target is 'predicted' or 'label', got ${String(this.target)}`);
    this.composite = options.composite ?? { preset: 'EpsilonPlusFlat' };
    const graph = readGraph(model);
    this.layers = conceptLayers(graph, options.layers ?? defaultConceptLayers(graph));
    this.lrp = new LRP(model, compositeFromSpec(this.composite));
  }

  /**
   * Mines one batch.
   *
   * @param input - `[batch, ...inputShape]`; not disposed
   * @param indices - each sample's index in the dataset (what the top lists record)
   * @param labels - each sample's label or null (read when the target is `'label'`)
   * @throws {@link DatasetError} when the target is `'label'` and a sample has none, or one is out of range
   */
  mineBatch(input: tf.Tensor, indices: readonly number[], labels: readonly (number | null)[]): BatchFindings {
    const batch = input.shape[0]!;
    if (indices.length !== batch || labels.length !== batch)
      throw new DatasetError(
        `a batch of ${batch} samples needs ${batch} indices and labels, got ${indices.length} and ${labels.length}`,
      );
    const lowest = Math.min(...this.layers.map((l) => l.index));
    let predicted: number[] = [];
    let explained: number[] = [];
    const read = tf.tidy(() => {
      const pass = this.lrp.forward(input);
      const classes = pass.output.shape[pass.output.rank - 1]!;
      predicted = Array.from(pass.output.argMax(-1).dataSync());
      explained =
        this.target === 'predicted' ? predicted : labels.map((l, n) => checkedLabel(l, indices[n]!, classes));
      const seed = this.lrp.outputRelevance(pass.output, explained);
      const back = this.lrp.backward(pass, new Map([[this.lrp.engine.outputIndex, seed]]), {
        stopAt: lowest,
        keepLayers: true,
      });
      return this.layers.map((l) => {
        const r = (back.layers[l.index] ?? tf.zerosLike(pass.outputs[l.index]!)).reshape([
          batch,
          -1,
          l.channels,
        ]);
        const a = pass.outputs[l.index]!.reshape([batch, -1, l.channels]);
        return {
          relevance: r.sum(1).dataSync() as Float32Array,
          relevanceAt: r.argMax(1).dataSync() as Int32Array,
          activation: a.max(1).dataSync() as Float32Array,
          activationAt: a.argMax(1).dataSync() as Int32Array,
        };
      });
    });
    const findings = emptyFindings(
      this.layers.map((l) => ({ name: l.name, channels: l.channels })),
      this.top,
    );
    this.layers.forEach((l, k) => {
      const r = read[k]!;
      const out = findings.layers[k]!;
      for (let c = 0; c < l.channels; c++) {
        const rel: TopEntry[] = [];
        const act: TopEntry[] = [];
        for (let n = 0; n < batch; n++) {
          const at = n * l.channels + c;
          const value = r.relevance[at]!;
          if (!Number.isFinite(value) || !Number.isFinite(r.activation[at]!))
            throw new DatasetError(
              `sample ${indices[n]} gives a non-finite relevance or activation at layer "${l.name}" channel ${c}; check its input for NaN or huge values`,
            );
          rel.push(entry(indices[n]!, value, r.relevanceAt[at]!, l.width));
          act.push(entry(indices[n]!, r.activation[at]!, r.activationAt[at]!, l.width));
          observe(out.classes[c]!, explained[n]!, value);
        }
        out.relMax[c] = rel.sort(compareEntries).slice(0, this.top);
        out.actMax[c] = act.sort(compareEntries).slice(0, this.top);
      }
    });
    return { findings, predicted, explained };
  }

  /**
   * Mines samples given as one flat Float32Array (`count × inputShape`, row-major), `batchSize` at a time: what
   * shards and workers call.
   *
   * @example
   * ```ts
   * const part = miner.mineArray(data, [32, 32, 3], [10, 11], [null, null]);
   * ```
   */
  mineArray(
    data: Float32Array,
    inputShape: readonly number[],
    indices: readonly number[],
    labels: readonly (number | null)[],
  ): BatchFindings {
    const size = inputShape.reduce((a, b) => a * b, 1);
    let total: BatchFindings | undefined;
    for (let start = 0; start < indices.length; start += this.batchSize) {
      const end = Math.min(indices.length, start + this.batchSize);
      const x = tf.tensor(data.subarray(start * size, end * size), [end - start, ...inputShape], 'float32');
      let part: BatchFindings;
      try {
        part = this.mineBatch(x, indices.slice(start, end), labels.slice(start, end));
      } finally {
        x.dispose();
      }
      total = total ? appendBatch(total, part, this.top) : part;
    }
    return (
      total ?? {
        findings: emptyFindings(
          this.layers.map((l) => ({ name: l.name, channels: l.channels })),
          this.top,
        ),
        predicted: [],
        explained: [],
      }
    );
  }

  /**
   * Frees the LRP analyzer's precomputed weights (not the model).
   *
   * @example
   * ```ts
   * miner.dispose();
   * ```
   */
  dispose(): void {
    this.lrp.dispose();
  }
}

/**
 * The findings of two consecutive batches as one: top lists and class statistics merged exactly, the per-sample
 * classes concatenated in order.
 *
 * @example
 * ```ts
 * const both = appendBatch(first, second, miner.top);
 * ```
 */
export function appendBatch(a: BatchFindings, b: BatchFindings, top: number): BatchFindings {
  return {
    findings: mergeFindings(a.findings, b.findings, top),
    predicted: [...a.predicted, ...b.predicted],
    explained: [...a.explained, ...b.explained],
  };
}

/**
 * One mined sample: its index and id in the dataset, its label, the predicted and the explained class.
 *
 * @example
 * ```ts
 * const s: MinedSample = result.samples[0]!; // { index: 0, id: 'demo-0-0', label: 2, predicted: 2, explained: 2 }
 * ```
 */
export interface MinedSample {
  /** 0-based index in the dataset. */
  index: number;
  /** The dataset's id of the sample. */
  id: string;
  /** Its label, or null. */
  label: number | null;
  /** The class the model predicts. */
  predicted: number;
  /** The class whose relevance was mined. */
  explained: number;
}

/**
 * What {@link mine} returns: the findings over the whole dataset and every sample's classes.
 *
 * @example
 * ```ts
 * const { findings, samples } = await mine(model, dataset);
 * ```
 */
export interface MiningResult {
  /** The channels' top lists and class statistics. */
  findings: Findings;
  /** Every sample, in index order. */
  samples: MinedSample[];
}

/** A dataset's samples at some indices as one flat Float32Array, with their ids and labels. */
export async function readSamples(
  dataset: ConceptDataset,
  indices: readonly number[],
): Promise<{
  data: Float32Array;
  samples: {
    id: string;
    label: number | null;
    display?: { data: Uint8Array | Uint8ClampedArray; channels: 3 | 4 };
  }[];
}> {
  const got = await dataset.batch(indices);
  if (!Array.isArray(got) || got.length !== indices.length)
    throw new DatasetError(
      `dataset "${dataset.name}" returned ${Array.isArray(got) ? got.length : 'no'} samples for ${indices.length} indices`,
    );
  const size = dataset.inputShape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size * indices.length);
  const samples = got.map((s, n) => {
    const where = `dataset "${dataset.name}", sample ${indices[n]}`;
    if (typeof s?.id !== 'string' || s.id === '')
      throw new DatasetError(`${where} has no id (a non-empty string)`);
    let values: Float32Array;
    if (s.input instanceof Float32Array) values = s.input;
    else if (s.input instanceof tf.Tensor) {
      values = s.input.dataSync() as Float32Array;
      s.input.dispose();
    } else throw new DatasetError(`${where}: input must be a Float32Array or a tf.Tensor`);
    if (values.length !== size)
      throw new DatasetError(
        `${where}: input has ${values.length} values, the dataset's inputShape [${dataset.inputShape}] needs ${size}`,
      );
    data.set(values, n * size);
    const label = s.label ?? null;
    if (label !== null && (!Number.isInteger(label) || label < 0))
      throw new DatasetError(`${where}: label must be a 0-based integer or null, got ${label}`);
    return { id: s.id, label, ...(s.display ? { display: s.display } : {}) };
  });
  return { data, samples };
}

/**
 * Mines a whole dataset in memory, `shardSize` samples at a time (browser and Node; for runs that resume after a
 * crash and use several threads, see `mineToStore` in `@xai-ts/concepts/node`).
 *
 * @param model - the classifier (logits)
 * @param dataset - the samples
 * @param options - {@link MinerOptions}, and `onProgress(done, total)` after each shard
 * @returns the merged findings and the samples' classes
 * @example
 * ```ts
 * const { findings } = await mine(await loadDemoModel(), demoConceptDataset({ n: 200 }), { layers: ['conv3'] });
 * findings.layers[0]!.relMax[4]; // channel 4's 16 most relevant samples
 * ```
 */
export async function mine(
  model: tf.LayersModel,
  dataset: ConceptDataset,
  options: MinerOptions & { shardSize?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<MiningResult> {
  const shardSize = positive(options.shardSize ?? 64, 'shardSize');
  const miner = new ConceptMiner(model, options);
  try {
    let findings = emptyFindings(
      miner.layers.map((l) => ({ name: l.name, channels: l.channels })),
      miner.top,
    );
    const samples: MinedSample[] = [];
    for (let start = 0; start < dataset.size; start += shardSize) {
      const indices = range(start, Math.min(dataset.size, start + shardSize));
      const { data, samples: meta } = await readSamples(dataset, indices);
      const part = miner.mineArray(
        data,
        dataset.inputShape,
        indices,
        meta.map((m) => m.label),
      );
      findings = mergeFindings(findings, part.findings, miner.top);
      for (const [n, m] of meta.entries())
        samples.push({
          index: indices[n]!,
          id: m.id,
          label: m.label,
          predicted: part.predicted[n]!,
          explained: part.explained[n]!,
        });
      options.onProgress?.(indices.at(-1)! + 1, dataset.size);
    }
    return { findings, samples };
  } finally {
    miner.dispose();
  }
}

export function range(start: number, end: number): number[] {
  return Array.from({ length: end - start }, (_, i) => start + i);
}

export function positive(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 1)
    throw new ConceptOptionError(`${what} must be a positive integer, got ${String(value)}`);
  return value;
}

function entry(sample: number, value: number, at: number, width: number): TopEntry {
  return { sample, value, y: Math.floor(at / width), x: at % width };
}

function checkedLabel(label: number | null, index: number, classes: number): number {
  if (label === null)
    throw new DatasetError(
      `sample ${index} has no label, but the target is 'label'; give labels or mine the predicted class`,
    );
  if (label >= classes)
    throw new DatasetError(
      `sample ${index} has label ${label}, but the model has ${classes} outputs (0..${classes - 1})`,
    );
  return label;
}
