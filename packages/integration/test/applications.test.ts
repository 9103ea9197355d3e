import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { analyze } from '@xai-ts/base';
import { canonize } from '@xai-ts/canonize';
import { Gradient } from '@xai-ts/gradients';
import { inceptionV3, mobileNetV2 } from '@xai-ts/zoo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everyAnalyzer } from './analyzers.js';

// The models TF.js users run most, at full size, explained on wasm by every analyzer: MobileNetV2 (depthwise
// convolutions, ReLU6, residual adds; before the engine no preset ran on wasm) and InceptionV3 (`same` average pools on
// small maps, where TF.js's own gradient is wrong at the border; convolutions followed by BatchNorm and Activation).
const cases = [
  {
    name: 'MobileNetV2 224²',
    build: () => mobileNetV2({ classifierActivation: null, seed: 1 }),
    size: 224,
    conceptLayer: 'block_13_project',
    camLayer: 'out_relu',
  },
  {
    name: 'InceptionV3 299²',
    build: () => inceptionV3({ classifierActivation: null, seed: 2 }),
    size: 299,
    conceptLayer: 'mixed7',
    camLayer: 'mixed10',
  },
];

describe.each(cases)('$name on wasm', ({ build, size, conceptLayer, camLayer }) => {
  let model: tf.LayersModel;
  let x: tf.Tensor;
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    const raw = build();
    model = canonize(raw);
    x = tf.randomUniform([1, size, size, 3], -2, 2, 'float32', 3);
    // canonize folds every BatchNorm and keeps the function
    const [a, b] = [raw.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor];
    const rel = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]! / tf.max(tf.abs(a)).dataSync()[0]!);
    expect(rel).toBeLessThan(1e-4);
    expect(model.layers.some((l) => l.getClassName() === 'BatchNormalization')).toBe(false);
    tf.dispose([a, b]);
    raw.dispose();
  }, 120_000);
  afterAll(async () => {
    x.dispose();
    model.dispose();
    await tf.setBackend('cpu');
  });

  it('every LRP preset, CRP and every gradient method explain it: finite maps of the input shape', () => {
    expect(tf.getBackend()).toBe('wasm');
    const target = 3;
    for (const make of everyAnalyzer(model, { conceptLayer, camLayer })) {
      const built = make();
      const expl = analyze(x, built.analyzer, target);
      const shape = built.name.startsWith('GradCAM') ? [1, size, size, 1] : [built.perSample, size, size, 3];
      expect(expl.val.shape, built.name).toEqual(shape);
      const [finite, mass] = tf.tidy(() => [
        tf.all(tf.isFinite(expl.val)).dataSync()[0]!,
        tf.sum(tf.abs(expl.val)).dataSync()[0]!,
      ]);
      expect(finite, `${built.name}: finite`).toBe(1);
      expect(mass, `${built.name}: not all zero`).toBeGreaterThan(0);
      expl.dispose();
      built.dispose();
    }
  }, 600_000);

  // Central differences in float32 of a deep random-weight network full of ReLU6 and max kinks: a step large enough
  // to rise above round-off crosses kinks, so each check takes the best of a few steps. The derivative along a dense
  // random direction, ~|g|/√n, is below float32's resolution here (and so is one input's): the random directions are
  // tilted toward the gradient, d = (ĝ + r)/|ĝ + r|, and the error is measured against |g|.
  it('the gradient agrees with central differences along its own direction and along random directions', () => {
    const gradient = new Gradient(model);
    const expl = analyze(x, gradient, 3);
    const f = (v: tf.Tensor) =>
      tf.tidy(() => (model.predict(v) as tf.Tensor).slice([0, 3], [1, 1]).dataSync()[0]!);
    const norm = tf.tidy(() => tf.norm(expl.val).dataSync()[0]!);
    const own = tf.div(expl.val, norm);
    for (const seed of [0, 5, 6, 7]) {
      const d = tf.tidy(() => {
        if (seed === 0) return own.clone();
        const r = tf.randomNormal(x.shape, 0, 1, 'float32', seed);
        const t = tf.add(own, tf.div(r, tf.norm(r)));
        return tf.div(t, tf.norm(t));
      });
      const analytic = tf.tidy(() => tf.sum(tf.mul(expl.val, d)).dataSync()[0]!);
      const err = Math.min(
        ...[1e-3, 3e-4, 1e-4].map((h) =>
          tf.tidy(() =>
            Math.abs((f(tf.add(x, tf.mul(d, h))) - f(tf.sub(x, tf.mul(d, h)))) / (2 * h) - analytic),
          ),
        ),
      );
      expect(err / norm, seed === 0 ? 'along the gradient' : `along random direction ${seed}`).toBeLessThan(
        2e-2,
      );
      d.dispose();
    }
    own.dispose();
    expl.dispose();
    gradient.dispose();
  }, 300_000);
});
