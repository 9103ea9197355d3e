import * as tf from '@tensorflow/tfjs';
import { type Analyzer, Explanation, type OutputSelector } from '@xai-ts/base';
import { expectNoLeaks } from '@xai-ts/testing';
import { expect } from 'vitest';

/** A deterministic generator of numbers in [-1, 1) for test weights and inputs. */
export function uniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2147483648 - 1;
  };
}

/** Sets every weight of a model to deterministic values of the given scale. */
export function setWeights(model: tf.LayersModel, seed: number, scale = 0.5): void {
  const next = uniform(seed);
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    const values = layer.weights.map((v) => {
      const shape = v.shape as number[];
      return tf.tensor(
        Array.from({ length: shape.reduce((x, y) => x * y, 1) }, () => scale * next()),
        shape,
      );
    });
    layer.setWeights(values);
    tf.dispose(values);
  }
}

/** A tensor of deterministic values in [-1, 1). */
export function randomTensor(shape: number[], seed: number): tf.Tensor {
  const next = uniform(seed);
  return tf.tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, next), shape);
}

/** Asserts that `run` leaves no tensor behind (after one warm-up call): the testing package's shared check. */
export function expectNoLeak(run: () => void, what?: string): void {
  expectNoLeaks(run, what);
}

/** Max |a − b| / (atol + rtol |b|). */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol = 1e-5,
  atol = 1e-6,
): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < actual.length; i++) {
    const r = Math.abs(actual[i]! - expected[i]!) / (atol + rtol * Math.abs(expected[i]!));
    if (!(r <= worst)) {
      worst = r;
      at = i;
    }
  }
  expect(worst, `worst at ${at}: ${actual[at]} vs ${expected[at]}`).toBeLessThanOrEqual(1);
}

/**
 * A toy analyzer with a known map: output `[s, −s]` with `s` the sum of each sample, and
 * `val = x² · (selected index + 1)`, so a wrong selection shows in the values. It records every selection it made.
 */
export class SquareAnalyzer implements Analyzer {
  readonly name = 'Square';
  readonly selections: number[][] = [];
  readonly batches: number[] = [];

  explain(input: tf.Tensor, selector: OutputSelector): Explanation {
    const n = input.shape[0]!;
    const output = tf.tidy(() => {
      const s = tf.sum(tf.reshape(input, [n, -1]), 1);
      return tf.stack([s, tf.neg(s)], 1);
    });
    let selection: number[];
    try {
      selection = selector.select(output);
    } catch (error) {
      output.dispose();
      throw error;
    }
    this.selections.push(selection);
    this.batches.push(n);
    const val = tf.tidy(() =>
      tf.mul(
        tf.square(input),
        tf.tensor(selection.map((c) => c + 1)).reshape([n, ...input.shape.slice(1).map(() => 1)]),
      ),
    );
    return new Explanation({
      val,
      input,
      output,
      outputSelection: selection,
      analyzer: this.name,
      heatmap: 'attribution',
    });
  }
}
