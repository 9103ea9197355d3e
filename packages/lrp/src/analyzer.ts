import * as tf from '@tensorflow/tfjs';
import { type AnalyzeOptions, type Analyzer, Explanation, type OutputSelector } from '@xai-ts/base';
import { type LayerGraph, readGraph, type Source } from '@xai-ts/canonize';
import { checkModel, ruleProblem } from './check.js';
import { Composite, GlobalMap, type LayerInfo } from './composite.js';
import { ModelCheckError, type ModelProblem, RuleCompatibilityError } from './errors.js';
import { AUTODIFF, activationName, forwardFunction, type LayerSupport, layerSupport } from './layers.js';
import type { BoundLinear, LinearMap } from './linear.js';
import { type Propagator, Rule, type RuleLayer } from './rules/rule.js';
import { stabilize } from './stabilize.js';

/** Options of the {@link LRP} analyzer. */
export interface LRPOptions {
  /**
   * `true` (default): the output relevance is a one-hot of 1 at the selected output (LRP.jl's
   * `normalize_output_relevance`); `false`: the selected logit's value.
   */
  normalizeOutputRelevance?: boolean;
  /** Skip the model check (unsupported layers then go through autodiff of their forward pass). Default false. */
  skipChecks?: boolean;
  /**
   * Explain larger batches this many samples at a time, so memory stays bounded (VGG16 holds about 100 MB of
   * activations per sample). The outputs are selected on the whole batch first, which costs one extra forward pass
   * per chunk. Results do not depend on it. Default: the whole batch at once.
   */
  batchSize?: number;
}

/** The tensors of one forward pass, kept for the backward pass. Owned by the caller's `tf.tidy`. */
export interface ForwardPass {
  /** The model's input. */
  readonly input: tf.Tensor;
  /** Each layer's output, in execution order. */
  readonly outputs: readonly tf.Tensor[];
  /** Each layer's pre-activation `W a + b` where its rule reads it (layers with weights), else null. */
  readonly preactivations: readonly (tf.Tensor | null)[];
  /** The model's output. */
  readonly output: tf.Tensor;
  /**
   * Each layer's stabilized denominators, where computed beforehand with {@link LRP.denominators}: steps reuse them
   * instead of recomputing them from the forward pass.
   */
  readonly denominators?: readonly (readonly tf.Tensor[] | undefined)[];
}

/** Options of {@link LRP.backward}. */
export interface BackwardOptions {
  /** Keep the relevance at every layer's output in the result (default true); false frees them as it goes. */
  keepLayers?: boolean;
  /** Free each layer's stored output once its step has run (default false); the pass cannot be reused after. */
  release?: boolean;
  /**
   * Stop at this layer: its relevance (complete, as all its consumers come later) is recorded in `layers` and not
   * propagated further; `input` is then what reached the input by other paths. Default -1: run to the input.
   */
  stopAt?: number;
}

/** What a backward pass returns. */
export interface BackwardResult {
  /** The relevance at the model's input. */
  readonly input: tf.Tensor;
  /** The relevance at each layer's output (undefined where none arrived). */
  readonly layers: readonly (tf.Tensor | undefined)[];
}

interface Plan {
  readonly info: LayerInfo;
  readonly support: LayerSupport;
  readonly rule: Rule;
  readonly linear: LinearMap | null;
  readonly forward: BoundLinear | null;
  readonly activation: tf.layers.Layer | null;
  readonly propagator: Propagator | null;
}

/**
 * Layer-wise Relevance Propagation (RelevancePropagation.jl's `LRP`): a composite assigns a rule to every layer; one
 * forward pass keeps each layer's input; the backward pass turns the relevance at each layer's output into
 * relevance at its inputs with the layer's vector-Jacobian product. Modified weights are computed once, here.
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
  readonly #plans: Plan[];
  #disposed = false;

  /**
   * @param model - the model; it must output logits (see `stripSoftmax`)
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
    this.graph = readGraph(model);
    if (this.graph.inputShapes.length !== 1)
      throw new ModelCheckError([
        {
          index: -1,
          layer: '',
          message: `the model has ${this.graph.inputShapes.length} inputs; LRP explains models with one input`,
        },
      ]);
    this.inputShape = this.graph.inputShapes[0]!;
    this.normalizeOutputRelevance = options.normalizeOutputRelevance ?? true;
    if (options.batchSize !== undefined && !(Number.isInteger(options.batchSize) && options.batchSize >= 1))
      throw new RangeError(`LRP batchSize must be a positive integer, got ${String(options.batchSize)}`);
    this.batchSize = options.batchSize;
    this.layers = this.graph.nodes.map((node) => ({
      index: node.index,
      name: node.name,
      className: node.className,
      groups: layerSupport(node.className)?.groups ?? [],
      activation: activationName(node.layer),
    }));
    const resolved = (
      composite instanceof Rule ? new Composite(new GlobalMap(composite)) : composite
    ).resolve(this.layers);
    this.rules = resolved;

    const problems: ModelProblem[] = options.skipChecks ? [] : checkModel(this.graph);
    const supports = this.graph.nodes.map((n) => layerSupport(n.className));
    const ruleLayers: RuleLayer[] = [];
    const nonNegative = nonNegativeOutputs(this.graph, supports);
    const prepared: { dispose(): void }[] = [];
    try {
      const ruleProblems: ModelProblem[] = [];
      this.graph.nodes.forEach((node, i) => {
        const support = supports[i] ?? AUTODIFF;
        const linear = support.kind === 'linear' ? support.linear(node.layer) : null;
        const rl: RuleLayer = {
          node,
          support,
          linear,
          ...symbolicShapes(node.layer),
          nonNegativeInput: node.inputs.every((src) => src.kind === 'layer' && nonNegative[src.index]),
        };
        ruleLayers.push(rl);
        const why = ruleProblem(resolved[i]!, rl, supports[i]);
        if (why) ruleProblems.push({ index: i, layer: node.name, message: why });
      });
      if (problems.length + ruleProblems.length > 0) {
        if (problems.length === 0) throw new RuleCompatibilityError(ruleProblems);
        throw new ModelCheckError([...problems, ...ruleProblems]);
      }
      this.#plans = ruleLayers.map((rl, i) => {
        const { support, linear, node } = rl;
        const rule = resolved[i]!;
        const act = activationName(node.layer);
        const forward = linear ? linear.bind(linear.kernel, linear.bias, false) : null;
        if (forward) prepared.push(forward);
        const propagator = support.kind === 'linear' || support.kind === 'function' ? rule.prepare(rl) : null;
        if (propagator) prepared.push(propagator);
        return {
          info: this.layers[i]!,
          support,
          rule,
          linear,
          forward,
          activation:
            linear && act !== undefined && act !== 'linear'
              ? tf.layers.activation({ activation: act as 'relu' })
              : null,
          propagator,
        };
      });
    } catch (e) {
      for (const p of prepared) p.dispose();
      throw e;
    }
  }

  /**
   * Runs the model layer by layer, keeping each layer's output (and pre-activation). Call it inside `tf.tidy`.
   *
   * @example
   * ```ts
   * tf.tidy(() => lrp.forward(x).output.print());
   * ```
   */
  forward(input: tf.Tensor): ForwardPass {
    this.#assertAlive();
    const outputs: tf.Tensor[] = [];
    const preactivations: (tf.Tensor | null)[] = [];
    const value = (s: Source) => (s.kind === 'input' ? input : outputs[s.index]!);
    for (const plan of this.#plans) {
      const node = this.graph.nodes[plan.info.index]!;
      const inputs = node.inputs.map(value);
      if (plan.forward) {
        const z = plan.forward.apply(inputs[0]!);
        const output = plan.activation ? (plan.activation.apply(z) as tf.Tensor) : z;
        const keep = plan.propagator?.usesPreactivation === true || output === z;
        // a pre-activation no rule reads is freed at once: it is half of what the pass would hold
        if (!keep) z.dispose();
        preactivations.push(keep ? z : null);
        outputs.push(output);
      } else {
        preactivations.push(null);
        outputs.push(
          plan.support.kind === 'function'
            ? forwardFunction(plan.support, node.layer, inputs)
            : (node.layer.apply(inputs.length === 1 ? inputs[0]! : inputs, { training: false }) as tf.Tensor),
        );
      }
    }
    return { input, outputs, preactivations, output: value(this.graph.output) };
  }

  /**
   * Propagates relevance backwards from `seeds` (relevance at the outputs of some layers, by index) to the input.
   * Layers above every seed are not visited. Call it inside `tf.tidy`; each layer's step runs in a tidy of its own,
   * so only relevances outlive it.
   *
   * @example
   * ```ts
   * tf.tidy(() => lrp.backward(pass, new Map([[lastIndex, oneHot]])).input);
   * ```
   */
  backward(
    pass: ForwardPass,
    seeds: ReadonlyMap<number, tf.Tensor>,
    options: BackwardOptions = {},
  ): BackwardResult {
    this.#assertAlive();
    const { keepLayers = true, release = false, stopAt = -1 } = options;
    const owned = new Set<tf.Tensor>(); // relevances this call made, as opposed to the caller's seeds
    const pending = new Map<number, tf.Tensor>(seeds);
    const layers: (tf.Tensor | undefined)[] = new Array(this.#plans.length).fill(undefined);
    let inputRelevance: tf.Tensor | undefined;
    const value = (s: Source) => (s.kind === 'input' ? pass.input : pass.outputs[s.index]!);
    const accumulate = (previous: tf.Tensor | undefined, r: tf.Tensor): tf.Tensor => {
      owned.add(r);
      if (!previous) return r;
      const sum = tf.add(previous, r);
      owned.add(sum);
      for (const t of [previous, r]) if (owned.has(t)) t.dispose();
      return sum;
    };
    for (let i = this.#plans.length - 1; i >= 0; i--) {
      const relevance = pending.get(i);
      if (!relevance) continue;
      if (keepLayers || i <= stopAt) layers[i] = relevance;
      if (i <= stopAt) continue;
      const plan = this.#plans[i]!;
      const node = this.graph.nodes[i]!;
      const rels = tf.tidy(() => this.#step(plan, node.inputs.map(value), pass, i, relevance));
      if (!keepLayers && owned.has(relevance)) relevance.dispose();
      // Layers such as Dropout may hand their input on as their output: that tensor is freed by its producer.
      if (
        release &&
        pass.outputs[i] !== pass.output &&
        !node.inputs.some((src) => value(src) === pass.outputs[i])
      ) {
        pass.outputs[i]!.dispose();
        pass.preactivations[i]?.dispose();
      }
      node.inputs.forEach((src, k) => {
        const r = rels[k]!;
        if (src.kind === 'input') inputRelevance = accumulate(inputRelevance, r);
        else pending.set(src.index, accumulate(pending.get(src.index), r));
      });
    }
    return { input: inputRelevance ?? tf.zerosLike(pass.input), layers };
  }

  #step(plan: Plan, inputs: tf.Tensor[], pass: ForwardPass, i: number, relevance: tf.Tensor): tf.Tensor[] {
    const { support } = plan;
    if (support.kind === 'route')
      return support.route(
        relevance,
        inputs.map((t) => t.shape),
        this.graph.nodes[i]!.layer,
      );
    if (support.kind === 'add') {
      const e = plan.rule.stabilizer; // ε for EpsilonRule, 1e-9 otherwise
      const c = tf.div(relevance, stabilize(pass.outputs[i]!, e));
      return inputs.map((a) => tf.mul(c, a));
    }
    const denominators = pass.denominators?.[i];
    return plan.propagator!.propagate({
      inputs,
      output: pass.outputs[i]!,
      preactivation: pass.preactivations[i]!,
      relevance,
      ...(denominators ? { denominators } : {}),
    });
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
   *   return lrp.backward(cached, seeds).input;
   * });
   * ```
   */
  denominators(pass: ForwardPass, layers: Iterable<number>): (tf.Tensor[] | undefined)[] {
    this.#assertAlive();
    const out: (tf.Tensor[] | undefined)[] = new Array(this.#plans.length).fill(undefined);
    const value = (s: Source) => (s.kind === 'input' ? pass.input : pass.outputs[s.index]!);
    for (const i of layers) {
      const plan = this.#plans[i]!;
      if (!plan.propagator?.denominators) continue;
      out[i] = plan.propagator.denominators({
        inputs: this.graph.nodes[i]!.inputs.map(value),
        output: pass.outputs[i]!,
        preactivation: pass.preactivations[i]!,
      });
    }
    return out;
  }

  /**
   * The relevance at the model's output: a one-hot of 1 at each sample's selected output, or of the logit when
   * `normalizeOutputRelevance` is false.
   */
  outputRelevance(output: tf.Tensor, selection: readonly number[]): tf.Tensor {
    return tf.tidy(() => {
      const perSample = output.size / output.shape[0]!;
      const picks = tf.tensor2d([...selection], [selection.length, 1], 'int32');
      const hot = tf
        .equal(tf.range(0, perSample, 1, 'int32').expandDims(0), picks)
        .toFloat()
        .reshape(output.shape);
      return this.normalizeOutputRelevance ? hot : tf.mul(hot, output);
    });
  }

  /** {@inheritDoc @xai-ts/base!Analyzer.explain} */
  explain(input: tf.Tensor, selector: OutputSelector, options: AnalyzeOptions): Explanation {
    this.#assertAlive();
    const keepLayers = options.layerwiseRelevances === true;
    const n = input.shape[0]!;
    const size = Math.min(this.batchSize ?? n, n);
    let selection: number[] = [];
    const result = tf.tidy(() => {
      if (size < n) {
        // Select on the whole batch first, then explain chunk by chunk (each chunk's pass freed before the next).
        const outputs: tf.Tensor[] = [];
        for (let start = 0; start < n; start += size)
          outputs.push(tf.tidy(() => this.forward(input.slice(start, Math.min(size, n - start))).output));
        const output = tf.concat(outputs, 0);
        selection = selector.select(output);
        const parts: { val: tf.Tensor; layerwise: tf.Tensor[] }[] = [];
        for (let start = 0; start < n; start += size) {
          const count = Math.min(size, n - start);
          parts.push(
            tf.tidy(() =>
              this.#explainPass(
                this.forward(input.slice(start, count)),
                selection.slice(start, start + count),
                keepLayers,
              ),
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
          val: tf.concat(
            parts.map((p) => p.val),
            0,
          ),
          output,
          layerwise,
        };
      }
      const pass = this.forward(input);
      selection = selector.select(pass.output);
      return { ...this.#explainPass(pass, selection, keepLayers), output: pass.output };
    });
    return new Explanation({
      val: result.val,
      input,
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
  ): { val: tf.Tensor; layerwise: tf.Tensor[] } {
    const out = this.graph.output as { index: number };
    const back = this.backward(pass, new Map([[out.index, this.outputRelevance(pass.output, selection)]]), {
      keepLayers,
      release: !keepLayers,
    });
    const layerwise = keepLayers
      ? [back.input, ...back.layers.map((r, k) => r ?? tf.zerosLike(pass.outputs[k]!))]
      : [];
    return { val: back.input, layerwise };
  }

  /**
   * One line per layer: index, name, class and rule, as RelevancePropagation.jl prints an analyzer.
   *
   * @example
   * ```ts
   * console.log(new LRP(model, new EpsilonPlus()).toString());
   * ```
   */
  toString(): string {
    const w = Math.max(4, ...this.layers.map((l) => l.name.length));
    const c = Math.max(5, ...this.layers.map((l) => l.className.length));
    const lines = this.#plans.map(({ info, rule, support }) => {
      const note =
        support.kind === 'route'
          ? '  (routes relevance)'
          : support.kind === 'add'
            ? '  (proportional split)'
            : '';
      return `  ${String(info.index).padStart(3)}  ${info.name.padEnd(w)}  ${info.className.padEnd(c)}  => ${rule}${note}`;
    });
    return `LRP(\n${lines.join('\n')}\n)`;
  }

  /** Frees the modified weights computed at construction. The analyzer cannot be used afterwards. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const p of this.#plans) {
      p.propagator?.dispose();
      p.forward?.dispose();
    }
  }

  #assertAlive(): void {
    if (this.#disposed)
      throw new ModelCheckError([{ index: -1, layer: '', message: 'this LRP analyzer has been disposed' }]);
  }
}

type Shape = (number | null)[];

function symbolicShapes(layer: tf.layers.Layer): { inputShapes: Shape[]; outputShape: Shape } {
  const inbound = layer.inboundNodes[0];
  if (!inbound) return { inputShapes: [], outputShape: [] };
  const ins = inbound.inputShapes as Shape | Shape[];
  const outs = inbound.outputShapes as Shape | Shape[];
  const inputShapes = Array.isArray(ins[0]) ? (ins as Shape[]) : [ins as Shape];
  const outputShape = (Array.isArray(outs[0]) ? (outs as Shape[])[0] : outs) as Shape;
  return { inputShapes, outputShape };
}

const NON_NEGATIVE_ACTIVATIONS = new Set(['relu', 'relu6', 'sigmoid', 'softmax', 'softplus', 'hardSigmoid']);
const MONOTONE_CLASSES = /Pooling|Pool[12]D|UpSampling/;

/** For each layer, whether its output is ≥ 0 whatever the model's input (a static property of the graph). */
function nonNegativeOutputs(graph: LayerGraph, supports: readonly (LayerSupport | undefined)[]): boolean[] {
  const out: boolean[] = [];
  for (const node of graph.nodes) {
    const support = supports[node.index];
    const inputsNonNegative = node.inputs.every((s) => s.kind === 'layer' && out[s.index]);
    const act = activationName(node.layer);
    let result = false;
    if (support?.kind === 'linear') result = act !== undefined && NON_NEGATIVE_ACTIVATIONS.has(act);
    else if (node.className === 'ReLU') result = true;
    else if (node.className === 'Activation') result = act !== undefined && NON_NEGATIVE_ACTIVATIONS.has(act);
    else if (support?.kind === 'route' || support?.kind === 'add' || MONOTONE_CLASSES.test(node.className))
      result = inputsNonNegative;
    out.push(result);
  }
  return out;
}
