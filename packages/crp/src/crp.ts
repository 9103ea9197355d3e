import * as tf from '@tensorflow/tfjs';
import {
  type AnalyzeOptions,
  type Analyzer,
  Explanation,
  FeatureSelectionError,
  type FeatureSelector,
  InvalidInputError,
  type OutputSelector,
} from '@xai-ts/base';
import type { LayerInfo, LayerRef, LRP } from '@xai-ts/lrp';
import { type ConditionalRow, conditionalBackward, relevanceAt, upperPass } from './engine.js';
import { checkBatchSize, resolveLayer } from './layers.js';

/**
 * Options of {@link CRP} and {@link MultiLayerCRP}.
 *
 * @example
 * ```ts
 * new CRP(lrp, 'block4_conv3', new TopNFeatures(32), { batchSize: 8 }); // 8 maps per backward pass
 * ```
 */
export interface CRPOptions {
  /**
   * How many feature maps (rows of the result) are propagated together below the concept layer; bounds the memory
   * of a call. The result does not depend on it. Default 16.
   */
  batchSize?: number;
}

/**
 * The extras of a {@link CRP} explanation.
 *
 * @example
 * ```ts
 * const { features, featureRelevance } = (analyze(x, crp, 7) as CRPExplanation).extras;
 * console.log(`sample 0, slot 0: channel ${features[0][0]} carries ${featureRelevance[0][0]}`);
 * ```
 */
export type CRPExtras = {
  /** The concept layer's name. */
  layer: string;
  /** Per sample `n`, the chosen feature ids `[n][k]` (slot `k` is row `k * N + n` of `val`). */
  features: number[][];
  /**
   * Per sample `n` and slot `k`, the relevance of feature `features[n][k]` at the concept layer's output, summed
   * over every position (the relevance the map of that row starts from).
   */
  featureRelevance: number[][];
};

/**
 * An {@link Explanation} made by {@link CRP}: `analyze()` returns the base type, so cast to read the extras.
 *
 * @example
 * ```ts
 * const expl = analyze(x, crp, 7) as CRPExplanation;
 * expl.extras.features; // [n][k]
 * ```
 */
export type CRPExplanation = Explanation<CRPExtras>;

/**
 * Concept Relevance Propagation (RelevancePropagation.jl's `CRP`): the LRP backward pass down to the output of a
 * concept layer, then, for each selected feature (a channel of a conv layer, a unit of a dense layer), a backward
 * pass from that feature's relevance alone (every position of the channel kept, every other channel zeroed) down to
 * the input. `val` holds one map per feature and sample, feature-major along the batch axis: row `k * N + n` is
 * slot `k` of sample `n`.
 *
 * The pass above the concept layer runs once; the passes below run for all features together, `batchSize` maps at
 * a time. In a residual network, relevance that flows around the concept layer through a skip path is dropped:
 * below the concept layer only the feature's relevance propagates. The `layerwiseRelevances` option of `analyze()`
 * is not supported.
 *
 * @example
 * ```ts
 * const crp = new CRP(new LRP(model, new EpsilonPlusFlat()), 'conv2d_2', new TopNFeatures(4));
 * const expl = analyze(x, crp, 7) as CRPExplanation; // val: [4 * N, ...input dims]
 * console.log(expl.extras.features, expl.extras.featureRelevance);
 * ```
 */
export class CRP implements Analyzer {
  /** {@inheritDoc @xai-ts/base!Analyzer.name} */
  readonly name: string = 'CRP';
  /** {@inheritDoc @xai-ts/base!Analyzer.inputShape} */
  readonly inputShape: readonly (number | null)[];
  /** The LRP analyzer whose rules propagate the relevance (not owned: dispose it yourself). */
  readonly lrp: LRP;
  /** The concept layer. */
  readonly layer: LayerInfo;
  /** Chooses the features of each sample from the relevance at the concept layer's output. */
  readonly features: FeatureSelector;
  /** How many feature maps are propagated together below the concept layer. */
  readonly batchSize: number;

  /**
   * @param lrp - the LRP analyzer (its composite, and its `normalizeOutputRelevance` for the initial relevance)
   * @param layer - the concept layer: its name, or its 0-based index into `lrp.layers`
   * @param features - a feature selector such as `new TopNFeatures(4)` or `new IndexedFeatures(3, 11)`
   * @param options - see {@link CRPOptions}
   * @throws {@link ConceptLayerError} for an unknown layer name or an index out of range
   * @throws {@link CRPOptionError} for a `batchSize` that is not a positive integer
   */
  constructor(lrp: LRP, layer: LayerRef, features: FeatureSelector, options: CRPOptions = {}) {
    if (lrp.inputShapes.length !== 1)
      throw new InvalidInputError(
        `CRP explains models with one input; this model has ${lrp.inputShapes.length} (LRP explains it, one relevance map per input)`,
      );
    const index = resolveLayer(lrp, layer, 'CRP concept layer');
    if (typeof features?.select !== 'function' || !Number.isInteger(features.count) || features.count < 1)
      throw new FeatureSelectionError(
        'CRP needs a feature selector with a select() method and a positive count, such as new TopNFeatures(4) or new IndexedFeatures(3, 11)',
      );
    this.lrp = lrp;
    this.layer = lrp.layers[index]!;
    this.features = features;
    this.batchSize = checkBatchSize(options.batchSize);
    this.inputShape = lrp.inputShape;
  }

  /** {@inheritDoc @xai-ts/base!Analyzer.explain} */
  explain(input: tf.Tensor, selector: OutputSelector, _options: AnalyzeOptions = {}): CRPExplanation {
    let selection: number[] = [];
    let features: number[][] = [];
    let featureRelevance: number[][] = [];
    const layer = this.layer.index;
    const result = tf.tidy(() => {
      const upper = upperPass(this.lrp, input, selector, layer);
      selection = upper.selection;
      const relevance = relevanceAt(upper.back, upper.pass, layer);
      features = this.#select(relevance);
      const batch = input.shape[0]!;
      const rows: ConditionalRow[] = [];
      for (let k = 0; k < this.features.count; k++)
        for (let n = 0; n < batch; n++) rows.push({ sample: n, steps: [{ layer, ids: [features[n]![k]!] }] });
      const conditional = conditionalBackward(this.lrp, upper, rows, this.batchSize);
      featureRelevance = features.map((ids, n) => ids.map((_, k) => conditional.kept[k * batch + n]![0]!));
      return { val: conditional.relevance, output: upper.pass.output };
    });
    return new Explanation<CRPExtras>({
      val: result.val,
      input,
      output: result.output,
      outputSelection: selection,
      analyzer: this.name,
      heatmap: 'attribution',
      extras: { layer: this.layer.name, features, featureRelevance },
    });
  }

  /** The selector's choice, checked: `count` ids per sample, each a feature of the concept layer. */
  #select(relevance: tf.Tensor): number[][] {
    const picks = this.features.select(relevance);
    const batch = relevance.shape[0]!;
    const available = relevance.shape[relevance.rank - 1]!;
    const { count } = this.features;
    if (!Array.isArray(picks) || picks.length !== batch)
      throw new FeatureSelectionError(
        `the feature selector returned ${Array.isArray(picks) ? picks.length : 'no'} rows for a batch of ${batch}; it must return one list of ids per sample`,
      );
    picks.forEach((ids, n) => {
      if (!Array.isArray(ids) || ids.length !== count)
        throw new FeatureSelectionError(
          `the feature selector returned ${Array.isArray(ids) ? ids.length : 'no'} ids for sample ${n} but its count is ${count}`,
        );
      for (const id of ids)
        if (!Number.isInteger(id) || id < 0 || id >= available)
          throw new FeatureSelectionError(
            `feature id ${id} (sample ${n}) is out of range for layer "${this.layer.name}": it has ${available} features (0..${available - 1})`,
          );
    });
    return picks.map((ids) => [...ids]);
  }

  /**
   * The concept layer, the feature selector and the LRP analyzer's rules.
   *
   * @example
   * ```ts
   * console.log(new CRP(lrp, 'conv2d_2', new TopNFeatures(2)).toString());
   * ```
   */
  toString(): string {
    const l = this.layer;
    return `CRP(layer ${l.index} "${l.name}" (${l.className}), ${describe(this.features)}, batchSize ${this.batchSize}) with\n${this.lrp}`;
  }
}

function describe(features: FeatureSelector): string {
  const ids = (features as { ids?: unknown }).ids;
  const n = (features as { n?: unknown }).n;
  const name = features.constructor?.name ?? 'features';
  if (Array.isArray(ids)) return `${name}(${ids.join(', ')})`;
  if (typeof n === 'number') return `${name}(${n})`;
  return `${name} (${features.count} per sample)`;
}
