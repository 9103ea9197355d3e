// The arithmetic masks that replace comparisons, where and minimum (slow on wasm): exact values, on cpu and wasm,
// against the comparisons they replace.

import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { equalToBound, negativePart, positiveMask } from '../src/index.js';
import { onWasm } from './float64/harness.js';

const values = [-3.5, -1e-30, -0, 0, 1e-30, 2, 7.25, -1e38, 1e38];
const read = (t: tf.Tensor) => Array.from(t.dataSync());

for (const backend of ['cpu', 'wasm'] as const)
  describe(`masks (${backend})`, () => {
    if (backend === 'wasm') onWasm();
    it('positiveMask is 1[x > 0]', () => {
      expect(tf.getBackend()).toBe(backend);
      const x = tf.tensor1d(values);
      expect(read(positiveMask(x))).toEqual(values.map((v) => (v > 0 ? 1 : 0)));
      expect(read(positiveMask(x))).toEqual(read(tf.cast(tf.greater(x, 0), 'float32')));
    });
    it('negativePart is min(x, 0), bit for bit', () => {
      const x = tf.tensor1d(values);
      // zeros of either sign count as equal (min(−0, 0) may give either)
      const unsigned = (xs: number[]) => xs.map((v) => (v === 0 ? 0 : v));
      const got = unsigned(read(negativePart(x)));
      expect(got).toEqual(unsigned(read(tf.minimum(x, 0))));
      expect(got).toEqual(unsigned(values.map((v) => Math.fround(Math.min(v, 0)))));
    });
    it('equalToBound is 1[x == bound] for x ≤ bound', () => {
      const bound = tf.tensor1d([3, 3, 3, -1, -1, 1e38, 0]);
      const x = tf.tensor1d([1, 3, 2.9999998, -1, -1.0000001, 1e38, -0]);
      expect(read(equalToBound(x, bound))).toEqual([0, 1, 0, 1, 0, 1, 1]);
      expect(read(equalToBound(x, bound))).toEqual(read(tf.cast(tf.equal(x, bound), 'float32')));
    });
  });
