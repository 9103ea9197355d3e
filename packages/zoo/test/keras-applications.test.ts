// The builders against what Keras 3 itself wrote (scripts/keras-applications.py, run once with Keras from the pip
// registry): each application's `model.to_json()` and, read from the Keras model, every layer's name, class, output
// shape, parameter count and inbound layers; and a small MobileNetV2 that Keras saved in its three file formats, with
// Keras's outputs.

import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  denseNet121,
  efficientNetB0,
  inceptionV3,
  keras3WeightPaths,
  loadApplicationWeights,
  mobileNetV2,
  readKerasWeights,
  resNet50,
  resNet50V2,
} from '../src/index.js';

const FIXTURES = new URL('./fixtures/keras-applications/', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, FIXTURES));

interface KerasLayer {
  name: string;
  className: string;
  outputShape: (number | null)[];
  params: number;
  inbound: string[];
}
interface KerasTopology {
  model: string;
  keras: string;
  inputShape: [number, number, number];
  params: number;
  layers: KerasLayer[];
}
interface KerasJsonLayer {
  class_name: string;
  config: Record<string, unknown> & { name: string };
}

const builders: [string, () => tf.LayersModel][] = [
  ['ResNet50', () => resNet50({ seed: 1 })],
  ['ResNet50V2', () => resNet50V2({ seed: 1 })],
  ['MobileNetV2', () => mobileNetV2({ seed: 1 })],
  ['InceptionV3', () => inceptionV3({ seed: 1 })],
  ['EfficientNetB0', () => efficientNetB0({ seed: 1 })],
  ['DenseNet121', () => denseNet121({ seed: 1 })],
];

/** A pair or a number, as `[h, w]` (TF.js configs may keep a number where Keras writes a pair). */
const pair = (v: unknown) => (typeof v === 'number' ? [v, v] : v);

/** Keras 3 writes swish as `silu` (`keras.activations.swish` is an alias of `silu`); TF.js knows it as `swish`. */
const activation = (a: unknown) => (a === 'silu' ? 'swish' : a);

/** The settings of a Keras layer config that decide what the layer computes, in TF.js's names. */
function settings(className: string, raw: Record<string, unknown>): Record<string, unknown> {
  const c: Record<string, unknown> = { ...raw, activation: activation(raw.activation) };
  switch (className) {
    case 'Conv2D':
      return {
        filters: c.filters,
        kernelSize: pair(c.kernel_size),
        strides: pair(c.strides),
        padding: c.padding,
        dilationRate: pair(c.dilation_rate),
        useBias: c.use_bias,
        activation: c.activation,
      };
    case 'DepthwiseConv2D':
      return {
        kernelSize: pair(c.kernel_size),
        strides: pair(c.strides),
        padding: c.padding,
        depthMultiplier: c.depth_multiplier,
        useBias: c.use_bias,
        activation: c.activation,
      };
    case 'Dense':
      return { units: c.units, useBias: c.use_bias, activation: c.activation };
    case 'BatchNormalization':
      return { axis: c.axis, epsilon: c.epsilon, center: c.center, scale: c.scale };
    case 'Activation':
      return { activation: c.activation };
    case 'ReLU':
      return { maxValue: c.max_value ?? null };
    case 'MaxPooling2D':
    case 'AveragePooling2D':
      return { poolSize: pair(c.pool_size), strides: pair(c.strides), padding: c.padding };
    case 'ZeroPadding2D':
      return { padding: c.padding };
    case 'Dropout':
      return { rate: c.rate };
    case 'Concatenate':
      return { axis: c.axis };
    case 'Rescaling':
      return { scale: c.scale, offset: c.offset };
    case 'Reshape':
      return { targetShape: c.target_shape };
    default:
      return {};
  }
}

/** The same settings read from a TF.js layer's config. */
function ours(className: string, c: Record<string, unknown>): Record<string, unknown> {
  const keras = settings(className, {});
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(keras)) {
    let v = c[key];
    if (key === 'kernelSize' || key === 'strides' || key === 'dilationRate' || key === 'poolSize')
      v = pair(v);
    if (key === 'maxValue') v = v ?? null;
    if (key === 'axis' && Array.isArray(v) && v.length === 1) v = v[0];
    out[key] = v;
  }
  return out;
}

describe.each(builders)('%s against the model Keras wrote', (name, build) => {
  const keras = JSON.parse(read(`topology/${name}.json`).toString('utf8')) as KerasTopology;
  const json = JSON.parse(gunzipSync(read(`json/${name}.json.gz`)).toString('utf8')) as {
    config: { layers: KerasJsonLayer[] };
  };
  const model = build();

  it("has Keras's layers in Keras's order, with Keras's classes", () => {
    expect(keras.keras).toMatch(/^3\./);
    expect(model.layers.map((l) => l.name)).toEqual(keras.layers.map((l) => l.name));
    expect(model.layers.map((l) => l.getClassName())).toEqual(keras.layers.map((l) => l.className));
    expect(json.config.layers.map((l) => l.config.name)).toEqual(keras.layers.map((l) => l.name));
  });

  it('connects each layer to the layers Keras connects it to, in order', () => {
    for (const [i, l] of model.layers.entries()) {
      const inbound =
        l.getClassName() === 'InputLayer' ? [] : (l.inboundNodes[0]?.inboundLayers.map((x) => x.name) ?? []);
      expect(inbound, l.name).toEqual(keras.layers[i]!.inbound);
    }
  });

  it("has Keras's output shape and parameter count at every layer", () => {
    for (const [i, l] of model.layers.entries()) {
      const k = keras.layers[i]!;
      const shape = (Array.isArray(l.outputShape[0]) ? l.outputShape[0] : l.outputShape) as (number | null)[];
      expect(shape, l.name).toEqual(k.outputShape);
      expect(l.countParams(), l.name).toBe(k.params);
    }
    expect(model.countParams()).toBe(keras.params);
  });

  it("computes what Keras's layer configs say: kernels, strides, padding, activations, epsilons", () => {
    for (const [i, l] of model.layers.entries()) {
      const k = json.config.layers[i]!;
      expect(k.class_name).toBe(l.getClassName());
      expect(ours(k.class_name, l.getConfig() as Record<string, unknown>), l.name).toEqual(
        settings(k.class_name, k.config),
      );
    }
  });
});

describe.each([
  ['legacy HDF5 (model.save(".h5"))', 'h5'],
  ['Keras 3 weights (save_weights(".weights.h5"))', 'weights.h5'],
  ['a .keras archive (model.save(".keras"))', 'keras'],
])('a MobileNetV2 that Keras saved as %s', (_, suffix) => {
  const record = JSON.parse(read('weights/mobilenetv2-0.35-32.outputs.json').toString('utf8')) as {
    input: number[];
    inputShape: number[];
    output: number[];
    outputShape: number[];
  };

  it("loads into the builder's model and reproduces Keras's outputs to 1e-4", async () => {
    const bytes = new Uint8Array(gunzipSync(read(`weights/mobilenetv2-0.35-32.${suffix}.gz`)));
    const layers = await readKerasWeights(bytes);
    const model = mobileNetV2({
      alpha: 0.35,
      inputShape: [32, 32, 3],
      classes: 10,
      classifierActivation: null,
    });
    const weighted = model.layers.filter((l) => l.weights.length > 0);
    // legacy files name each layer; Keras 3 files address it by class and rank
    const paths = keras3WeightPaths(model);
    const key = (name: string) => (suffix === 'h5' ? name : paths.get(name)!);
    expect(
      [...layers]
        .filter(([, w]) => w.length > 0)
        .map(([k]) => k)
        .sort(),
    ).toEqual(weighted.map((l) => key(l.name)).sort());
    loadApplicationWeights(model, layers);
    const got = tf.tidy(() => {
      const y = model.predict(tf.tensor(record.input, record.inputShape)) as tf.Tensor;
      expect(y.shape).toEqual(record.outputShape);
      return Array.from(y.dataSync());
    });
    const scale = Math.max(1, ...record.output.map(Math.abs));
    const worst = Math.max(...got.map((v, i) => Math.abs(v - record.output[i]!)));
    expect(worst).toBeLessThanOrEqual(1e-4 * scale);
    expect(Math.max(...record.output.map(Math.abs))).toBeGreaterThan(1e-2);
    model.dispose();
  });
});

describe('Keras 3 weight paths', () => {
  it("follow Keras's to_snake_case and uniquify: by class, in layer order", () => {
    const model = mobileNetV2({ alpha: 0.35, inputShape: [32, 32, 3], classes: 10 });
    const paths = keras3WeightPaths(model);
    expect(paths.get('Conv1')).toBe('layers/conv2d');
    expect(paths.get('bn_Conv1')).toBe('layers/batch_normalization');
    expect(paths.get('Conv1_relu')).toBe('layers/re_lu');
    expect(paths.get('expanded_conv_depthwise')).toBe('layers/depthwise_conv2d');
    expect(paths.get('expanded_conv_project')).toBe('layers/conv2d_1');
    expect(paths.get('predictions')).toBe('layers/dense');
    model.dispose();
  });

  it('say which layer a Keras 3 file of another architecture lacks', async () => {
    const bytes = new Uint8Array(gunzipSync(read('weights/mobilenetv2-0.35-32.keras.gz')));
    const layers = await readKerasWeights(bytes);
    const model = mobileNetV2({ alpha: 0.35, inputShape: [32, 32, 3], classes: 10, includeTop: false });
    layers.delete('layers/conv2d_5');
    expect(() => loadApplicationWeights(model, layers)).toThrow(
      /the Keras 3 weights have no "layers\/conv2d_5", where layer "[^"]+" \(Conv2D\)/,
    );
    model.dispose();
  });

  it('refuse a zip archive without model.weights.h5', async () => {
    const { zipSync } = await import('fflate');
    const zip = zipSync({ 'config.json': new TextEncoder().encode('{}') });
    await expect(readKerasWeights(zip)).rejects.toThrow(/no model.weights.h5: it is not a .keras file/);
  });
});
