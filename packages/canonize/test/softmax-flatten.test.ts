import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { flattenModel, ModelRebuildError, readGraph, stripSoftmax } from '../src/index.js';
import {
  apply,
  classNames,
  outputError,
  randomInput,
  randomizeStats,
  relativeError,
  snapshot,
} from './helpers.js';

function head(last: tf.layers.Layer[], activation: 'softmax' | 'linear' = 'linear'): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 6, inputShape: [4], activation: 'relu', name: 's_hidden' }),
      tf.layers.dense({ units: 3, activation, name: 's_logits' }),
      ...last,
    ],
  });
  randomizeStats(model);
  return model;
}

/** What the model computes up to its `s_logits` layer, with that layer's activation ignored. */
function logits(model: tf.LayersModel, x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [w1, b1] = model.getLayer('s_hidden').getWeights();
    const [w2, b2] = model.getLayer('s_logits').getWeights();
    return tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1!), b1!)), w2!), b2!);
  });
}

describe('stripSoftmax', () => {
  const forms: [string, () => tf.LayersModel][] = [
    ['a softmax fused into the last layer', () => head([], 'softmax')],
    ['a final Activation(softmax)', () => head([tf.layers.activation({ activation: 'softmax' })])],
    ['a final Softmax layer', () => head([tf.layers.softmax()])],
  ];
  for (const [what, make] of forms)
    it(`removes ${what}: the output is the logits`, () => {
      const model = make();
      const start = tf.memory().numTensors;
      const stripped = stripSoftmax(model);
      expect(stripped).not.toBe(model);
      expect(classNames(stripped)).toEqual(['InputLayer', 'Dense', 'Dense']);
      expect(stripped.layers[2]!.getConfig().activation).toBe('linear');
      expect(stripped.layers[2]!.name).toBe('s_logits');
      tf.tidy(() => {
        const x = randomInput(model, 4);
        const out = stripped.predict(x) as tf.Tensor;
        expect(relativeError(out, logits(model, x))).toBeLessThanOrEqual(1e-6);
        // and the original still ends in a softmax
        expect(relativeError(model.predict(x) as tf.Tensor, tf.softmax(out))).toBeLessThanOrEqual(1e-6);
      });
      stripped.dispose();
      expect(tf.memory().numTensors).toBe(start);
      model.dispose();
    });

  it('returns a model without a final softmax as it is', () => {
    const model = head([tf.layers.activation({ activation: 'relu' })]);
    const before = snapshot(model);
    expect(stripSoftmax(model)).toBe(model);
    expect(snapshot(model)).toEqual(before);
    const softmaxInside = head([tf.layers.softmax(), tf.layers.dense({ units: 2 })]);
    expect(stripSoftmax(softmaxInside)).toBe(softmaxInside);
    model.dispose();
    softmaxInside.dispose();
  });

  it('strips the softmax of a nested model that ends the outer one', () => {
    const inner = head([tf.layers.softmax()]);
    const x = tf.input({ shape: [4] });
    const model = tf.model({ inputs: x, outputs: apply(inner, x) });
    const stripped = stripSoftmax(model);
    expect(classNames(stripped)).toEqual(['InputLayer', 'Dense', 'Dense']);
    tf.tidy(() => {
      const input = randomInput(model, 2);
      expect(relativeError(stripped.predict(input) as tf.Tensor, logits(inner, input))).toBeLessThanOrEqual(
        1e-6,
      );
    });
    stripped.dispose();
    model.dispose();
  });

  it('refuses a model that is nothing but a softmax', () => {
    const x = tf.input({ shape: [3] });
    const model = tf.model({ inputs: x, outputs: apply(tf.layers.softmax({ name: 'only' }), x) });
    expect(() => stripSoftmax(model)).toThrow(ModelRebuildError);
    expect(() => stripSoftmax(model)).toThrow(/would be left without layers/);
  });
});

describe('flattenModel', () => {
  function nested(): tf.LayersModel {
    const seq = tf.sequential({
      name: 'f_seq',
      layers: [
        tf.layers.conv2d({
          filters: 4,
          kernelSize: 3,
          inputShape: [8, 8, 2],
          activation: 'relu',
          name: 'f_c1',
        }),
        tf.layers.maxPooling2d({ poolSize: 2, name: 'f_pool' }),
      ],
    });
    const fi = tf.input({ shape: [3, 3, 4] });
    const branch = apply(tf.layers.conv2d({ filters: 4, kernelSize: 1, name: 'f_branch' }), fi);
    const fn = tf.model({
      name: 'f_fn',
      inputs: fi,
      outputs: apply(tf.layers.add({ name: 'f_add' }), [fi, branch]),
    });
    const x = tf.input({ shape: [8, 8, 2], name: 'f_in' });
    const h = apply(fn, apply(seq, x));
    const y = apply(
      tf.layers.dense({ units: 3, name: 'f_out' }),
      apply(tf.layers.flatten({ name: 'f_flat' }), h),
    );
    const model = tf.model({ inputs: x, outputs: y });
    randomizeStats(model);
    return model;
  }

  it('splices a nested Sequential and a nested functional model into one model with the same output', () => {
    const model = nested();
    const flat = flattenModel(model);
    expect(flat.layers.some((l) => l instanceof tf.LayersModel)).toBe(false);
    expect(flat.layers.map((l) => l.name)).toEqual([
      'f_in',
      'f_c1',
      'f_pool',
      'f_branch',
      'f_add',
      'f_flat',
      'f_out',
    ]);
    expect(outputError(flat, model)).toBeLessThanOrEqual(1e-6);
    expect(readGraph(flat).nodes.map((n) => [n.name, n.inputs])).toEqual(
      readGraph(model).nodes.map((n) => [n.name, n.inputs]),
    );
    flat.dispose();
    model.dispose();
  });

  it('returns a new model with its own weights, leaking nothing', () => {
    const model = nested();
    const before = snapshot(model);
    const start = tf.memory().numTensors;
    const flat = flattenModel(model);
    expect(flat).not.toBe(model);
    expect(tf.memory().numTensors - start).toBe(flat.weights.length);
    expect(snapshot(flat)).toEqual(before);
    const x = randomInput(model, 2);
    const y = model.predict(x) as tf.Tensor;
    model.dispose(); // the flat model owns copies: it must not notice
    const again = flat.predict(x) as tf.Tensor;
    expect(relativeError(again, y)).toBe(0);
    tf.dispose([x, y, again]);
    flat.dispose();
    expect(tf.memory().numTensors).toBe(start - before.length);
  });

  it('renames a layer whose name two nested models share', () => {
    const make = (name: string) =>
      tf.sequential({ name, layers: [tf.layers.dense({ units: 3, inputShape: [3], name: 'same' })] });
    const x = tf.input({ shape: [3] });
    const y = apply(make('first'), apply(make('second'), x));
    const model = tf.model({ inputs: x, outputs: y });
    const flat = flattenModel(model);
    expect(flat.layers.map((l) => l.name).slice(1)).toEqual(['same', 'first_same']);
    expect(outputError(flat, model)).toBeLessThanOrEqual(1e-6);
    flat.dispose();
    model.dispose();
  });

  it('gives every rebuilt layer the config of the original, initializers included', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv1d({ filters: 4, kernelSize: 2, inputShape: [6, 3], kernelInitializer: 'heUniform' }),
        tf.layers.batchNormalization({ gammaInitializer: 'randomNormal', momentum: 0.9 }),
        tf.layers.lstm({ units: 3, returnSequences: true, recurrentInitializer: 'glorotNormal' }),
        tf.layers.simpleRNN({ units: 2 }),
        tf.layers.dense({
          units: 2,
          biasInitializer: 'ones',
          kernelRegularizer: tf.regularizers.l2({ l2: 0.01 }),
        }),
      ],
    });
    randomizeStats(model);
    const flat = flattenModel(model);
    const config = (l: tf.layers.Layer) => {
      const { batchInputShape: _, dtype: __, ...rest } = l.getConfig(); // set on the first layer only
      return rest;
    };
    expect(flat.layers.slice(1).map(config)).toEqual(model.layers.map(config));
    expect(outputError(flat, model)).toBeLessThanOrEqual(1e-6);
    flat.dispose();
    model.dispose();
  });

  it('keeps a custom layer that is registered with tf.serialization', () => {
    class Scale extends tf.layers.Layer {
      static className = 'XaiTestScale';
      readonly factor: number;
      constructor(args: { factor: number; name?: string }) {
        super(args);
        this.factor = args.factor;
      }
      override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
        return tf.mul(Array.isArray(inputs) ? inputs[0]! : inputs, this.factor);
      }
      override getConfig(): tf.serialization.ConfigDict {
        return { ...super.getConfig(), factor: this.factor };
      }
    }
    tf.serialization.registerClass(Scale);
    const model = tf.sequential({
      layers: [tf.layers.dense({ units: 2, inputShape: [3] }), new Scale({ factor: 3, name: 'triple' })],
    });
    const flat = flattenModel(model);
    expect(flat.getLayer('triple')).toBeInstanceOf(Scale);
    expect(outputError(flat, model)).toBeLessThanOrEqual(1e-6);
    flat.dispose();
    model.dispose();
  });
});
