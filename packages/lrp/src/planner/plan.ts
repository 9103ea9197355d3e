import * as tf from '@tensorflow/tfjs';
import {
  type Engine,
  ModelCheckError,
  type ModelProblem,
  type RelevanceRole,
  unbroadcast,
} from '@xai-ts/engine';
import type { Composite, LayerInfo } from '../composites/composite.js';
import { RuleCompatibilityError } from '../errors.js';
import type { Propagator, Rule, RuleLayer } from '../rules/rule.js';
import { DEFAULT_STABILIZER, stabilize } from '../stabilize.js';
import { functionPassesProblem, functionPropagator } from './function.js';
import { linearPropagator } from './passes.js';

// The planner: reads the engine's layers once, resolves the composite to one rule per layer, checks that every rule
// fits its layer, and prepares each rule (its modified weights) for the backward walk.

/** One layer as the planner prepared it. */
export interface LayerPlan {
  /** What composites know of the layer. */
  readonly info: LayerInfo;
  /** Its rule. */
  readonly rule: Rule;
  /** How LRP treats it (its kind's role; `skipChecks` turns unsupported roles into the generic ones). */
  readonly role: RelevanceRole;
  /** Whether relevance can reach the layer (false inside gate branches). */
  readonly explained: boolean;
  /** The prepared step, for explained layers. */
  readonly propagator: Propagator | null;
}

/** The name of a layer's activation: fused, or that of an Activation layer. */
export function activationName(layer: tf.layers.Layer): string | undefined {
  const a = layer.getConfig().activation;
  return typeof a === 'string' ? a : undefined;
}

/** What composites know of each layer of the engine. */
export function layerInfos(engine: Engine): LayerInfo[] {
  return engine.nodes.map((n) => ({
    index: n.node.index,
    name: n.node.name,
    className: n.node.className,
    groups: n.kind?.groups ?? [],
    activation: activationName(n.node.layer),
    transparent: n.op?.relevance.kind === 'route' || (n.kind?.groups.includes('preprocessing') ?? false),
  }));
}

/**
 * For each layer, whether relevance can reach it from the output: a gate's branch (the input of a gating Multiply
 * that is not its signal) receives none, so its layers need no LRP rule.
 */
export function explainedLayers(engine: Engine): boolean[] {
  const explained = engine.nodes.map(() => false);
  const out = engine.graph.output;
  if (out.kind === 'layer') explained[out.index] = true;
  for (let i = engine.nodes.length - 1; i >= 0; i--) {
    if (!explained[i]) continue;
    const n = engine.nodes[i]!;
    const role = n.op?.relevance;
    n.node.inputs.forEach((src, k) => {
      if (role?.kind === 'gate' && k !== role.signal) return;
      if (src.kind === 'layer') explained[src.index] = true;
    });
  }
  return explained;
}

function isSoftmax(className: string, activation: string | undefined): boolean {
  return className === 'Softmax' || activation === 'softmax';
}

/** The role LRP uses: the kind's, or with `skipChecks` the generic one where the kind has no LRP rule. */
function effectiveRole(role: RelevanceRole, linear: boolean, skipChecks: boolean): RelevanceRole {
  if (role.kind !== 'unsupported' || !skipChecks) return role;
  return linear ? { kind: 'linear' } : { kind: 'function' };
}

/**
 * The model check of LRP (RelevancePropagation.jl's `check_model`): every layer readable by a registered kind,
 * every explained layer with an LRP rule, no softmax at the output. Each problem says what to do.
 *
 * @example
 * ```ts
 * for (const p of lrpProblems(new Engine(model))) console.log(p.layer, p.message);
 * ```
 */
export function lrpProblems(engine: Engine, skipChecks = false): ModelProblem[] {
  const problems: ModelProblem[] = [];
  const explained = explainedLayers(engine);
  const out = engine.graph.output;
  if (out.kind !== 'layer')
    problems.push({
      index: -1,
      layer: '',
      message: 'the model has no layers between its input and its output',
    });
  const outputSoftmax =
    out.kind === 'layer' &&
    isSoftmax(engine.nodes[out.index]!.node.className, activationName(engine.nodes[out.index]!.node.layer));
  for (const n of engine.nodes) {
    const at = { index: n.node.index, layer: n.node.name };
    if (n.problem) {
      problems.push({ ...at, message: n.problem });
      continue;
    }
    const isOutput = out.kind === 'layer' && out.index === n.node.index;
    if (isOutput && outputSoftmax) {
      if (!skipChecks)
        problems.push({
          ...at,
          message:
            'the model ends in a softmax; LRP explains logits: remove it with stripSoftmax(model) from @xai-ts/canonize, or pass { skipChecks: true }',
        });
      continue;
    }
    const role = n.op!.relevance;
    if (role.kind === 'unsupported' && explained[n.node.index] && !skipChecks)
      problems.push({ ...at, message: role.reason });
  }
  return problems;
}

/** What a rule sees of layer `index`. */
export function ruleLayer(engine: Engine, index: number, role: RelevanceRole): RuleLayer {
  const n = engine.nodes[index]!;
  return {
    node: n.node,
    kind: n.kind!,
    op: n.op!,
    role,
    linear: n.op!.linear ?? null,
    inputShapes: n.inputShapes,
    outputShape: n.outputShape,
    nonNegativeInput: n.node.inputs.every((s) => s.kind === 'layer' && engine.nonNegative[s.index] === true),
  };
}

/** Roles whose treatment does not depend on the rule. */
const FIXED = new Set(['route', 'pass', 'split', 'gate']);

/** Why `rule` cannot handle the layer, or undefined. */
export function ruleProblem(rule: Rule, layer: RuleLayer): string | undefined {
  if (FIXED.has(layer.role.kind)) return undefined;
  if (!rule.passes && !rule.prepare) return `${rule} has neither passes nor a step of its own (prepare)`;
  if (!rule.isCompatible(layer))
    return `${rule} is not compatible with this ${layer.node.className} layer${
      layer.linear ? '' : ' (it has no weights)'
    }; give it a rule that fits, such as ZeroRule or EpsilonRule${layer.linear ? '' : ', or PassRule where input and output sizes match'}`;
  if (!layer.linear && !rule.prepare) {
    const why = functionPassesProblem(rule.passes!(layer));
    if (why) return `${rule} cannot be applied to this ${layer.node.className} layer: ${why}`;
  }
  return undefined;
}

/** The step of a role that does not depend on the rule. */
function fixedPropagator(layer: RuleLayer): Propagator {
  const role = layer.role;
  switch (role.kind) {
    case 'route':
      return {
        propagate: ({ inputs, output, relevance }) => layer.op.vjp!(inputs, output, relevance),
        dispose: () => {},
      };
    case 'pass':
      return {
        propagate: ({ inputs, relevance }) => [relevance.reshape(inputs[0]!.shape)],
        dispose: () => {},
      };
    case 'gate':
      return {
        propagate: ({ inputs, relevance }) =>
          inputs.map((a, k) => (k === role.signal ? unbroadcast(relevance.clone(), a.shape) : null)),
        dispose: () => {},
      };
    default: {
      // a residual Add: c = R / stab(Σ a_k, 1e-9), input k gets c ⊙ a_k, whatever the rule
      const denominators = ({ output }: { output: tf.Tensor }) => [stabilize(output, DEFAULT_STABILIZER)];
      return {
        denominators,
        propagate: (step) => {
          const [d] = step.denominators ?? denominators(step);
          const c = tf.div(step.relevance, d!);
          return step.inputs.map((a) => unbroadcast(tf.mul(c, a), a.shape));
        },
        dispose: () => {},
      };
    }
  }
}

/** Prepares `rule` on a layer it fits (see {@link ruleProblem}). */
export function prepare(rule: Rule, layer: RuleLayer): Propagator {
  if (FIXED.has(layer.role.kind)) return fixedPropagator(layer);
  if (rule.prepare) return rule.prepare(layer);
  const passes = rule.passes!(layer);
  return layer.linear ? linearPropagator(rule, passes, layer) : functionPropagator(rule, passes, layer);
}

/** Options of {@link planLayers}. */
export interface PlanOptions {
  /** Skip the checks of meaning (a softmax output, layers without an LRP rule); see `LRPOptions.skipChecks`. */
  readonly skipChecks?: boolean;
}

/**
 * Resolves `composite` on the engine's layers, checks the model and the rules, and prepares every explained layer's
 * rule.
 *
 * @throws {@link ModelCheckError} listing every problem of the model and of the rules
 * @throws {@link RuleCompatibilityError} when only rules are at fault
 */
export function planLayers(engine: Engine, composite: Composite, options: PlanOptions = {}): LayerPlan[] {
  const skipChecks = options.skipChecks ?? false;
  const infos = layerInfos(engine);
  const rules = composite.resolve(infos);
  const explained = explainedLayers(engine);
  const problems = lrpProblems(engine, skipChecks);
  const ruleProblems: ModelProblem[] = [];
  const layers = engine.nodes.map((n, i) => {
    if (!n.op || !explained[i]) return undefined;
    const rl = ruleLayer(engine, i, effectiveRole(n.op.relevance, !!n.op.linear, skipChecks));
    if (rl.role.kind === 'unsupported') return undefined;
    const why = ruleProblem(rules[i]!, rl);
    if (why) ruleProblems.push({ index: i, layer: n.node.name, message: why });
    return rl;
  });
  if (problems.length + ruleProblems.length > 0) {
    if (problems.length === 0) throw new RuleCompatibilityError(ruleProblems);
    throw new ModelCheckError([...problems, ...ruleProblems].sort((a, b) => a.index - b.index));
  }
  const plans: LayerPlan[] = [];
  try {
    engine.nodes.forEach((n, i) => {
      const rl = layers[i];
      plans.push({
        info: infos[i]!,
        rule: rules[i]!,
        role: rl?.role ?? n.op!.relevance,
        explained: explained[i]!,
        propagator: rl ? prepare(rules[i]!, rl) : null,
      });
    });
  } catch (e) {
    for (const p of plans) p.propagator?.dispose();
    throw e;
  }
  return plans;
}
