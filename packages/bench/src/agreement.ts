/**
 * How closely SmoothDiff(n) and SmoothGrad(n) agree with a SmoothGrad(500) reference on the demo data: the numbers of
 * the evaluation guide's cost-versus-agreement curve (docs/evaluation.md). Deterministic: no timing here.
 */
import * as tf from '@tensorflow/tfjs';
import { type Analyzer, analyze, IndexSelector } from '@xai-ts/base';
import { SmoothDiff, SmoothGrad } from '@xai-ts/gradients';
import { spearman } from '@xai-ts/metrics';

/** The settings of the curve. */
export interface AgreementSettings {
  /** Sample counts of the compared methods. */
  readonly ns: readonly number[];
  /** Seeds of the compared methods' noise; each point is the mean over them. */
  readonly seeds: readonly number[];
  /** Samples of the SmoothGrad reference. */
  readonly referenceN: number;
  /** The seed of the reference's noise (none of `seeds`). */
  readonly referenceSeed: number;
  /** The noise's standard deviation, in input units. */
  readonly std: number;
}

/** The settings the guide reports. */
export const AGREEMENT_SETTINGS: AgreementSettings = {
  ns: [5, 10, 20, 50, 100, 200],
  seeds: [1, 2, 3],
  referenceN: 500,
  referenceSeed: 1000,
  std: 0.15,
};

/** One point of the curve: a method at `n` samples. */
export interface AgreementPoint {
  readonly method: 'SmoothGrad' | 'SmoothDiff';
  readonly n: number;
  /** Spearman rank correlation of the signed maps (every pixel and channel) with the reference's, mean over images and seeds. */
  readonly spearman: number;
  /** The same for each seed. */
  readonly perSeed: number[];
  /**
   * Spearman rank correlation of the pixel maps the heatmaps and the evaluation metrics use (the L2 norm over
   * channels) with the reference's, mean over images and seeds.
   */
  readonly spearmanNorm: number;
  /** The same for each seed. */
  readonly perSeedNorm: number[];
}

function maps(
  model: tf.LayersModel,
  images: tf.Tensor,
  analyzer: Analyzer,
  selection: number[],
): Float32Array[] {
  const expl = analyze(images, analyzer, new IndexSelector(selection));
  try {
    const n = images.shape[0]!;
    const data = expl.val.dataSync() as Float32Array;
    const size = data.length / n;
    return Array.from({ length: n }, (_, i) => data.slice(i * size, (i + 1) * size));
  } finally {
    expl.dispose();
    void model;
  }
}

function meanSpearman(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  return a.reduce((acc, m, i) => acc + spearman(m, b[i]!), 0) / a.length;
}

/** Each pixel's L2 norm over its `channels` values (NHWC, one image). */
function pixelNorms(map: Float32Array, channels: number): Float32Array {
  const out = new Float32Array(map.length / channels);
  for (let p = 0; p < out.length; p++) {
    let sum = 0;
    for (let k = 0; k < channels; k++) sum += map[p * channels + k]! ** 2;
    out[p] = Math.sqrt(sum);
  }
  return out;
}

/**
 * The agreement of SmoothGrad(n) and SmoothDiff(n) with SmoothGrad(`referenceN`), each explaining every image's
 * largest output.
 */
export function agreementCurve(
  model: tf.LayersModel,
  images: tf.Tensor,
  settings: AgreementSettings = AGREEMENT_SETTINGS,
): AgreementPoint[] {
  const selection = tf.tidy(() => Array.from((model.predict(images) as tf.Tensor).argMax(-1).dataSync()));
  const reference = new SmoothGrad(model, {
    n: settings.referenceN,
    std: settings.std,
    seed: settings.referenceSeed,
  });
  const ref = maps(model, images, reference, selection);
  reference.dispose();
  const channels = images.shape.at(-1)!;
  const norms = (ms: readonly Float32Array[]) => ms.map((m) => pixelNorms(m, channels));
  const refNorms = norms(ref);
  const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const points: AgreementPoint[] = [];
  for (const n of settings.ns)
    for (const method of ['SmoothGrad', 'SmoothDiff'] as const) {
      const both = settings.seeds.map((seed) => {
        const analyzer =
          method === 'SmoothGrad'
            ? new SmoothGrad(model, { n, std: settings.std, seed })
            : new SmoothDiff(model, { n, std: settings.std, seed });
        try {
          const got = maps(model, images, analyzer, selection);
          return [meanSpearman(got, ref), meanSpearman(norms(got), refNorms)] as const;
        } finally {
          analyzer.dispose();
        }
      });
      const perSeed = both.map(([signed]) => signed);
      const perSeedNorm = both.map(([, norm]) => norm);
      points.push({
        method,
        n,
        spearman: mean(perSeed),
        perSeed,
        spearmanNorm: mean(perSeedNorm),
        perSeedNorm,
      });
    }
  return points;
}
