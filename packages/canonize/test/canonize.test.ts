import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { canonize, canonizeWithReport, ModelRebuildError } from '../src/index.js';
import {
  apply,
  classNames,
  outputError,
  randomInput,
  randomizeStats,
  relativeError,
  snapshot,
} from './helpers.js';

const TOL = 1e-5;

function vggBn(): tf.LayersModel {
  const block = (filters: number, name: string) => [
    tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', name: `${name}_conv` }),
    tf.layers.batchNormalization({ name: `${name}_bn` }),
    tf.layers.activation({ activation: 'relu', name: `${name}_relu` }),
  ];
  const model = tf.sequential({
    name: 'vgg_bn',
    layers: [
      tf.layers.inputLayer({ inputShape: [12, 12, 3] }),
      ...block(8, 'b1'),
      ...block(8, 'b2'),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      ...block(16, 'b3'),
      tf.layers.averagePooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 16, name: 'fc1' }),
      tf.layers.batchNormalization({ name: 'fc1_bn' }),
      tf.layers.activation({ activation: 'relu' }),
      tf.layers.dropout({ rate: 0.5 }),
      tf.layers.dense({ units: 5, name: 'fc2' }),
    ],
  });
  randomizeStats(model);
  return model;
}

function residualBn(): tf.LayersModel {
  const x = tf.input({ shape: [8, 8, 4], name: 'r_in' });
  const stem = apply(tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', name: 'r_stem' }), x);
  const a = apply(tf.layers.batchNormalization({ name: 'r_stem_bn' }), stem);
  const h = apply(tf.layers.reLU({ name: 'r_relu' }), a);
  const b1 = apply(
    tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', useBias: false, name: 'r_b1' }),
    h,
  );
  const b1n = apply(tf.layers.batchNormalization({ name: 'r_b1_bn' }), b1);
  const s = apply(tf.layers.conv2d({ filters: 6, kernelSize: 1, name: 'r_short' }), h);
  const sn = apply(tf.layers.batchNormalization({ name: 'r_short_bn' }), s);
  const sum = apply(tf.layers.add({ name: 'r_add' }), [b1n, sn]);
  const post = apply(tf.layers.batchNormalization({ name: 'r_post_bn' }), sum);
  const pooled = apply(tf.layers.globalAveragePooling2d({ name: 'r_gap' }), apply(tf.layers.reLU(), post));
  const y = apply(tf.layers.dense({ units: 3, name: 'r_out' }), pooled);
  const model = tf.model({ inputs: x, outputs: y, name: 'residual_bn' });
  randomizeStats(model);
  return model;
}

function chain(layers: tf.layers.Layer[], inputShape: number[]): tf.LayersModel {
  const model = tf.sequential({ layers: [tf.layers.inputLayer({ inputShape }), ...layers] });
  randomizeStats(model);
  return model;
}

/** Canonizes, checks the outputs agree and the model is fresh, disposes the result; returns the report. */
function check(model: tf.LayersModel, label = model.name) {
  const report = canonizeWithReport(model);
  try {
    expect(report.model).not.toBe(model);
    expect(outputError(report.model, model), label).toBeLessThanOrEqual(TOL);
    return {
      folded: report.folded,
      kept: report.kept,
      classes: classNames(report.model),
      names: report.model.layers.map((l) => l.name),
    };
  } finally {
    report.model.dispose();
  }
}

describe('canonize: folding', () => {
  it('folds with exact values: scale = gamma / sqrt(var + eps), bias = (b − mean)·scale + beta', () => {
    // gamma 2, var 0.99 + eps 0.01 → scale 2; w 3 → 6 and -1 → -2; b' = (0.5 − 0.3)·2 + 0.1 = 0.5, (0 − 1)·2 − 1 = -3
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ units: 2, inputShape: [1], name: 'x_d' }),
        tf.layers.batchNormalization({ epsilon: 0.01, name: 'x_bn' }),
      ],
    });
    tf.tidy(() => {
      model.getLayer('x_d').setWeights([tf.tensor2d([[3, -1]]), tf.tensor1d([0.5, 0])]);
      model
        .getLayer('x_bn')
        .setWeights([
          tf.tensor1d([2, 2]),
          tf.tensor1d([0.1, -1]),
          tf.tensor1d([0.3, 1]),
          tf.tensor1d([0.99, 0.99]),
        ]);
    });
    const canonical = canonize(model);
    const [w, b] = canonical.getLayer('x_d').getWeights();
    expect(Array.from(w!.dataSync())).toEqual([6, -2].map((v) => expect.closeTo(v, 6)));
    expect(Array.from(b!.dataSync())).toEqual([0.5, -3].map((v) => expect.closeTo(v, 6)));
    expect(classNames(canonical)).toEqual(['InputLayer', 'Dense']);
    canonical.dispose();
    model.dispose();
  });

  it('folds every BatchNorm of a VGG-like net and keeps the conv names', () => {
    const model = vggBn();
    const r = check(model);
    expect(r.folded).toEqual([
      { batchNorm: 'b1_bn', into: 'b1_conv' },
      { batchNorm: 'b2_bn', into: 'b2_conv' },
      { batchNorm: 'b3_bn', into: 'b3_conv' },
      { batchNorm: 'fc1_bn', into: 'fc1' },
    ]);
    expect(r.kept).toEqual([]);
    expect(r.classes).not.toContain('BatchNormalization');
    expect(r.names).toContain('b1_conv');
    expect(r.names).not.toContain('b1_bn');
    expect(r.classes.length).toBe(model.layers.length - 4); // both list their InputLayer
    model.dispose();
  });

  it('folds the BatchNorms of both branches of a residual Add and keeps the one after the Add', () => {
    const model = residualBn();
    const r = check(model);
    expect(r.folded.map((f) => `${f.batchNorm}>${f.into}`)).toEqual([
      'r_stem_bn>r_stem',
      'r_b1_bn>r_b1',
      'r_short_bn>r_short',
    ]);
    expect(r.kept).toEqual([expect.objectContaining({ layer: 'r_post_bn', code: 'not-foldable' })]);
    expect(r.kept[0]!.reason).toMatch(/"r_add" \(Add\)/);
    model.dispose();
  });

  it('folds Dense + BatchNorm, with and without bias, on rank-2 and rank-3 inputs', () => {
    for (const [useBias, shape] of [
      [true, [6]],
      [false, [6]],
      [false, [4, 6]],
    ] as const) {
      const model = chain(
        [tf.layers.dense({ units: 5, useBias, name: 'd' }), tf.layers.batchNormalization({ name: 'dbn' })],
        [...shape],
      );
      const r = check(model);
      expect(r.folded).toEqual([{ batchNorm: 'dbn', into: 'd' }]);
      model.dispose();
    }
  });

  it('folds BatchNorms without center, without scale, and without both', () => {
    for (const [center, scale] of [
      [false, true],
      [true, false],
      [false, false],
    ]) {
      const model = chain(
        [
          tf.layers.conv2d({ filters: 4, kernelSize: 3 }),
          tf.layers.batchNormalization({ center, scale }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 2 }),
        ],
        [6, 6, 2],
      );
      expect(check(model).folded).toHaveLength(1);
      model.dispose();
    }
  });

  it('folds into every convolution kind', () => {
    const cases: [tf.layers.Layer, number[]][] = [
      [tf.layers.conv1d({ filters: 5, kernelSize: 3, useBias: false }), [10, 3]],
      [tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2 }), [7, 7, 3]],
      [tf.layers.depthwiseConv2d({ kernelSize: 3, useBias: false }), [7, 7, 3]],
      [tf.layers.separableConv2d({ filters: 4, kernelSize: 3, depthMultiplier: 2 }), [7, 7, 3]],
      [tf.layers.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2 }), [5, 5, 3]],
    ];
    for (const [layer, shape] of cases) {
      const model = chain([layer, tf.layers.batchNormalization()], shape);
      expect(check(model, layer.getClassName()).folded).toHaveLength(1);
      model.dispose();
    }
  });

  it('keeps folding along a chain of BatchNorms', () => {
    const model = chain(
      [
        tf.layers.conv2d({ filters: 4, kernelSize: 3, name: 'c' }),
        tf.layers.batchNormalization({ name: 'bn1' }),
        tf.layers.batchNormalization({ name: 'bn2', epsilon: 0.1 }),
        tf.layers.batchNormalization({ name: 'bn3', center: false }),
        tf.layers.activation({ activation: 'relu' }),
      ],
      [6, 6, 2],
    );
    const r = check(model);
    expect(r.folded.map((f) => f.into)).toEqual(['c', 'c', 'c']);
    expect(r.classes).toEqual(['InputLayer', 'Conv2D', 'Activation']);
    model.dispose();
  });

  it('folds inside nested models and across their boundary', () => {
    const inner = tf.sequential({
      name: 'n_inner',
      layers: [
        tf.layers.conv2d({ filters: 4, kernelSize: 3, inputShape: [6, 6, 2], name: 'n_c1' }),
        tf.layers.batchNormalization({ name: 'n_bn1' }),
        tf.layers.reLU(),
        tf.layers.conv2d({ filters: 4, kernelSize: 3, name: 'n_c2' }),
      ],
    });
    const x = tf.input({ shape: [6, 6, 2] });
    const h = apply(tf.layers.batchNormalization({ name: 'n_bn2' }), apply(inner, x));
    const y = apply(tf.layers.dense({ units: 2 }), apply(tf.layers.flatten(), h));
    const model = tf.model({ inputs: x, outputs: y });
    randomizeStats(model);
    const r = check(model);
    expect(r.folded).toEqual([
      { batchNorm: 'n_bn1', into: 'n_c1' },
      { batchNorm: 'n_bn2', into: 'n_c2' },
    ]);
    expect(r.classes).toEqual(['InputLayer', 'Conv2D', 'ReLU', 'Conv2D', 'Flatten', 'Dense']);
    model.dispose();
  });
});

describe('canonize: what stays', () => {
  it('keeps a BatchNorm after a relu conv, after a fan-out, on an input, on another axis, after a kept one', () => {
    const x = tf.input({ shape: [6, 6, 3] });
    const onInput = apply(tf.layers.batchNormalization({ name: 'k_in_bn' }), x);
    const relu = apply(
      tf.layers.conv2d({ filters: 3, kernelSize: 1, activation: 'relu', name: 'k_relu' }),
      onInput,
    );
    const afterRelu = apply(tf.layers.batchNormalization({ name: 'k_relu_bn' }), relu);
    const fan = apply(tf.layers.conv2d({ filters: 3, kernelSize: 1, name: 'k_fan' }), afterRelu);
    const afterFan = apply(tf.layers.batchNormalization({ name: 'k_fan_bn' }), fan);
    const sum = apply(tf.layers.add(), [afterFan, fan]);
    const conv = apply(tf.layers.conv2d({ filters: 3, kernelSize: 1, name: 'k_axis' }), sum);
    const wrongAxis = apply(tf.layers.batchNormalization({ axis: 1, name: 'k_axis_bn' }), conv);
    const afterKept = apply(tf.layers.batchNormalization({ name: 'k_after_bn' }), wrongAxis);
    const first = apply(
      tf.layers.conv2d({ filters: 6, kernelSize: 1, dataFormat: 'channelsFirst', name: 'k_cf' }),
      afterKept,
    );
    const afterFirst = apply(tf.layers.batchNormalization({ name: 'k_cf_bn' }), first);
    const model = tf.model({ inputs: x, outputs: afterFirst });
    randomizeStats(model);
    const r = check(model);
    expect(r.folded).toEqual([]);
    expect(r.kept.map((k) => [k.layer, k.code])).toEqual([
      ['k_in_bn', 'input'],
      ['k_relu_bn', 'activation'],
      ['k_fan_bn', 'fan-out'],
      ['k_axis_bn', 'axis'],
      ['k_after_bn', 'not-foldable'],
      ['k_cf_bn', 'axis'],
    ]);
    expect(r.kept[1]!.reason).toMatch(/"k_relu" \(Conv2D\) with activation 'relu'/);
    expect(r.kept[2]!.reason).toMatch(/also feeds "add/);
    expect(r.kept[3]!.reason).toMatch(/axis 1 of a rank-4 tensor; only a BatchNorm over the last axis/);
    expect(r.kept[4]!.reason).toMatch(/BatchNormalization "k_axis_bn", which was kept/);
    expect(r.kept[5]!.reason).toMatch(/"k_cf" \(Conv2D\) is channelsFirst/);
    expect(r.classes.filter((c) => c === 'BatchNormalization')).toHaveLength(6);
    model.dispose();
  });

  it('is idempotent: a second canonize computes the same and folds nothing', () => {
    const model = residualBn();
    const once = canonize(model);
    const twice = canonizeWithReport(once);
    expect(twice.folded).toEqual([]);
    expect(twice.kept.map((k) => k.layer)).toEqual(['r_post_bn']);
    expect(twice.model.layers.map((l) => l.name)).toEqual(once.layers.map((l) => l.name));
    const x = randomInput(model);
    const [a, b] = [once.predict(x) as tf.Tensor, twice.model.predict(x) as tf.Tensor];
    expect(relativeError(b, a)).toBeLessThanOrEqual(1e-6);
    tf.dispose([x, a, b]);
    for (const m of [twice.model, once, model]) m.dispose();
  });
});

describe('canonize: ownership', () => {
  it('leaves the original weights alone and shares none with the result', () => {
    const model = vggBn();
    const before = snapshot(model);
    const canonical = canonize(model);
    expect(snapshot(model)).toEqual(before);
    const x = randomInput(model);
    const y = canonical.predict(x) as tf.Tensor;
    // Zero the original, then drop it: the canonized model must not notice.
    tf.tidy(() => model.setWeights(model.getWeights().map((w) => tf.zerosLike(w))));
    model.dispose();
    const again = canonical.predict(x) as tf.Tensor;
    expect(relativeError(again, y)).toBe(0);
    tf.dispose([x, y, again]);
    canonical.dispose();
  });

  it('leaks no tensor: the result holds exactly its weights', () => {
    const model = residualBn();
    const start = tf.memory().numTensors;
    const canonical = canonize(model);
    expect(tf.memory().numTensors - start).toBe(canonical.weights.length);
    canonical.dispose();
    expect(tf.memory().numTensors).toBe(start);
    model.dispose();
  });

  it('names the layer it cannot rebuild and leaks nothing on the way out', () => {
    class Doubler extends tf.layers.Layer {
      static className = 'UnregisteredDoubler';
      override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
        return tf.mul(Array.isArray(inputs) ? inputs[0]! : inputs, 2);
      }
    }
    const model = chain(
      [
        tf.layers.dense({ units: 3 }),
        tf.layers.batchNormalization(),
        new Doubler({ name: 'my_doubler' }),
        tf.layers.dense({ units: 2 }),
      ],
      [4],
    );
    const start = tf.memory().numTensors;
    expect(() => canonize(model)).toThrow(ModelRebuildError);
    expect(() => canonize(model)).toThrow(/"my_doubler" is a UnregisteredDoubler.*registerClass/);
    expect(tf.memory().numTensors).toBe(start);
    model.dispose();
  });
});
