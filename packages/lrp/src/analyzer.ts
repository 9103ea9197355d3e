import * as tf from '@tensorflow/tfjs';
import {
  type AnalyzeOptions,
  type Analyzer,
  Explanation,
  type OutputSelector,
  outputRelevance,
} from '@xai-ts/base';
import type { LayerGraph } from '@xai-ts/canonize';
import {
  type BackwardOptions,
  type BackwardResult,
  Engine,
  type ForwardPass as EngineForwardPass,
  ModelCheckError,
} from '@xai-ts/engine';
import { Composite, GlobalMap, type LayerInfo } from './composites/composite.js';
import { LRPOptionError } from './errors.js';
import { broadcasts, optionsOf, shapeOf, shown } from './options.js';
import { type LayerPlan, planLayers } from './planner/plan.js';
import { ZBoxRule } from './rules/multipass.js';
import { Rule } from './rules/rule.js';

/** Options of the {@link LRP} analyzer. */
export interface LRPOptions {
  /**
   * `true` (default): the output relevance is a one-hot of 1 at the selected output (LRP.jl's
   * `normalize_output_relevance`); `false`: the selected logit's value.
   */
  normalizeOutputRelevance?: boolean;
  /**
   * Skip the checks of meaning (default false): a softmax output is explained as it is, and layers without an LRP
   * rule (a tanh, a fused sigmoid) are explained as RelevancePropagation.jl would, the composite's rule through the
   * layer's own vector-Jacobian product (a fused activation is ignored). Layers no kind can read still fail.
   */
  skipChecks?: boolean;
  /**
   * Explain larger batches this many samples at a time, so memory stays bounded (VGG16 holds about 100 MB of
   * activations per sample). The outputs are selected on the whole batch first, which costs one extra forward pass
   * per chunk. Results do not depend on it. Default: the whole batch at once.
   */
  batchSize?: number;
}

/**
 * The tensors of one forward pass, kept for the backward pass (the engine's, plus precomputed denominators). Owned by
 * the caller's `tf.tidy`.
 */
export interface ForwardPass extends EngineForwardPass {
  /**
   * Each layer's stabilized denominators, where computed beforehand with {@link LRP.denominators}: steps reuse them
   * instead of recomputing them from the forward pass.
   */
  readonly denominators?: readonly (readonly tf.Tensor[] | undefined)[];
}

export type { BackwardOptions, BackwardResult };

/**
 * Layer-wise Relevance Propagation (RelevancePropagation.jl's `LRP`): a composite assigns a rule to every layer; one
 * forward pass keeps each layer's input; the backward pass turns the relevance at each layer's output into
 * relevance at its inputs with the layer's rule and its kind's explicit vector-Jacobian product. Modified weights are
 * computed once, here.
 *
 * @example
 * ```ts
 * const lrp = new LRP(model, new EpsilonPlusFlat());
 * console.log(lrp.toString());
 * const expl = analyze(x, lrp, 7);
 * ```
 */
export class LRP implements Analyzer {
  /** {@inheritDoc @xai-ts/base!Analyzer.name} */
  readonly name: string = 'LRP';
  /** {@inheritDoc @xai-ts/base!Analyzer.inputShape} */
  readonly inputShape: readonly (number | null)[];
  /** {@inheritDoc @xai-ts/base!Analyzer.inputShapes} */
  readonly inputShapes: readonly (readonly (number | null)[])[];
  /** The engine: the model as a graph of layer kinds. */
  readonly engine: Engine;
  /** The model as a layer graph (nested models spliced in). */
  readonly graph: LayerGraph;
  /** What composites know of each layer, in execution order. */
  readonly layers: readonly LayerInfo[];
  /** The rule of each layer. */
  readonly rules: readonly Rule[];
  /** Whether the output relevance is a one-hot of 1 (else the logit). */
  readonly normalizeOutputRelevance: boolean;
  /** Samples explained at a time (undefined: the whole batch). */
  readonly batchSize: number | undefined;
  readonly #plans: readonly LayerPlan[];
  #disposed = false;

  /**
   * @param model - the model; it must output logits (see `stripSoftmax`); one output (see `selectOutput`), one or
   *   several inputs (explain them with `analyze([x1, x2], lrp)`: one relevance map per input)
   * @param composite - a Composite, a preset, or one Rule for every layer; default ZeroRule everywhere
   * @param options - see {@link LRPOptions}
   * @throws {@link ModelCheckError} listing every unsupported layer or activation, a softmax output and every rule
   *   that does not fit its layer ({@link RuleCompatibilityError} when only rules are at fault)
   */
  constructor(
    model: tf.LayersModel,
    composite: Composite | Rule = new Composite(),
    options: LRPOptions = {},
  ) {
    const given = optionsOf<LRPOptions>(
      'LRP',
      options,
      ['normalizeOutputRelevance', 'skipChecks', 'batchSize'],
      '{ batchSize: 4 }',
    );
    if (!(composite instanceof Composite) && !(composite instanceof Rule))
      throw new LRPOptionError(
        `LRP takes a composite (such as new EpsilonPlusFlat()) or a rule (such as new EpsilonRule()), got ${shown(composite)}`,
      );
    for (const flag of ['normalizeOutputRelevance', 'skipChecks'] as const)
      if (given[flag] !== undefined && typeof given[flag] !== 'boolean')
        throw new LRPOptionError(`LRP's ${flag} is true or false, got ${shown(given[flag])}`);
    this.normalizeOutputRelevance = given.normalizeOutputRelevance ?? true;
    if (given.batchSize !== undefined && !(Number.isInteger(given.batchSize) && given.batchSize >= 1))
      throw new LRPOptionError(`LRP batchSize must be a positive integer, got ${shown(given.batchSize)}`);
    this.batchSize = given.batchSize;
    const engine = new Engine(model, { vjp: false });
    try {
      const resolved = composite instanceof Rule ? new Composite(new GlobalMap(composite)) : composite;
      const plans = planLayers(engine, resolved, { skipChecks: given.skipChecks ?? false });
      try {
        checkTensorBounds(engine, plans);
      } catch (e) {
        for (const p of plans) p.propagator?.dispose();
        throw e;
      }
      this.#plans = plans;
    } catch (e) {
      engine.dispose();
      throw e;
    }
    this.engine = engine;
    this.graph = engine.graph;
    this.inputShapes = engine.graph.inputShapes;
    this.inputShape = engine.graph.inputShapes[0]!;
    this.layers = this.#plans.map((p) => p.info);
    this.rules = this.#plans.map((p) => p.rule);
  }

  /**
   * Runs the model layer by layer, keeping each layer's output (and the pre-activations rules read). Call it inside
   * `tf.tidy`.
   *
   * @example
   * ```ts
   * tf.tidy(() => lrp.forward(x).output.print());
   * ```
   */
  forward(input: tf.Tensor | readonly tf.Tensor[]): ForwardPass {
    this.#assertAlive();
    return this.engine.forward(input instanceof tf.Tensor ? [input] : input, {
      keepPreactivation: (i) => this.#plans[i]!.propagator?.usesPreactivation === true,
    });
  }

  /**
   * Propagates relevance backwards from `seeds` (relevance at the outputs of some layers, by index) to the input.
   * Layers above every seed are not visited. Call it inside `tf.tidy`; each layer's step runs in a tidy of its own,
   * so only relevances outlive it.
   *
   * @example
   * ```ts
   * tf.tidy(() => lrp.backward(pass, new Map([[lastIndex, oneHot]])).inputs[0]);
   * ```
   */
  backward(
    pass: ForwardPass,
    seeds: ReadonlyMap<number, tf.Tensor>,
    options: BackwardOptions = {},
  ): BackwardResult {
    this.#assertAlive();
    return this.engine.backward(
      pass,
      seeds,
      (i, relevance, p) => {
        const plan = this.#plans[i]!;
        if (!plan.propagator) return this.graph.nodes[i]!.inputs.map(() => null);
        const denominators = p.denominators?.[i];
        return plan.propagator.propagate({
          inputs: this.engine.inputsOf(i, p),
          output: p.outputs[i]!,
          preactivation: p.preactivations[i] ?? null,
          relevance,
          ...(denominators ? { denominators } : {}),
        });
      },
      options,
    );
  }

  /**
   * Computes the stabilized denominators of the given layers' rules for a forward pass: they depend on the forward
   * pass only, so a pass that carries them (`{ ...pass, denominators }`) propagates any number of relevances
   * without recomputing them (CRP does). Layers whose rule has none get undefined. Call it inside `tf.tidy`.
   *
   * @example
   * ```ts
   * tf.tidy(() => {
   *   const pass = lrp.forward(x);
   *   const cached = { ...pass, denominators: lrp.denominators(pass, [0, 1, 2]) };
   *   return lrp.backward(cached, seeds).inputs[0];
   * });
   * ```
   */
  denominators(pass: ForwardPass, layers: Iterable<number>): (tf.Tensor[] | undefined)[] {
    this.#assertAlive();
    const out: (tf.Tensor[] | undefined)[] = new Array(this.#plans.length).fill(undefined);
    for (const i of layers) {
      const propagator = this.#plans[i]?.propagator;
      if (!propagator?.denominators) continue;
      out[i] = propagator.denominators({
        inputs: this.engine.inputsOf(i, pass),
        output: pass.outputs[i]!,
        preactivation: pass.preactivations[i] ?? null,
      });
    }
    return out;
  }

  /**
   * The relevance at the model's output: the selector's output relevance (a one-hot of 1 at each sample's selected
   * output unless the selector says otherwise, as a mask does), times the output when `normalizeOutputRelevance` is
   * false.
   */
  outputRelevance(output: tf.Tensor, selection: readonly number[], selector?: OutputSelector): tf.Tensor {
    return outputRelevance(
      selector ?? { select: () => [...selection] },
      output,
      selection,
      !this.normalizeOutputRelevance,
    );
  }

  /** {@inheritDoc @xai-ts/base!Analyzer.explain} */
  explain(input: tf.Tensor, selector: OutputSelector, options: AnalyzeOptions): Explanation {
    return this.explainInputs([input], selector, options);
  }

  /**
   * Explains a batch of a model with several inputs (one tensor per input, in the model's input order): one relevance
   * map per input in the explanation's `vals`; the relevance the rules conserve is spread over all of them.
   * `analyze([x1, x2], lrp)` calls this.
   */
  explainInputs(
    inputs: readonly tf.Tensor[],
    selector: OutputSelector,
    options: AnalyzeOptions = {},
  ): Explanation {
    this.#assertAlive();
    const keepLayers = options.layerwiseRelevances === true;
    const n = inputs[0]!.shape[0]!;
    const size = Math.min(this.batchSize ?? n, n);
    const slice = (start: number, count: number) => inputs.map((x) => x.slice(start, count));
    let selection: number[] = [];
    const result = tf.tidy(() => {
      if (size < n) {
        // Select on the whole batch first, then explain chunk by chunk (each chunk's pass freed before the next).
        const outputs: tf.Tensor[] = [];
        for (let start = 0; start < n; start += size)
          outputs.push(tf.tidy(() => this.forward(slice(start, Math.min(size, n - start))).output));
        const output = tf.concat(outputs, 0);
        selection = selector.select(output);
        const parts: { vals: tf.Tensor[]; layerwise: tf.Tensor[] }[] = [];
        for (let start = 0; start < n; start += size) {
          const count = Math.min(size, n - start);
          const picks = selection.slice(start, start + count);
          const own = selector.forSamples?.(Array.from({ length: count }, (_, k) => start + k));
          const chunkSelector: OutputSelector = own?.relevance
            ? { select: () => picks, relevance: (o, s) => own.relevance!(o, s) }
            : selector;
          parts.push(
            tf.tidy(() =>
              this.#explainPass(this.forward(slice(start, count)), picks, keepLayers, chunkSelector),
            ),
          );
        }
        const layerwise = keepLayers
          ? parts[0]!.layerwise.map((_, k) =>
              tf.concat(
                parts.map((p) => p.layerwise[k]!),
                0,
              ),
            )
          : [];
        return {
          vals: inputs.map((_, k) =>
            tf.concat(
              parts.map((p) => p.vals[k]!),
              0,
            ),
          ),
          output,
          layerwise,
        };
      }
      const pass = this.forward(inputs);
      selection = selector.select(pass.output);
      return { ...this.#explainPass(pass, selection, keepLayers, selector), output: pass.output };
    });
    return new Explanation({
      val: result.vals[0]!,
      vals: result.vals,
      input: inputs[0]!,
      inputs,
      output: result.output,
      outputSelection: selection,
      analyzer: this.name,
      heatmap: 'attribution',
      extras: keepLayers ? { layerwiseRelevances: result.layerwise } : {},
    });
  }

  #explainPass(
    pass: ForwardPass,
    selection: number[],
    keepLayers: boolean,
    selector: OutputSelector,
  ): { vals: tf.Tensor[]; layerwise: tf.Tensor[] } {
    const back = this.backward(
      pass,
      new Map([[this.engine.outputIndex, this.outputRelevance(pass.output, selection, selector)]]),
      { keepLayers, release: !keepLayers },
    );
    const vals = [...back.inputs];
    const layerwise = keepLayers
      ? [vals[0]!, ...back.layers.map((r, k) => r ?? tf.zerosLike(pass.outputs[k]!))]
      : [];
    return { vals, layerwise };
  }

  /**
   * One line per layer: index, name, class and rule, as RelevancePropagation.jl prints an analyzer, with a note where
   * the layer's kind decides what happens whatever the rule.
   *
   * @example
   * ```ts
   * console.log(new LRP(model, new EpsilonPlus()).toString());
   * ```
   */
  toString(): string {
    const w = Math.max(4, ...this.layers.map((l) => l.name.length));
    const c = Math.max(5, ...this.layers.map((l) => l.className.length));
    const notes: Record<string, string> = {
      route: '  (routes relevance)',
      pass: '  (passes relevance)',
      split: '  (proportional split)',
      gate: '  (gate held constant: the signal takes all relevance)',
    };
    const lines = this.#plans.map(({ info, rule, role, explained }) => {
      const note = explained ? (notes[role.kind] ?? '') : '  (gate branch: no relevance arrives)';
      return `  ${String(info.index).padStart(3)}  ${info.name.padEnd(w)}  ${info.className.padEnd(c)}  => ${rule}${note}`;
    });
    return `LRP(\n${lines.join('\n')}\n)`;
  }

  /** Frees the modified weights computed at construction. The analyzer cannot be used afterwards. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const p of this.#plans) p.propagator?.dispose();
    this.engine.dispose();
  }

  #assertAlive(): void {
    if (this.#disposed)
      throw new ModelCheckError([{ index: -1, layer: '', message: 'this LRP analyzer has been disposed' }]);
  }
}

/** The shape of what feeds layer `index` (batch axis included), when the graph knows it. */
function inputShapeOf(engine: Engine, index: number): readonly (number | null)[] | undefined {
  const source = engine.graph.nodes[index]?.inputs[0];
  if (!source) return undefined;
  if (source.kind === 'input') return engine.graph.inputShapes[source.index];
  try {
    const shape = engine.graph.nodes[source.index]!.layer.outputShape;
    return Array.isArray(shape[0]) ? undefined : (shape as (number | null)[]);
  } catch {
    return undefined; // a layer called more than once has no single output shape
  }
}

/** ZBox bounds given as tensors must broadcast against the input of the layer they explain: checked before any call. */
function checkTensorBounds(engine: Engine, plans: readonly LayerPlan[]): void {
  for (const plan of plans) {
    const rule = plan.rule;
    if (!(rule instanceof ZBoxRule)) continue;
    const input = inputShapeOf(engine, plan.info.index);
    if (!input) continue;
    for (const [name, bound] of [
      ['low', rule.low],
      ['high', rule.high],
    ] as const)
      if (typeof bound !== 'number' && !broadcasts(bound.shape, input))
        throw new LRPOptionError(
          `ZBoxRule on layer ${plan.info.index} "${plan.info.name}": ${name} has shape ${shapeOf(bound)}, which does not broadcast against the layer's input [${input.map((d) => d ?? 'batch').join(', ')}]; give one value per channel ([${input.at(-1)}]) or the input's shape without the batch axis`,
        );
  }
}
