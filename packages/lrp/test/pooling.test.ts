import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { type FunctionSupport, layerSupport } from '../src/layers.js';

// The tiled max-pooling route must be exactly the gradient TF.js's autodiff computes (first maximum of each window
// in row-major order), ties included: integer inputs in a small range make many windows with several maxima.
function autodiff(layer: tf.layers.Layer, a: tf.Tensor, s: tf.Tensor): tf.Tensor {
  return tf.grad((x: tf.Tensor) => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, s)))(a);
}

function compare(layer: tf.layers.Layer, shape: number[], seed: number): void {
  tf.tidy(() => {
    const a = tf.randomUniformInt(shape, -2, 3, seed).toFloat();
    const z = layer.apply(a) as tf.Tensor;
    const s = tf.randomUniform(z.shape, 0.5, 1.5, 'float32', seed + 1);
    const support = layerSupport(layer.getClassName()) as FunctionSupport;
    const [fast] = support.vjp!(layer, [a], s);
    expect(fast!.shape).toEqual(a.shape);
    expect(Array.from(fast!.dataSync())).toEqual(Array.from(autodiff(layer, a, s).dataSync()));
  });
}

describe('max pooling route', () => {
  it.each([
    ['2×2', { poolSize: 2 }, [2, 8, 8, 3]],
    ['3×3 on 10×11 (valid: the last rows and columns get nothing)', { poolSize: 3 }, [1, 10, 11, 2]],
    ['2×3', { poolSize: [2, 3] as [number, number] }, [2, 6, 9, 2]],
    ['2×2 same on an even size', { poolSize: 2, padding: 'same' as const }, [1, 6, 4, 2]],
    ['1×1', { poolSize: 1 }, [1, 3, 3, 2]],
  ])('MaxPooling2D %s equals autodiff, ties included', (_, cfg, shape) => {
    compare(tf.layers.maxPooling2d(cfg), shape, 11);
  });

  it("gives each window's first maximum in row-major order, as autodiff does", () => {
    const layer = tf.layers.maxPooling2d({ poolSize: 2 });
    const a = tf.tensor4d([1, 1, 0, 1, 0, 1, 2, 2], [1, 2, 4, 1]); // windows: three 1s; two 2s in the lower row
    const s = tf.tensor4d([5, 7], [1, 1, 2, 1]);
    const [fast] = (layerSupport('MaxPooling2D') as FunctionSupport).vjp!(layer, [a], s);
    expect(Array.from(fast!.dataSync())).toEqual([5, 0, 0, 0, 0, 0, 7, 0]);
    expect(Array.from(fast!.dataSync())).toEqual(Array.from(autodiff(layer, a, s).dataSync()));
    tf.dispose([a, s, fast!]);
  });

  it('falls back to autodiff for overlapping windows and odd sizes under same padding', () => {
    compare(tf.layers.maxPooling2d({ poolSize: 3, strides: 2 }), [1, 9, 9, 2], 3);
    compare(tf.layers.maxPooling2d({ poolSize: 2, padding: 'same' }), [1, 7, 5, 2], 4);
  });

  it.each([
    ['2', { poolSize: 2 }, [2, 9, 3]],
    ['3 same', { poolSize: 3, padding: 'same' as const }, [1, 12, 2]],
  ])('MaxPooling1D %s equals autodiff', (_, cfg, shape) => {
    compare(tf.layers.maxPooling1d(cfg), shape, 5);
  });

  it('leaves no tensor behind', () => {
    const layer = tf.layers.maxPooling2d({ poolSize: 2 });
    const a = tf.randomUniform([1, 5, 5, 2]);
    const s = tf.ones([1, 2, 2, 2]);
    const before = tf.memory().numTensors;
    const [fast] = (layerSupport('MaxPooling2D') as FunctionSupport).vjp!(layer, [a], s);
    fast!.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, s]);
  });
});
