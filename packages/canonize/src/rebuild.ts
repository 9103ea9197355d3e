import * as tf from '@tensorflow/tfjs';
import { ModelRebuildError } from './errors.js';
import type { LayerGraph, LayerNode, Source } from './graph.js';

type Config = tf.serialization.ConfigDict;

/** How one node of a graph changes in the rebuilt model. */
export interface NodeChange {
  /** Config entries that override the layer's own (for example `{ activation: 'linear' }`). */
  readonly config?: Config;
  /** Weights that replace the layer's own, in the new layer's weight order (copied, not adopted). */
  readonly weights?: readonly tf.Tensor[];
}

/** What {@link rebuild} changes: nodes it leaves out (their output is their single input) and nodes it alters. */
export interface RebuildPlan {
  readonly bypass?: ReadonlySet<number>;
  readonly change?: ReadonlyMap<number, NodeChange>;
}

/**
 * Rebuilds `graph` (read from `model`) as one flat functional model: every layer recreated from its class and config,
 * every weight copied, nested models spliced. The original model is neither changed nor shared with the result.
 */
export function rebuild(model: tf.LayersModel, graph: LayerGraph, plan: RebuildPlan = {}): tf.LayersModel {
  const bypass = plan.bypass ?? new Set<number>();
  const change = plan.change ?? new Map<number, NodeChange>();
  const usedNames = new Set<string>();
  const inputs = model.inputs.map((t, i) => {
    const name = uniqueName(model.inputLayers[i]?.name ?? `input_${i}`, [], usedNames);
    return tf.input({ shape: t.shape.slice(1) as number[], dtype: t.dtype, name });
  });
  const built: tf.layers.Layer[] = [];
  const outputs = new Map<number, tf.SymbolicTensor>();

  // Memoised depth-first construction: each node is built once, after everything that feeds it.
  const build = (source: Source): tf.SymbolicTensor => {
    if (source.kind === 'input') return inputs[source.index]!;
    const done = outputs.get(source.index);
    if (done) return done;
    const node = graph.nodes[source.index]!;
    let out: tf.SymbolicTensor;
    if (bypass.has(node.index)) {
      if (node.inputs.length !== 1)
        throw new ModelRebuildError(
          `cannot remove layer "${node.name}" (${node.className}): it has ${node.inputs.length} inputs, not 1`,
        );
      out = build(node.inputs[0]!);
    } else {
      const args = node.inputs.map(build);
      const { layer, restore } = recreate(node, change.get(node.index)?.config ?? {}, usedNames);
      built.push(layer);
      const applied = layer.apply(args.length === 1 ? args[0]! : args);
      if (Array.isArray(applied) || !(applied instanceof tf.SymbolicTensor))
        throw new ModelRebuildError(
          `layer "${node.name}" (${node.className}) gave several outputs when rebuilt; only single-output layers are supported`,
        );
      setWeights(layer, node, change.get(node.index)?.weights);
      restore();
      out = applied;
    }
    outputs.set(source.index, out);
    return out;
  };

  try {
    if (graph.output.kind === 'input' || resolvesToInput(graph, graph.output, bypass))
      throw new ModelRebuildError(
        `model "${model.name}" would be left without layers: its output is its input once the removed layers are gone`,
      );
    const output = build(graph.output);
    return tf.model({ inputs, outputs: output, name: model.name });
  } catch (e) {
    for (const layer of built) if (layer.built) layer.dispose();
    throw e;
  }
}

function resolvesToInput(graph: LayerGraph, source: Source, bypass: ReadonlySet<number>): boolean {
  let s = source;
  while (s.kind === 'layer' && bypass.has(s.index)) {
    const next = graph.nodes[s.index]!.inputs[0];
    if (!next) return false;
    s = next;
  }
  return s.kind === 'input';
}

/** Constructor arguments that a TF.js 4.22 layer's getConfig() leaves out, read from the layer itself. */
const CONFIG_GAPS: Readonly<Record<string, (layer: tf.layers.Layer) => Config>> = {
  SeparableConv2D: (layer): Config => {
    const multiplier = (layer as unknown as { depthMultiplier?: unknown }).depthMultiplier;
    return typeof multiplier === 'number' ? { depthMultiplier: multiplier } : {};
  },
};

/** A serialized initializer, as getConfig() gives it. */
function isSerialized(value: unknown): value is { className: string; config: Config } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { className?: unknown }).className === 'string'
  );
}

function deserialize(value: { className: string; config: Config }): unknown {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[value.className];
  return entry ? entry[1](entry[0], value.config) : undefined;
}

/**
 * A new layer of the node's class from its config (constraints dropped, `overrides` applied), named uniquely, and a
 * `restore` to call once it is built and has its weights.
 *
 * The copied weights overwrite whatever the initializers draw, and drawing a large model's random weights costs
 * seconds on the CPU; so the layer is built with zeros initializers and `restore` gives it its own back (where the
 * layer keeps them under the config's key, as every TF.js layer does; otherwise it is built with the originals).
 */
function recreate(
  node: LayerNode,
  overrides: Config,
  usedNames: Set<string>,
): { layer: tf.layers.Layer; restore: () => void } {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[node.className];
  if (!entry)
    throw new ModelRebuildError(
      `layer "${node.name}" is a ${node.className}, a class tf.serialization does not know; register it with ` +
        `tf.serialization.registerClass(${node.className}) before rebuilding the model`,
    );
  const [cls, fromConfig] = entry;
  const config: Config = {
    ...node.layer.getConfig(),
    ...CONFIG_GAPS[node.className]?.(node.layer),
    ...overrides,
  };
  // Constraints are training-time projections: applied by setWeights they would alter the copied (or folded) values.
  for (const key of Object.keys(config)) if (key.endsWith('Constraint')) config[key] = null;
  delete config.batchInputShape;
  delete config.inputShape;
  delete config.batchSize;
  config.name = uniqueName(node.name, node.path, usedNames);
  const initializers = Object.entries(config).filter(
    (e): e is [string, { className: string; config: Config }] =>
      e[0].endsWith('Initializer') && isSerialized(e[1]) && e[1].className !== 'Zeros',
  );
  const zeroed: Config = { ...config };
  for (const [key] of initializers) zeroed[key] = { className: 'Zeros', config: {} };
  const make = (c: Config): tf.layers.Layer => {
    try {
      const layer = fromConfig(cls, c);
      if (!(layer instanceof tf.layers.Layer))
        throw new Error(`${node.className}.fromConfig did not give a layer`);
      return layer;
    } catch (e) {
      throw new ModelRebuildError(
        `cannot recreate layer "${node.name}" (${node.className}) from its config: ${(e as Error).message}; ` +
          'make sure its getConfig() returns every constructor argument',
      );
    }
  };
  const layer = make(zeroed);
  const fields = layer as unknown as Record<string, unknown>;
  const restored = initializers.map(([key, value]) => [key, deserialize(value)] as const);
  const restorable = restored.every(
    ([key, init]) =>
      isInitializer(init) &&
      isInitializer(fields[key]) &&
      Object.getOwnPropertyDescriptor(layer, key)?.writable === true,
  );
  if (!restorable) return { layer: make(config), restore: () => {} };
  return {
    layer,
    restore: () => {
      for (const [key, init] of restored) fields[key] = init;
    },
  };
}

function isInitializer(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && typeof (value as { apply?: unknown }).apply === 'function'
  );
}

function setWeights(
  layer: tf.layers.Layer,
  node: LayerNode,
  replacement: readonly tf.Tensor[] | undefined,
): void {
  const expected = layer.weights.map((w) => w.shape);
  tf.tidy(() => {
    // clone: the new model gets its own tensors, so disposing or retraining the original cannot reach it.
    const values = (replacement ?? node.layer.getWeights()).map((w) => w.clone());
    const fits =
      values.length === expected.length &&
      values.every((v, i) => tf.util.arraysEqual(v.shape, expected[i] as number[]));
    if (!fits)
      throw new ModelRebuildError(
        `layer "${node.name}" (${node.className}) rebuilt with weights of shapes ` +
          `${JSON.stringify(expected)} but was given ${JSON.stringify(values.map((v) => v.shape))}`,
      );
    layer.setWeights(values);
  });
}

function uniqueName(name: string, path: readonly string[], used: Set<string>): string {
  let candidate = name;
  if (used.has(candidate) && path.length > 0) candidate = `${path.join('_')}_${name}`;
  for (let k = 1; used.has(candidate); k++) candidate = `${name}_${k}`;
  used.add(candidate);
  return candidate;
}
