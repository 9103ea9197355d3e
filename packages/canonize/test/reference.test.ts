import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonizeWithReport } from '../src/index.js';
import { readSafetensors, type StoredTensor } from './safetensors.js';

// The cnn_bn reference case of ../shared/reference (copied into fixtures/): its Keras model spec, weights, input and
// logits. The LRP parity on the canonized model lives in @xai-ts/lrp.

interface LayerSpec {
  name: string;
  type: string;
  [key: string]: unknown;
}

interface CaseSpec {
  model: { inputShape: number[]; layers: LayerSpec[] };
  tolerance: { rtol: number; atol: number };
}

const fixture = (file: string) => new URL(`./fixtures/${file}`, import.meta.url).pathname;

function makeLayer(spec: LayerSpec): tf.layers.Layer {
  const { name, type, inputs: _inputs, ...args } = spec;
  // the spec's fields are the factories' own arguments (checked by building the model and matching its logits)
  const factories: Record<string, (config: never) => tf.layers.Layer> = {
    conv2d: tf.layers.conv2d,
    dense: tf.layers.dense,
    batchNormalization: tf.layers.batchNormalization,
    activation: tf.layers.activation,
    maxPooling2d: tf.layers.maxPooling2d,
    averagePooling2d: tf.layers.averagePooling2d,
    flatten: tf.layers.flatten,
    dropout: tf.layers.dropout,
    add: tf.layers.add,
  };
  const factory = factories[type];
  if (!factory)
    throw new Error(`reference layer "${name}" has type "${type}", which this test does not build`);
  return factory({ ...args, name } as never);
}

/** Builds the case's model (layers in sequence unless `inputs` names them) and loads its stored weights. */
function buildModel(spec: CaseSpec, tensors: Map<string, StoredTensor>): tf.LayersModel {
  const x = tf.input({ shape: spec.model.inputShape });
  const outputs = new Map<string, tf.SymbolicTensor>();
  let last = x;
  const layers: [tf.layers.Layer, LayerSpec][] = [];
  for (const layerSpec of spec.model.layers) {
    const layer = makeLayer(layerSpec);
    const from = layerSpec.inputs as string[] | undefined;
    const args = from ? from.map((n) => outputs.get(n)!) : last;
    last = layer.apply(args) as tf.SymbolicTensor;
    outputs.set(layerSpec.name, last);
    layers.push([layer, layerSpec]);
  }
  const model = tf.model({ inputs: x, outputs: last });
  const order: Record<string, string[]> = {
    conv2d: ['kernel', 'bias'],
    dense: ['kernel', 'bias'],
    batchNormalization: ['gamma', 'beta', 'moving_mean', 'moving_variance'],
  };
  for (const [layer, layerSpec] of layers) {
    const names = (order[layerSpec.type] ?? []).filter((w) => tensors.has(`${layerSpec.name}/${w}`));
    if (names.length === 0) continue;
    tf.tidy(() =>
      layer.setWeights(
        names.map((w) => {
          const t = tensors.get(`${layerSpec.name}/${w}`)!;
          return tf.tensor(t.data, t.shape);
        }),
      ),
    );
  }
  return model;
}

function expectClose(actual: tf.Tensor, expected: StoredTensor, tol: { rtol: number; atol: number }): void {
  const a = actual.dataSync();
  expect(Array.from(actual.shape)).toEqual(expected.shape);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const e = expected.data[i]!;
    worst = Math.max(worst, Math.abs(a[i]! - e) / (tol.atol + tol.rtol * Math.abs(e)));
  }
  expect(worst, 'largest |ours − ref| / (atol + rtol·|ref|)').toBeLessThanOrEqual(1);
}

describe('reference case cnn_bn', () => {
  const spec = JSON.parse(readFileSync(fixture('cnn_bn.json'), 'utf8')) as CaseSpec;
  const tensors = readSafetensors(fixture('cnn_bn.safetensors'));
  let model: tf.LayersModel;
  let input: tf.Tensor;
  beforeAll(() => {
    model = buildModel(spec, tensors);
    const stored = tensors.get('input')!;
    input = tf.tensor(stored.data, stored.shape);
  });
  afterAll(() => {
    model.dispose();
    input.dispose();
  });

  it('the model built from the spec reproduces the stored logits', () => {
    tf.tidy(() => expectClose(model.predict(input) as tf.Tensor, tensors.get('logits')!, spec.tolerance));
  });

  it('the canonized model reproduces them too, with no BatchNormalization left', () => {
    const { model: canonical, folded, kept } = canonizeWithReport(model);
    expect(folded).toEqual([
      { batchNorm: 'batch_normalization_1', into: 'conv2d_1' },
      { batchNorm: 'batch_normalization_2', into: 'conv2d_2' },
    ]);
    expect(kept).toEqual([]);
    expect(canonical.layers.map((l) => l.getClassName())).not.toContain('BatchNormalization');
    tf.tidy(() => expectClose(canonical.predict(input) as tf.Tensor, tensors.get('logits')!, spec.tolerance));
    canonical.dispose();
  });

  it('folds with epsilon: the folded conv equals W·gamma/sqrt(var + eps) and (b − mean)·scale + beta', () => {
    const { model: canonical } = canonizeWithReport(model);
    const get = (n: string) => tensors.get(n)!.data;
    const [kernel, bias] = canonical
      .getLayer('conv2d_1')
      .getWeights()
      .map((w) => w.dataSync());
    const [w, b] = [get('conv2d_1/kernel'), get('conv2d_1/bias')];
    const [gamma, beta, mean, variance] = ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((k) =>
      get(`batch_normalization_1/${k}`),
    );
    const channels = 8;
    for (let c = 0; c < channels; c++) {
      const scale = gamma![c]! / Math.sqrt(variance![c]! + 1e-3);
      expect(bias![c]).toBeCloseTo((b[c]! - mean![c]!) * scale + beta![c]!, 5);
      for (let i = c; i < w.length; i += channels) expect(kernel![i]).toBeCloseTo(w[i]! * scale, 5);
    }
    canonical.dispose();
  });
});
