import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { readSafetensors, type StoredTensor } from './safetensors.js';

/** The names of the reference cases shipped as fixtures. */
export type CaseName = 'mlp' | 'cnn' | 'cnn_bn' | 'mlp_nobias' | 'cnn_nobias';

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
}

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** Loads a reference case from the fixtures. */
export function loadCase(name: CaseName): ReferenceCase {
  const spec = JSON.parse(readFileSync(`${fixtures}${name}.json`, 'utf8')) as CaseSpec;
  const tensors = readSafetensors(new Uint8Array(readFileSync(`${fixtures}${name}.safetensors`)));
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
  };
}

type Activation = 'linear' | 'relu';

function buildModel(spec: CaseSpec, get: (key: string) => StoredTensor): tf.LayersModel {
  const input = tf.input({ shape: spec.model.inputShape });
  const outputs = new Map<string, tf.SymbolicTensor>();
  let last = input;
  const weights: [tf.layers.Layer, string[]][] = [];
  for (const l of spec.model.layers) {
    const args = l.inputs ? l.inputs.map((n) => outputs.get(n)!) : [last];
    let layer: tf.layers.Layer;
    let keys: string[] = [];
    switch (l.type) {
      case 'dense':
        layer = tf.layers.dense({
          name: l.name,
          units: l.units as number,
          useBias: l.useBias as boolean,
          activation: l.activation as Activation,
        });
        keys = l.useBias ? ['kernel', 'bias'] : ['kernel'];
        break;
      case 'conv2d':
        layer = tf.layers.conv2d({
          name: l.name,
          filters: l.filters as number,
          kernelSize: l.kernelSize as [number, number],
          strides: l.strides as [number, number],
          padding: l.padding as 'same' | 'valid',
          useBias: l.useBias as boolean,
          activation: l.activation as Activation,
        });
        keys = l.useBias ? ['kernel', 'bias'] : ['kernel'];
        break;
      case 'maxPooling2d':
        layer = tf.layers.maxPooling2d({
          name: l.name,
          poolSize: l.poolSize as [number, number],
          strides: l.strides as [number, number],
          padding: l.padding as 'same' | 'valid',
        });
        break;
      case 'averagePooling2d':
        layer = tf.layers.averagePooling2d({
          name: l.name,
          poolSize: l.poolSize as [number, number],
          strides: l.strides as [number, number],
          padding: l.padding as 'same' | 'valid',
        });
        break;
      case 'flatten':
        layer = tf.layers.flatten({ name: l.name });
        break;
      case 'dropout':
        layer = tf.layers.dropout({ name: l.name, rate: l.rate as number });
        break;
      case 'activation':
        layer = tf.layers.activation({ name: l.name, activation: l.activation as Activation });
        break;
      case 'batchNormalization':
        layer = tf.layers.batchNormalization({
          name: l.name,
          axis: l.axis as number,
          epsilon: l.epsilon as number,
          momentum: l.momentum as number,
          center: l.center as boolean,
          scale: l.scale as boolean,
        });
        keys = [
          ...(l.scale ? ['gamma'] : []),
          ...(l.center ? ['beta'] : []),
          'moving_mean',
          'moving_variance',
        ];
        break;
      case 'add':
        layer = tf.layers.add({ name: l.name });
        break;
      default:
        throw new Error(`unknown layer type ${l.type}`);
    }
    const out = layer.apply(args.length === 1 ? args[0]! : args) as tf.SymbolicTensor;
    outputs.set(l.name, out);
    last = out;
    if (keys.length) weights.push([layer, keys]);
  }
  const model = tf.model({ inputs: input, outputs: last });
  for (const [layer, keys] of weights)
    layer.setWeights(
      keys.map((k) => tf.tensor(get(`${layer.name}/${k}`).data, get(`${layer.name}/${k}`).shape)),
    );
  return model;
}
