import * as tf from '@tensorflow/tfjs';
import {
  type AnalyzeOptions,
  type Analyzer,
  analyze,
  Explanation,
  FeatureSelectionError,
  type OutputSelection,
  type OutputSelector,
} from '@xai-ts/base';
import type { LRP } from '@xai-ts/lrp';
import type { CRPOptions } from './crp.js';
import { type ConditionalRow, type ConditionStep, conditionalBackward, upperPass } from './engine.js';
import { ConditionError } from './errors.js';
import { ancestors, checkBatchSize, featureCount, resolveLayer } from './layers.js';

/**
 * One condition in zennit-crp's form: layer name → the feature ids kept at that layer's output, for example
 * `{ block5_conv1: [3, 7], block4_conv3: [12] }`. Several ids of one layer are kept together (their relevance is
 * propagated as one map); several layers apply in the same backward pass. A key whose value is `undefined` counts as
 * absent (so that a list of conditions on different layers type-checks as written).
 *
 * @example
 * ```ts
 * const conditions: Condition[] = [{ conv2d_2: [3] }, { conv2d_2: [3], dense_1: [0, 5] }];
 * ```
 */
export type Condition = Readonly<Record<string, readonly number[] | undefined>>;

/**
 * The extras of a {@link MultiLayerCRP} explanation.
 *
 * @example
 * ```ts
 * const expl = conditionalRelevance(lrp, x, [{ conv2d_2: [3] }, { conv2d_2: [7] }], 7);
 * console.log(expl.extras.conditionRelevance); // [n][c]
 * ```
 */
export type MultiLayerCRPExtras = {
  /** The conditions, one per block of rows (condition `c` is rows `c * N .. c * N + N - 1`). */
  conditions: Condition[];
  /**
   * Per sample `n` and condition `c`, the relevance kept by the condition's lowest layer (summed over every
   * position): the relevance that the map of row `c * N + n` starts from below the last mask.
   */
  conditionRelevance: number[][];
};

/**
 * An {@link Explanation} made by {@link MultiLayerCRP}.
 *
 * @example
 * ```ts
 * const expl = analyze(x, new MultiLayerCRP(lrp, { conv2d_2: [3] }), 7) as MultiLayerCRPExplanation;
 * ```
 */
export type MultiLayerCRPExplanation = Explanation<MultiLayerCRPExtras>;

/**
 * Conditional relevance with conditions on one or several layers at once (zennit-crp's `CondAttribution`), the
 * general form of {@link CRP}. Each condition gives one map per sample; `val` is condition-major along the batch
 * axis: row `c * N + n` is condition `c` of sample `n`.
 *
 * Semantics of one condition, its layers taken from the latest in execution order (highest) to the earliest:
 * the ordinary LRP backward pass runs to the highest layer's output; there every feature not listed is zeroed (all
 * positions of a listed channel are kept) and the backward pass continues from this masked relevance alone; at each
 * lower conditioned layer the relevance that arrives at its output is masked the same way and the pass continues
 * from there alone. Relevance that would go around a conditioned layer (a skip path of a residual network) is
 * dropped, so each lower layer must feed the one above it. On a chain of layers (a Sequential model) this is
 * exactly zennit-crp's masking in one backward pass.
 *
 * @example
 * ```ts
 * const crp = new MultiLayerCRP(lrp, [{ conv2d_2: [3], dense_1: [0, 5] }, { conv2d_2: [7] }]);
 * const expl = analyze(x, crp, 7); // val: [2 * N, ...input dims]
 * ```
 */
export class MultiLayerCRP implements Analyzer {
  /** {@inheritDoc @xai-ts/base!Analyzer.name} */
  readonly name: string = 'MultiLayerCRP';
  /** {@inheritDoc @xai-ts/base!Analyzer.inputShape} */
  readonly inputShape: readonly (number | null)[];
  /** The LRP analyzer whose rules propagate the relevance (not owned: dispose it yourself). */
  readonly lrp: LRP;
  /** The conditions, as given. */
  readonly conditions: readonly Condition[];
  /** How many maps are propagated together. */
  readonly batchSize: number;
  readonly #steps: readonly (readonly ConditionStep[])[];

  /**
   * @param lrp - the LRP analyzer (its composite, and its `normalizeOutputRelevance` for the initial relevance)
   * @param conditions - one condition, or a list of them (one map per condition and sample)
   * @param options - see {@link CRPOptions}
   * @throws {@link ConceptLayerError} for a layer name the analyzer does not have (the message lists its layers)
   * @throws {@link ConditionError} for an empty condition, a layer without ids, invalid ids, or conditioned layers
   *   that do not lie on one path
   * @throws `FeatureSelectionError` (from `@xai-ts/base`) for an id beyond the layer's number of features
   * @throws {@link CRPOptionError} for a `batchSize` that is not a positive integer
   */
  constructor(lrp: LRP, conditions: Condition | readonly Condition[], options: CRPOptions = {}) {
    const list: readonly Condition[] = Array.isArray(conditions) ? conditions : [conditions as Condition];
    if (list.length === 0) throw new ConditionError('MultiLayerCRP needs at least one condition');
    this.#steps = list.map((c, i) => resolveCondition(lrp, c, i));
    this.lrp = lrp;
    this.conditions = Object.freeze(list.map((c) => Object.freeze({ ...c })));
    this.batchSize = checkBatchSize(options.batchSize);
    this.inputShape = lrp.inputShape;
  }

  /** {@inheritDoc @xai-ts/base!Analyzer.explain} */
  explain(
    input: tf.Tensor,
    selector: OutputSelector,
    _options: AnalyzeOptions = {},
  ): MultiLayerCRPExplanation {
    let selection: number[] = [];
    let conditionRelevance: number[][] = [];
    const result = tf.tidy(() => {
      const upper = upperPass(
        this.lrp,
        input,
        selector,
        Math.min(...this.#steps.map((steps) => steps[0]!.layer)),
      );
      selection = upper.selection;
      const batch = input.shape[0]!;
      const rows: ConditionalRow[] = this.#steps.flatMap((steps) =>
        Array.from({ length: batch }, (_, n) => ({ sample: n, steps })),
      );
      const conditional = conditionalBackward(this.lrp, upper, rows, this.batchSize);
      conditionRelevance = Array.from({ length: batch }, (_, n) =>
        this.#steps.map((steps, c) => conditional.kept[c * batch + n]![steps.length - 1]!),
      );
      return { val: conditional.relevance, output: upper.pass.output };
    });
    return new Explanation<MultiLayerCRPExtras>({
      val: result.val,
      input,
      output: result.output,
      outputSelection: selection,
      analyzer: this.name,
      heatmap: 'attribution',
      extras: { conditions: this.conditions.map((c) => ({ ...c })), conditionRelevance },
    });
  }

  /**
   * The conditions, each with its layers in the order they apply, and the LRP analyzer's rules.
   *
   * @example
   * ```ts
   * console.log(new MultiLayerCRP(lrp, { conv2d_2: [3], dense_1: [0] }).toString());
   * ```
   */
  toString(): string {
    const lines = this.#steps.map(
      (steps, c) =>
        `  ${c}: ${steps.map((s) => `${this.lrp.layers[s.layer]!.name} [${s.ids.join(', ')}]`).join(' -> ')}`,
    );
    return `MultiLayerCRP(batchSize ${this.batchSize}\n${lines.join('\n')}\n) with\n${this.lrp}`;
  }
}

/**
 * Conditional relevance in one call: `analyze(input, new MultiLayerCRP(lrp, conditions, options), selection)`.
 *
 * @param lrp - the LRP analyzer
 * @param input - the batch to explain
 * @param conditions - one condition or a list, in zennit-crp's form (see {@link MultiLayerCRP})
 * @param selection - the explained outputs, as in `analyze()`
 * @param options - see {@link CRPOptions}
 * @returns one map per condition and sample, condition-major: `[conditions * N, ...input dims]`
 *
 * @example
 * ```ts
 * const expl = conditionalRelevance(lrp, x, { conv2d_2: [3, 7], dense_1: [0] }, 7);
 * ```
 */
export function conditionalRelevance(
  lrp: LRP,
  input: tf.Tensor,
  conditions: Condition | readonly Condition[],
  selection?: OutputSelection,
  options: CRPOptions = {},
): MultiLayerCRPExplanation {
  return analyze(input, new MultiLayerCRP(lrp, conditions, options), selection) as MultiLayerCRPExplanation;
}

function resolveCondition(lrp: LRP, condition: Condition, c: number): ConditionStep[] {
  if (condition === null || typeof condition !== 'object' || Array.isArray(condition))
    throw new ConditionError(
      `condition ${c} must be an object mapping layer names to feature ids, such as { conv2d_2: [3] }`,
    );
  const entries = Object.entries(condition).filter(
    (entry): entry is [string, readonly number[]] => entry[1] !== undefined,
  );
  if (entries.length === 0)
    throw new ConditionError(`condition ${c} names no layer; give at least one, such as { conv2d_2: [3] }`);
  const steps = entries.map(([name, ids]): ConditionStep => {
    const layer = resolveLayer(lrp, name, `condition ${c}`);
    if (!Array.isArray(ids) || ids.length === 0)
      throw new ConditionError(
        `condition ${c} lists no feature ids for layer "${name}"; give at least one id, such as { ${name}: [0] }`,
      );
    for (const id of ids)
      if (!Number.isInteger(id) || id < 0)
        throw new ConditionError(
          `condition ${c}, layer "${name}": feature id ${id} is not a non-negative integer; ids are 0-based`,
        );
    const count = featureCount(lrp, layer);
    for (const id of ids)
      if (count !== undefined && id >= count)
        throw new FeatureSelectionError(
          `condition ${c}, layer "${name}": feature id ${id} is out of range; the layer has ${count} features (0..${count - 1})`,
        );
    return { layer, ids: [...new Set(ids)] };
  });
  steps.sort((a, b) => b.layer - a.layer);
  for (let j = 1; j < steps.length; j++) {
    const above = steps[j - 1]!;
    const below = steps[j]!;
    if (!ancestors(lrp, above.layer).has(below.layer))
      throw new ConditionError(
        `condition ${c}: layer "${lrp.layers[below.layer]!.name}" does not feed layer "${lrp.layers[above.layer]!.name}", so no relevance conditioned at the latter can reach it; conditioned layers must lie on one path of the model`,
      );
  }
  return steps;
}
