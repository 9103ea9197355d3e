import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/index.js';

// Max pooling's vector-Jacobian product must be exactly the gradient TF.js's cpu autodiff computes (first maximum of
// each window in row-major order), ties included: integer inputs in a small range make many windows with several
// maxima. On wasm, TF.js's own MaxPoolGrad is wrong where a window's maximum is ≤ 0; the engine's route is not.

function vjpOf(layer: tf.layers.Layer, a: tf.Tensor, s: tf.Tensor): tf.Tensor {
  const model = tf.sequential({ layers: [tf.layers.inputLayer({ inputShape: a.shape.slice(1) }), layer] });
  const engine = new Engine(model);
  const out = tf.tidy(() => engine.vjp(0, engine.forward([a]), s)[0]!);
  engine.dispose();
  return out;
}

function autodiff(layer: tf.layers.Layer, a: tf.Tensor, s: tf.Tensor): tf.Tensor {
  return tf.grad((x: tf.Tensor) => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, s)))(a);
}

function compare(layer: tf.layers.Layer, shape: number[], seed: number): void {
  const a = tf.randomUniformInt(shape, -2, 3, seed).toFloat();
  const s = tf.tidy(() =>
    tf.randomUniform((layer.apply(a) as tf.Tensor).shape, 0.5, 1.5, 'float32', seed + 1),
  );
  const ours = vjpOf(layer, a, s);
  const ref = autodiff(layer, a, s);
  expect(ours.shape).toEqual(a.shape);
  // overlapping windows sum several contributions into one input, in another order than TF.js: 1 ulp apart
  const r = ref.dataSync();
  const worst = Math.max(...Array.from(ours.dataSync(), (v, i) => Math.abs(v - r[i]!)));
  expect(worst).toBeLessThanOrEqual(1e-6);
  tf.dispose([a, s, ours, ref]);
}

describe('max pooling route', () => {
  it.each([
    ['2×2', { poolSize: 2 }, [2, 8, 8, 3]],
    ['3×3 on 10×11 (valid: the last rows and columns get nothing)', { poolSize: 3 }, [1, 10, 11, 2]],
    ['2×3', { poolSize: [2, 3] as [number, number] }, [2, 6, 9, 2]],
    ['2×2 same on an even size', { poolSize: 2, padding: 'same' as const }, [1, 6, 4, 2]],
    ['1×1', { poolSize: 1 }, [1, 3, 3, 2]],
    ['3×3 stride 2 (overlapping windows)', { poolSize: 3, strides: 2 }, [1, 9, 9, 2]],
    ['3×3 stride 2 same', { poolSize: 3, strides: 2, padding: 'same' as const }, [2, 8, 7, 2]],
    ['2×2 same on odd sizes', { poolSize: 2, padding: 'same' as const }, [1, 7, 5, 2]],
  ])('MaxPooling2D %s equals autodiff, ties included', (_, cfg, shape) => {
    compare(tf.layers.maxPooling2d(cfg), shape, 11);
  });

  it("gives each window's first maximum in row-major order, as autodiff does", () => {
    const layer = tf.layers.maxPooling2d({ poolSize: 2 });
    const a = tf.tensor4d([1, 1, 0, 1, 0, 1, 2, 2], [1, 2, 4, 1]); // windows: three 1s; two 2s in the lower row
    const s = tf.tensor4d([5, 7], [1, 1, 2, 1]);
    const ours = vjpOf(layer, a, s);
    expect(Array.from(ours.dataSync())).toEqual([5, 0, 0, 0, 0, 0, 7, 0]);
    tf.dispose([a, s, ours]);
  });

  it.each([
    ['2', { poolSize: 2 }, [2, 9, 3]],
    ['3 same', { poolSize: 3, padding: 'same' as const }, [1, 12, 2]],
    ['3 stride 2', { poolSize: 3, strides: 2 }, [1, 11, 2]],
  ])('MaxPooling1D %s equals autodiff', (_, cfg, shape) => {
    compare(tf.layers.maxPooling1d(cfg), shape, 5);
  });

  it('leaves no tensor behind', () => {
    const layer = tf.layers.maxPooling2d({ poolSize: 3, strides: 2 });
    const a = tf.randomUniform([1, 7, 7, 2]);
    const s = tf.ones([1, 3, 3, 2]);
    vjpOf(layer, a, s).dispose(); // builds the layer
    const before = tf.memory().numTensors;
    vjpOf(layer, a, s).dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, s]);
  });
});

describe('max pooling on wasm', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it("routes to each window's first maximum where the maximum is ≤ 0 (TF.js's wasm MaxPoolGrad does not)", () => {
    expect(tf.getBackend()).toBe('wasm');
    // windows (2×2, row-major): {-1,-2,0,0} → index 8; {-3,-4,0,0} → 10; {1,2,-5,-1} → 5; {3,0,0,-2} → 6
    const a = tf.tensor4d([-1, -2, -3, -4, 1, 2, 3, 0, 0, 0, 0, 0, -5, -1, 0, -2], [1, 2, 8, 1]);
    const s = tf.ones([1, 1, 4, 1]);
    const routed = vjpOf(tf.layers.maxPooling2d({ poolSize: 2 }), a, s);
    expect(Array.from(routed.dataSync())).toEqual([0, 0, 0, 0, 0, 1, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0]);
    const overlapping = vjpOf(tf.layers.maxPooling2d({ poolSize: 2, strides: 1 }), a, tf.ones([1, 1, 7, 1]));
    // 2×2 windows at columns j, j+1: the first maxima are at 8, 9, 10 (zeros in the lower row), 4, 5, 6 and 6
    expect(Array.from(overlapping.dataSync())).toEqual([0, 0, 0, 0, 1, 1, 2, 0, 1, 1, 1, 0, 0, 0, 0, 0]);
    tf.dispose([a, s, routed, overlapping]);
  });
});
