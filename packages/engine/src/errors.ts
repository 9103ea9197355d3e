import { XaiError } from '@xai-ts/base';

/**
 * A layer kind cannot handle a layer as it is configured (a data format, an option, an unknown activation). The
 * model check reports the message with the layer's name and index.
 *
 * @example
 * ```ts
 * throw new KindReadError("dataFormat 'channelsFirst' is not supported; build the model channels-last");
 * ```
 */
export class KindReadError extends XaiError {
  override name = 'KindReadError';
}

/**
 * One problem the model check found.
 *
 * @example
 * ```ts
 * const p: ModelProblem = { index: 3, layer: 'conv2d_2', message: 'the fused activation ...' };
 * ```
 */
export interface ModelProblem {
  /** The layer's 0-based index in execution order, or -1 for the model as a whole. */
  readonly index: number;
  /** The layer's name. */
  readonly layer: string;
  /** What is wrong and what to do. */
  readonly message: string;
}

/**
 * The model check failed: layers without a registered kind, layers a kind cannot handle, activations without a
 * derivative or without an LRP rule, a softmax output, or rules that do not fit their layers. The message lists every
 * problem with layer name and index and says what to do; `problems` holds them.
 *
 * @example
 * ```ts
 * try { new LRP(model); } catch (e) { if (e instanceof ModelCheckError) console.log(e.problems); }
 * ```
 */
export class ModelCheckError extends XaiError {
  override name = 'ModelCheckError';
  /** Every problem found. */
  readonly problems: readonly ModelProblem[];

  /**
   * @param problems - what the check found
   * @param analyzer - who cannot explain the model, for the message (default `LRP`)
   */
  constructor(problems: readonly ModelProblem[], analyzer = 'LRP') {
    super(
      `${analyzer} cannot explain this model as it is (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems
        .map((p) => `  - ${p.index >= 0 ? `layer ${p.index} "${p.layer}": ` : ''}${p.message}`)
        .join('\n')}`,
    );
    this.problems = problems;
  }
}
