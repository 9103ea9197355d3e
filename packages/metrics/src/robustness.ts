import * as tf from '@tensorflow/tfjs';
import { type Analyzer, analyze, IndexSelector, type OutputSelection } from '@xai-ts/base';
import { MetricValueError } from './errors.js';
import { type MetricResult, result } from './maps.js';
import { Seeded } from './seeded.js';

/** Options of {@link maxSensitivity}. */
export interface MaxSensitivityOptions {
  /** The perturbations are uniform in `[−radius, radius]` per input value. Default 0.02. */
  radius?: number;
  /** The number of perturbed copies. Default 10. */
  n?: number;
  /** The seed of the perturbations. Default 0. */
  seed?: number;
  /** The explained outputs; default each sample's largest output on the clean input (kept for the copies). */
  selection?: OutputSelection;
}

/**
 * Max-sensitivity (Yeh et al. 2019): how much an explanation changes under small input noise,
 * `max_j ‖E(x + δ_j) − E(x)‖₂ / ‖E(x)‖₂` over `n` perturbations `δ_j` uniform in `[−radius, radius]`, per sample.
 * Smaller is more robust.
 *
 * @example
 * ```ts
 * maxSensitivity(new Gradient(model), images, { radius: 0.05, n: 10, seed: 1 }).mean;
 * ```
 */
export function maxSensitivity(
  analyzer: Analyzer,
  input: tf.Tensor,
  options: MaxSensitivityOptions = {},
): MetricResult {
  const radius = options.radius ?? 0.02;
  const n = options.n ?? 10;
  if (!(radius > 0) || !Number.isFinite(radius))
    throw new MetricValueError(`radius must be > 0, got ${radius}`);
  if (!Number.isInteger(n) || n < 1) throw new MetricValueError(`n must be an integer ≥ 1, got ${n}`);
  const clean = analyze(input, analyzer, options.selection);
  try {
    const selection = new IndexSelector([...clean.outputSelection]);
    const batch = input.shape[0]!;
    const base = tf.tidy(() => clean.val.reshape([batch, -1]));
    const norms = tf.tidy(() => Array.from(tf.norm(base, 2, 1).dataSync()));
    const worst = new Array<number>(batch).fill(0);
    const rng = new Seeded(options.seed ?? 0);
    for (let j = 0; j < n; j++) {
      const delta = Float32Array.from({ length: input.size }, () => radius * (2 * rng.uniform() - 1));
      const x = tf.tidy(() => tf.add(input, tf.tensor(delta, input.shape)));
      const expl = analyze(x, analyzer, selection);
      const diffs = tf.tidy(() =>
        Array.from(tf.norm(tf.sub(expl.val.reshape([batch, -1]), base), 2, 1).dataSync()),
      );
      expl.dispose();
      x.dispose();
      diffs.forEach((d, s) => {
        worst[s] = Math.max(worst[s]!, d / Math.max(norms[s]!, 1e-12));
      });
    }
    base.dispose();
    return result(worst);
  } finally {
    clean.dispose();
  }
}
