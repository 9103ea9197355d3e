import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { MaskSelector, type OutputSelection } from '@xai-ts/base';
import { readSafetensors, type StoredTensor } from './safetensors.js';

/**
 * A reference case's name: the stem of its JSON file (`mlp`, `cnn`, `mbv2_tiny`, …). Tests take every case of
 * {@link caseNames} rather than a fixed list, so new cases are picked up without code changes.
 */
export type CaseName = string;

/** A rule as the reference files write it. */
export interface RuleSpec {
  rule:
    | 'zero'
    | 'epsilon'
    | 'gamma'
    | 'wsquare'
    | 'flat'
    | 'alphabeta'
    | 'zplus'
    | 'zbox'
    | 'pass'
    | 'layernorm'
    | 'generalizedgamma'
    | 'merged';
  epsilon?: number;
  gamma?: number;
  alpha?: number;
  beta?: number;
  low?: number;
  high?: number;
}

/** One layer of a case's model. */
export interface LayerSpec {
  name: string;
  type: string;
  inputs?: string[];
  [key: string]: unknown;
}

/** One reference attribution. */
export interface AttributionSpec {
  id: string;
  method: 'lrp' | 'gradient' | 'inputxgradient' | 'crp';
  composite?: { name: string; low?: number; high?: number; epsilon?: number; gamma?: number };
  rule?: RuleSpec;
  ruleMap?: Record<string, RuleSpec>;
  canonize?: boolean;
  outputSelection: 'max' | number;
  selectedIndices: number[];
  outputRelevance: 'onehot' | 'logit';
  crp?: { layer: string; features: number[] };
  tensor: string;
  shape: number[];
  relevanceSum?: number[];
  tolerance: { rtol: number; atol: number; relL2: number };
  illConditioned: boolean;
}

/** A case's JSON description. */
export interface CaseSpec {
  name: string;
  model: { inputShape: number[]; layers: LayerSpec[] };
  batch: number;
  fixedClass: number;
  attributions: AttributionSpec[];
  tolerance: { rtol: number; atol: number };
  conservation?: { id: string; inputRelevanceSumFloat32: number[]; maxAbsErrorFloat32: number }[];
  /** A per-pixel output explained over a region: the mask `[H, W]` over the output's pixels. */
  outputMask?: { mask: number[][]; region?: unknown; definition?: string };
}

/** A loaded reference case. */
export interface ReferenceCase {
  readonly spec: CaseSpec;
  readonly tensors: Map<string, StoredTensor>;
  /** Builds the case's model in TF.js with the stored weights (a new model each call). */
  buildModel(): tf.LayersModel;
  /** The stored input as a new tensor. */
  input(): tf.Tensor;
  /** The stored logits as a new tensor. */
  logits(): tf.Tensor;
  /** An attribution's description and expected values. */
  attribution(id: string): { spec: AttributionSpec; expected: StoredTensor };
  /**
   * What `analyze()` takes as the selection of an attribution: its class (or undefined for `max`), or, for a
   * per-pixel output explained over a region, a `MaskSelector` (dispose it).
   */
  selection(spec: AttributionSpec): OutputSelection;
}

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const shared = fileURLToPath(new URL('../../../../shared/reference/cases/', import.meta.url));

/**
 * Where the reference cases are read from: `XAI_REFERENCE_CASES` if set, else `../shared/reference/cases` beside the
 * repository (where new cases arrive), else the fixtures copied into this package (a fresh clone alone).
 */
export function caseDirectory(): string {
  const env = process.env.XAI_REFERENCE_CASES;
  if (env) return env.endsWith('/') ? env : `${env}/`;
  return existsSync(shared) ? shared : fixtures;
}

/** Every reference case of {@link caseDirectory}: each JSON file with its safetensors beside it, by name. */
export function caseNames(): CaseName[] {
  const dir = caseDirectory();
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && existsSync(`${dir}${f.slice(0, -5)}.safetensors`))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** Loads a reference case from {@link caseDirectory} (or from the fixtures, if only they have it). */
export function loadCase(name: CaseName): ReferenceCase {
  const dir = existsSync(`${caseDirectory()}${name}.json`) ? caseDirectory() : fixtures;
  const spec = JSON.parse(readFileSync(`${dir}${name}.json`, 'utf8')) as CaseSpec;
  const tensors = readSafetensors(new Uint8Array(readFileSync(`${dir}${name}.safetensors`)));
  const get = (key: string): StoredTensor => {
    const t = tensors.get(key);
    if (!t) throw new Error(`case ${name} has no tensor ${key}`);
    return t;
  };
  return {
    spec,
    tensors,
    buildModel: () => buildModel(spec, get),
    input: () => tf.tensor(get('input').data, get('input').shape),
    logits: () => tf.tensor(get('logits').data, get('logits').shape),
    attribution: (id) => {
      const a = spec.attributions.find((x) => x.id === id);
      if (!a) throw new Error(`case ${name} has no attribution ${id}`);
      return { spec: a, expected: get(a.tensor) };
    },
    selection: (a) => {
      const k = a.outputSelection === 'max' ? undefined : a.outputSelection;
      return spec.outputMask ? new MaskSelector(spec.outputMask.mask, k) : k;
    },
  };
}

/** The last part of a weight's name: `conv2d_1/kernel` → `kernel`. */
function shortName(name: string): string {
  return name.split('/').pop() ?? name;
}

/**
 * Builds a case's model: each layer from `tf.layers[type]` with the JSON's options (the files use TF.js names and
 * layouts), sequential unless `inputs` names other layers; weights from `<layer>/<weight>` tensors.
 */
function buildModel(spec: CaseSpec, get: (key: string) => StoredTensor): tf.LayersModel {
  const input = tf.input({ shape: spec.model.inputShape });
  const outputs = new Map<string, tf.SymbolicTensor>();
  let last = input;
  const layers: tf.layers.Layer[] = [];
  const factories = tf.layers as unknown as Record<string, (config: object) => tf.layers.Layer>;
  for (const l of spec.model.layers) {
    const { name, type, inputs, ...options } = l;
    const factory = factories[type];
    if (typeof factory !== 'function') throw new Error(`case ${spec.name}: unknown layer type ${type}`);
    const layer = factory({ name, ...options });
    const args = inputs ? inputs.map((n) => outputs.get(n)!) : [last];
    const out = layer.apply(args.length === 1 ? args[0]! : args) as tf.SymbolicTensor;
    outputs.set(name, out);
    last = out;
    layers.push(layer);
  }
  const model = tf.model({ inputs: input, outputs: last });
  for (const layer of layers) {
    if (layer.weights.length === 0) continue;
    const values = layer.weights.map((w) => {
      const t = get(`${layer.name}/${shortName(w.originalName)}`);
      return tf.tensor(t.data, t.shape);
    });
    layer.setWeights(values);
    tf.dispose(values);
  }
  return model;
}
