import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodePredictions } from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

describe('decodePredictions on the wasm backend', () => {
  it('ranks a batch of logits with their softmax probabilities', () => {
    expect(tf.getBackend()).toBe('wasm');
    const rows = Array.from({ length: 8 }, (_, s) =>
      Array.from({ length: 5 }, (_, j) => ((s + 1) * (j + 2)) % 7),
    );
    const top = decodePredictions(tf.tensor2d(rows), 2, ['a', 'b', 'c', 'd', 'e']);
    rows.forEach((row, s) => {
      const order = row.map((v, j) => [v, j] as const).sort((p, q) => q[0] - p[0] || p[1] - q[1]);
      const z = row.reduce((acc, v) => acc + Math.exp(v), 0);
      expect(top[s]!.map((p) => p.logit)).toEqual(order.slice(0, 2).map(([v]) => v));
      expect(top[s]![0]!.probability).toBeCloseTo(Math.exp(order[0]![0]) / z, 5);
    });
  });
});
