import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { takeRows } from '../src/engine.js';

describe('takeRows', () => {
  it.each([
    [[0, 0, 0]],
    [[1]],
    [[0, 1, 2, 3]],
    [[2, 3]],
    [[3, 1, 0, 2]],
    [[1, 1, 2, 2, 2, 3, 0]],
    [[0, 2, 2, 3, 1, 1]],
  ])('equals tf.gather on the batch axis for rows %j', (rows) => {
    const t = tf.range(0, 4 * 3 * 2).reshape([4, 3, 2]);
    const before = tf.memory().numTensors;
    const got = takeRows(t, rows);
    expect(tf.memory().numTensors).toBe(before + 1);
    const want = tf.gather(t, tf.tensor1d(rows, 'int32'));
    expect(got.shape).toEqual(want.shape);
    expect(Array.from(got.dataSync())).toEqual(Array.from(want.dataSync()));
    got.dispose();
    // the result is its own tensor: freeing it leaves the source intact
    expect(t.isDisposed).toBe(false);
    tf.dispose([t, want]);
  });
});
