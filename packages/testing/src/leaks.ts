import * as tf from '@tensorflow/tfjs';

/** What a call left behind on the TF.js engine. */
export interface Leak {
  /** Tensors the call left allocated. */
  readonly tensors: number;
  /** Bytes those tensors hold. */
  readonly bytes: number;
}

/**
 * Runs `run` twice and reports what the second call left allocated. The first call warms up what may stay on purpose
 * (kernels' caches, the flipped weights an analyzer prepares once), so only per-call leaks count. An error of `run`
 * propagates (so an assertion inside it still fails the test): to measure a call that should fail, let `run` expect
 * the failure, as in `() => expect(() => analyze(bad, analyzer)).toThrow()`.
 *
 * @example
 * ```ts
 * leakOf(() => analyze(x, analyzer).dispose()).tensors; // 0
 * ```
 */
export function leakOf(run: () => void): Leak {
  run();
  const before = tf.memory();
  run();
  const after = tf.memory();
  return { tensors: after.numTensors - before.numTensors, bytes: after.numBytes - before.numBytes };
}

/**
 * Throws unless `run` (after a warm-up call) leaves no tensor behind, saying what leaked: the shared leak check of
 * the analyzer tests.
 *
 * @example
 * ```ts
 * expectNoLeaks(() => analyze(x, new LRP(model, new EpsilonPlus())).dispose(), 'LRP EpsilonPlus');
 * ```
 */
export function expectNoLeaks(run: () => void, what = 'the call'): void {
  const leak = leakOf(run);
  if (leak.tensors !== 0 || leak.bytes !== 0)
    throw new Error(`${what} left ${leak.tensors} tensors (${leak.bytes} bytes) behind per call`);
}
