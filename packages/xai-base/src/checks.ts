import * as tf from '@tensorflow/tfjs';
import { InputShapeError, InvalidInputError } from './errors.js';
import { formatShape } from './format.js';

/**
 * Checks an input before it is explained: a float tensor, batch first, whose shape fits `expected` (the model's
 * input shape with `null` for free dimensions), and whose values are all finite.
 *
 * @param input - the batched input
 * @param expected - the model's input shape including the batch axis, for example `[null, 16, 16, 3]`; omit to
 *   check only the values
 * @throws {@link InputShapeError} for a missing batch axis or a shape that does not fit
 * @throws {@link InvalidInputError} for a non-float dtype, NaN or ±Infinity
 *
 * @example
 * ```ts
 * checkInput(x, [null, 16, 16, 3]);
 * ```
 */
export function checkInput(input: tf.Tensor, expected?: readonly (number | null)[]): void {
  if (!(input instanceof tf.Tensor))
    throw new InvalidInputError(
      `the input must be a tf.Tensor, got ${input === null ? 'null' : typeof input}`,
    );
  if (input.isDisposed) throw new InvalidInputError('the input tensor has been disposed');
  if (expected !== undefined) checkShape(input.shape, expected);
  if (input.dtype !== 'float32')
    throw new InvalidInputError(`the input has dtype ${input.dtype}; pass a float32 tensor (x.toFloat())`);
  if (input.shape[0] === 0) throw new InputShapeError('the input batch is empty (batch axis of size 0)');
  const data = input.dataSync();
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) {
      const at = unravel(i, input.shape);
      throw new InvalidInputError(
        `the input holds ${Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity'} at [${at.join(', ')}]; explanations need finite inputs`,
      );
    }
  }
}

function checkShape(shape: readonly number[], expected: readonly (number | null)[]): void {
  if (shape.length === expected.length - 1 && expected.slice(1).every((d, i) => d == null || d === shape[i]))
    throw new InputShapeError(
      `the input has shape ${formatShape(shape)} but the model expects ${formatShape(expected)}: the batch axis is missing; add it with x.expandDims(0)`,
    );
  if (shape.length !== expected.length)
    throw new InputShapeError(
      `the input has rank ${shape.length} (shape ${formatShape(shape)}) but the model expects rank ${expected.length} ${formatShape(expected)}`,
    );
  for (let i = 1; i < expected.length; i++) {
    const want = expected[i];
    if (want != null && want !== shape[i])
      throw new InputShapeError(
        `the input has shape ${formatShape(shape)} but the model expects ${formatShape(expected)}: axis ${i} is ${shape[i]}, not ${want}`,
      );
  }
}

function unravel(flat: number, shape: readonly number[]): number[] {
  const at: number[] = new Array<number>(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    at[d] = flat % shape[d]!;
    flat = Math.floor(flat / shape[d]!);
  }
  return at;
}
