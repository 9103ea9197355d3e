import * as tf from '@tensorflow/tfjs';
import { type LayerGraph, type LayerNode, readGraph, type Source } from '@xai-ts/canonize';
import { KindReadError, ModelCheckError, type ModelProblem } from './errors.js';
import type { LayerKind, LayerOp, ReadContext } from './kind.js';
import type { BoundLinear } from './linear/linear.js';
import { layerKind } from './registry.js';

/**
 * One layer of an {@link Engine}: the graph node, its kind and what the kind read.
 *
 * @example
 * ```ts
 * for (const n of engine.nodes) console.log(n.node.name, n.kind?.name, n.op?.relevance.kind);
 * ```
 */
export interface EngineNode {
  /** The layer in the model's graph. */
  readonly node: LayerNode;
  /** Its kind, or undefined when none is registered for its class. */
  readonly kind: LayerKind | undefined;
  /** What the kind read, or undefined when the layer cannot be read. */
  readonly op: LayerOp | undefined;
  /** Why the layer cannot be read (no kind, or the kind refused it). */
  readonly problem: string | undefined;
  /** Affine layers: the map bound to the model's own weights. */
  readonly own: BoundLinear | undefined;
  /** The shapes of the layer's inputs, batch axis included (null for free dimensions). */
  readonly inputShapes: readonly (readonly (number | null)[])[];
  /** The shape of its output, batch axis included. */
  readonly outputShape: readonly (number | null)[];
}

/**
 * The tensors of one forward pass, kept for the backward pass. Owned by the caller's `tf.tidy`.
 *
 * @example
 * ```ts
 * tf.tidy(() => engine.forward([x]).output.print());
 * ```
 */
export interface ForwardPass {
  /** The model's inputs. */
  readonly inputs: readonly tf.Tensor[];
  /** Each layer's output, in execution order. */
  readonly outputs: readonly tf.Tensor[];
  /** Each affine layer's pre-activation `W a + b` where it was kept (see {@link ForwardOptions}), else null. */
  readonly preactivations: readonly (tf.Tensor | null)[];
  /** The model's output. */
  readonly output: tf.Tensor;
}

/**
 * Options of {@link Engine.forward}.
 *
 * @example
 * ```ts
 * engine.forward([x], { keepPreactivation: (i) => i === 3 });
 * ```
 */
export interface ForwardOptions {
  /**
   * Which affine layers keep their pre-activation (a layer without a fused activation always has it: it is the
   * output). Default: those whose activation's derivative reads it, as gradients need.
   */
  keepPreactivation?: (index: number) => boolean;
  /** Called after each layer has run, with the pass so far (inside the forward pass's scope). */
  visit?: (index: number, pass: ForwardPass) => void;
  /**
   * Free each layer's output (and pre-activation) as soon as every layer that reads it has run and been visited
   * (default false): a pass that only streams through the model, as the noisy passes of SmoothDiff do; the returned
   * pass then holds the output alone.
   */
  release?: boolean;
}

/**
 * One step of a backward walk: turns what arrived at layer `index`'s output into what goes to each of its inputs
 * (null: nothing). Runs inside a `tf.tidy` of its own.
 */
export type BackwardStep<P extends ForwardPass> = (
  index: number,
  relevance: tf.Tensor,
  pass: P,
) => readonly (tf.Tensor | null)[];

/**
 * Options of {@link Engine.backward}.
 *
 * @example
 * ```ts
 * engine.backward(pass, seeds, step, { keepLayers: false, release: true });
 * ```
 */
export interface BackwardOptions {
  /** Keep what arrived at every layer's output in the result (default true); false frees them as it goes. */
  keepLayers?: boolean;
  /** Free each layer's stored output once its step has run (default false); the pass cannot be reused after. */
  release?: boolean;
  /**
   * Stop at this layer: what arrived there (complete, as all its consumers come later) is recorded in `layers` and
   * not propagated further; `inputs` then hold what reached the inputs by other paths. Default -1: run to the inputs.
   */
  stopAt?: number;
}

/**
 * What a backward walk returns.
 *
 * @example
 * ```ts
 * const { inputs: [r] } = engine.backward(pass, seeds, step);
 * ```
 */
export interface BackwardResult {
  /** What reached each model input (zeros where nothing did). */
  readonly inputs: readonly tf.Tensor[];
  /** What arrived at each layer's output (undefined where nothing did or it was freed). */
  readonly layers: readonly (tf.Tensor | undefined)[];
}

type Shape = readonly (number | null)[];

function symbolicShapes(layer: tf.layers.Layer): { inputShapes: Shape[]; outputShape: Shape } {
  const inbound = layer.inboundNodes[0];
  if (!inbound) return { inputShapes: [], outputShape: [] };
  const ins = inbound.inputShapes as Shape | Shape[];
  const outs = inbound.outputShapes as Shape | Shape[];
  const inputShapes = Array.isArray(ins[0]) ? (ins as Shape[]) : [ins as Shape];
  const outputShape = (Array.isArray(outs[0]) ? (outs as Shape[])[0] : outs) as Shape;
  return { inputShapes, outputShape };
}

/**
 * A model as a graph of layer kinds: each layer read once by its kind (its forward pass, its explicit
 * vector-Jacobian product, its LRP role), a forward pass that keeps what backward walks need, and the backward walk
 * itself, whose step the caller gives: the exact vector-Jacobian product for gradients ({@link Engine.vjp}), an LRP
 * rule for relevance. No step calls `tf.grad`.
 *
 * The engine never disposes the model's weights; it frees what the kinds computed with {@link Engine.dispose}.
 *
 * @example
 * ```ts
 * const engine = new Engine(model);
 * const grad = tf.tidy(() => {
 *   const pass = engine.forward([x]);
 *   const seed = tf.oneHot([3], 10).toFloat();
 *   return engine.backward(pass, new Map([[engine.outputIndex, seed]]), (i, s, p) => engine.vjp(i, p, s)).inputs[0];
 * });
 * engine.dispose();
 * ```
 */
export class Engine {
  /** The model's graph (nested models spliced in). */
  readonly graph: LayerGraph;
  /** Every layer, in execution order. */
  readonly nodes: readonly EngineNode[];
  /** For each layer, whether its output is ≥ 0 whatever the model's input (a static property of the graph). */
  readonly nonNegative: readonly boolean[];
  #disposed = false;

  /**
   * @param model - a model, or its graph as `readGraph` reads it
   * @param options - `vjp` (default true): whether {@link Engine.vjp} will be used; false saves what the layers' own
   *   transposes precompute (flipped kernels), for callers that transpose modified weights only (LRP)
   */
  constructor(model: tf.LayersModel | LayerGraph, options: { vjp?: boolean } = {}) {
    const transposable = options.vjp ?? true;
    this.graph = model instanceof tf.LayersModel ? readGraph(model) : model;
    const ancestors = new Map<number, Set<string>>();
    const key = (s: Source) => `${s.kind}:${s.index}`;
    const ancestorsOf = (index: number): Set<string> => {
      let set = ancestors.get(index);
      if (set) return set;
      set = new Set<string>();
      for (const s of this.graph.nodes[index]!.inputs) {
        set.add(key(s));
        if (s.kind === 'layer') for (const a of ancestorsOf(s.index)) set.add(a);
      }
      ancestors.set(index, set);
      return set;
    };
    const dependsOn = (a: Source, b: Source) =>
      key(a) === key(b) || (a.kind === 'layer' && ancestorsOf(a.index).has(key(b)));
    const nodes: EngineNode[] = [];
    try {
      for (const node of this.graph.nodes) {
        const shapes = symbolicShapes(node.layer);
        const kind = layerKind(node.className);
        let op: LayerOp | undefined;
        let problem: string | undefined;
        if (!kind)
          problem = `${node.className} layers are not supported; register a layer kind for them with registerLayerKind({ classNames: ['${node.className}'], read }) (its forward pass and vector-Jacobian product)`;
        else {
          const context: ReadContext = { node, graph: this.graph, ...shapes, dependsOn };
          try {
            op = kind.read(node.layer, context);
          } catch (e) {
            if (!(e instanceof KindReadError || e instanceof TypeError)) throw e;
            problem = `${node.className}: ${(e as Error).message}`;
          }
        }
        const own = op?.linear ? op.linear.bind(op.linear.kernel, op.linear.bias, transposable) : undefined;
        nodes.push({ node, kind, op, problem, own, ...shapes });
      }
    } catch (e) {
      for (const n of nodes) {
        n.own?.dispose();
        n.op?.dispose?.();
      }
      throw e;
    }
    this.nodes = nodes;
    const nonNegative: boolean[] = [];
    for (const n of nodes) {
      const flags = n.node.inputs.map((s) => s.kind === 'layer' && nonNegative[s.index] === true);
      const op = n.op;
      nonNegative.push(
        op === undefined
          ? false
          : op.linear
            ? op.activation?.nonNegative === true
            : (op.nonNegative?.(flags) ?? false),
      );
    }
    this.nonNegative = nonNegative;
  }

  /** The index of the layer that computes the model's output (-1 when the output is an input). */
  get outputIndex(): number {
    return this.graph.output.kind === 'layer' ? this.graph.output.index : -1;
  }

  /**
   * What stops gradient methods: layers that cannot be read, layers without a vector-Jacobian product, a model
   * without layers.
   *
   * @example
   * ```ts
   * if (engine.gradientProblems().length) throw new ModelCheckError(engine.gradientProblems(), 'Gradient');
   * ```
   */
  gradientProblems(): ModelProblem[] {
    const problems: ModelProblem[] = [];
    if (this.graph.output.kind !== 'layer')
      problems.push({
        index: -1,
        layer: '',
        message: 'the model has no layers between its input and its output',
      });
    for (const n of this.nodes) {
      const at = { index: n.node.index, layer: n.node.name };
      if (n.problem) problems.push({ ...at, message: n.problem });
      else if (n.op && !n.op.linear && !n.op.vjp)
        problems.push({
          ...at,
          message: `the ${n.kind?.name ?? n.node.className} kind gives no vector-Jacobian product for this layer; gradient methods cannot pass it`,
        });
    }
    return problems;
  }

  /**
   * Throws a {@link ModelCheckError} naming `analyzer` when `problems` is not empty.
   *
   * @example
   * ```ts
   * engine.assertNoProblems(engine.gradientProblems(), 'Gradient');
   * ```
   */
  assertNoProblems(problems: readonly ModelProblem[], analyzer: string): void {
    if (problems.length) throw new ModelCheckError(problems, analyzer);
  }

  /**
   * Runs the model layer by layer, keeping every layer's output (and the pre-activations asked for). Call it inside
   * `tf.tidy`.
   *
   * @example
   * ```ts
   * tf.tidy(() => engine.forward([x]).output.print());
   * ```
   */
  forward(inputs: readonly tf.Tensor[], options: ForwardOptions = {}): ForwardPass {
    this.#assertAlive();
    const keep =
      options.keepPreactivation ?? ((i: number) => this.nodes[i]!.op?.activation?.readsInput === true);
    const outputs: tf.Tensor[] = [];
    const preactivations: (tf.Tensor | null)[] = [];
    const value = (s: Source) => (s.kind === 'input' ? inputs[s.index]! : outputs[s.index]!);
    const pass: ForwardPass = { inputs, outputs, preactivations, output: inputs[0]! };
    // with `release`: the last layer that reads each output
    const lastReader = options.release
      ? this.graph.consumers.map((readers) => (readers.length ? Math.max(...readers) : -1))
      : undefined;
    const out = this.graph.output;
    for (const n of this.nodes) {
      const op = this.#op(n);
      const args = n.node.inputs.map(value);
      if (n.own) {
        const z = n.own.apply(args[0]!);
        const y = op.activation ? op.activation.forward(z) : z;
        if (y === z || keep(n.node.index)) preactivations.push(z);
        else {
          // a pre-activation nothing reads is freed at once: it is half of what the pass would hold
          z.dispose();
          preactivations.push(null);
        }
        outputs.push(y);
      } else {
        preactivations.push(null);
        outputs.push(op.forward!(args));
      }
      options.visit?.(n.node.index, pass);
      if (lastReader)
        for (const src of n.node.inputs) {
          if (src.kind !== 'layer' || lastReader[src.index] !== n.node.index) continue;
          if (out.kind === 'layer' && out.index === src.index) continue;
          const t = outputs[src.index]!;
          const pre = preactivations[src.index];
          if (pre && pre !== t) pre.dispose();
          t.dispose();
        }
    }
    return { inputs, outputs, preactivations, output: value(out) };
  }

  /** The inputs of layer `index` in a forward pass. */
  inputsOf(index: number, pass: ForwardPass): tf.Tensor[] {
    return this.nodes[index]!.node.inputs.map((s) =>
      s.kind === 'input' ? pass.inputs[s.index]! : pass.outputs[s.index]!,
    );
  }

  /**
   * The exact vector-Jacobian product of layer `index` at the forward pass: `∂⟨s, f(inputs)⟩/∂inputs` (fused
   * activation included), one tensor per input (null where an input does not affect the output).
   *
   * @example
   * ```ts
   * tf.tidy(() => engine.vjp(2, pass, s));
   * ```
   */
  vjp(index: number, pass: ForwardPass, s: tf.Tensor): (tf.Tensor | null)[] {
    const n = this.nodes[index]!;
    const op = this.#op(n);
    const inputs = this.inputsOf(index, pass);
    if (n.own) {
      const act = op.activation;
      let sz = s;
      if (act) {
        const z = act.readsInput ? (pass.preactivations[index] ?? n.own.apply(inputs[0]!)) : null;
        sz = act.vjp(z, pass.outputs[index]!, s);
      }
      return [n.own.transpose(sz, inputs[0]!.shape)];
    }
    if (!op.vjp)
      throw new ModelCheckError(
        [{ index, layer: n.node.name, message: `the ${n.kind?.name} kind gives no vector-Jacobian product` }],
        'the engine',
      );
    return op.vjp(inputs, pass.outputs[index]!, s);
  }

  /**
   * The statistics of layer `index` in a forward pass whose mean over noisy passes is its expected Jacobian
   * (SmoothDiff), or undefined where the layer's Jacobian does not depend on its input or has no such form (then
   * {@link Engine.expectedVjp} takes it at the pass it is given). An elementwise activation gives its derivative.
   */
  jacobianSample(index: number, pass: ForwardPass): tf.Tensor[] | undefined {
    const n = this.nodes[index]!;
    const op = this.#op(n);
    if (n.own) {
      const act = op.activation;
      if (!act?.elementwise) return undefined;
      const y = pass.outputs[index]!;
      const z = act.readsInput
        ? (pass.preactivations[index] ?? n.own.apply(this.inputsOf(index, pass)[0]!))
        : null;
      return [act.derivative ? act.derivative(z, y) : act.vjp(z, y, tf.onesLike(y))];
    }
    return op.expected?.sample(this.inputsOf(index, pass), pass.outputs[index]!);
  }

  /**
   * The vector-Jacobian product of layer `index` with its expected Jacobian: the mean statistics `means` of
   * {@link Engine.jacobianSample} where given, else its Jacobian at `pass`.
   */
  expectedVjp(
    index: number,
    pass: ForwardPass,
    means: readonly tf.Tensor[] | undefined,
    s: tf.Tensor,
  ): (tf.Tensor | null)[] {
    if (!means) return this.vjp(index, pass, s);
    const n = this.nodes[index]!;
    const op = this.#op(n);
    const inputs = this.inputsOf(index, pass);
    if (n.own) return [n.own.transpose(tf.mul(s, means[0]!), inputs[0]!.shape)];
    return op.expected!.vjp(means, inputs, s);
  }

  /**
   * Walks the graph backwards from `seeds` (what arrives at the outputs of some layers, by index): each layer's step
   * turns what arrived at its output into what goes to its inputs, and contributions to one tensor are summed.
   * Layers above every seed are not visited. Call it inside `tf.tidy`; each step runs in a tidy of its own, so only
   * what the steps return outlives it.
   *
   * @example
   * ```ts
   * tf.tidy(() => engine.backward(pass, new Map([[engine.outputIndex, seed]]), (i, s, p) => engine.vjp(i, p, s)));
   * ```
   */
  backward<P extends ForwardPass>(
    pass: P,
    seeds: ReadonlyMap<number, tf.Tensor>,
    step: BackwardStep<P>,
    options: BackwardOptions = {},
  ): BackwardResult {
    this.#assertAlive();
    const { keepLayers = true, release = false, stopAt = -1 } = options;
    const owned = new Set<tf.Tensor>(); // tensors this call made, as opposed to the caller's seeds
    const pending = new Map<number, tf.Tensor>(seeds);
    const layers: (tf.Tensor | undefined)[] = new Array(this.nodes.length).fill(undefined);
    const atInputs: (tf.Tensor | undefined)[] = pass.inputs.map(() => undefined);
    const accumulate = (previous: tf.Tensor | undefined, r: tf.Tensor): tf.Tensor => {
      owned.add(r);
      if (!previous) return r;
      const sum = tf.add(previous, r);
      owned.add(sum);
      for (const t of [previous, r]) if (owned.has(t)) t.dispose();
      return sum;
    };
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const arrived = pending.get(i);
      if (!arrived) continue;
      if (keepLayers || i <= stopAt) layers[i] = arrived;
      if (i <= stopAt) continue;
      const node = this.nodes[i]!.node;
      // (null entries are fine for tidy at run time; its type does not admit them)
      const results = tf.tidy(
        () => step(i, arrived, pass) as unknown as tf.TensorContainer,
      ) as unknown as readonly (tf.Tensor | null)[];
      if (!keepLayers && owned.has(arrived) && !results.includes(arrived)) arrived.dispose();
      if (release && pass.outputs[i] !== pass.output) {
        pass.outputs[i]!.dispose();
        pass.preactivations[i]?.dispose();
      }
      node.inputs.forEach((src, k) => {
        const r = results[k];
        if (!r) return;
        if (src.kind === 'input') atInputs[src.index] = accumulate(atInputs[src.index], r);
        else pending.set(src.index, accumulate(pending.get(src.index), r));
      });
    }
    return {
      inputs: atInputs.map((r, k) => r ?? tf.zerosLike(pass.inputs[k]!)),
      layers,
    };
  }

  /** Frees what the kinds computed at construction. The engine cannot be used afterwards. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const n of this.nodes) {
      n.own?.dispose();
      n.op?.dispose?.();
    }
  }

  /** Whether {@link Engine.dispose} has been called. */
  get disposed(): boolean {
    return this.#disposed;
  }

  #op(n: EngineNode): LayerOp {
    if (!n.op)
      throw new ModelCheckError(
        [{ index: n.node.index, layer: n.node.name, message: n.problem ?? 'cannot be read' }],
        'the engine',
      );
    return n.op;
  }

  #assertAlive(): void {
    if (this.#disposed)
      throw new ModelCheckError(
        [{ index: -1, layer: '', message: 'this analyzer has been disposed' }],
        'the engine',
      );
  }
}
