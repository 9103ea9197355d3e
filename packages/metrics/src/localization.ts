import type * as tf from '@tensorflow/tfjs';
import { MetricValueError } from './errors.js';
import {
  checkSameImages,
  type MetricResult,
  type PixelMaps,
  type RelevanceLike,
  readMask,
  readRelevance,
  result,
} from './maps.js';

/**
 * Relevance mass accuracy (Arras et al. 2022, CLEVR-XAI): the share of the positive relevance that lies inside the
 * mask, `Σ_{p ∈ mask} max(R_p, 0) / Σ_p max(R_p, 0)`, per sample, in [0, 1]. Relevance is summed over channels
 * first. A map with no positive relevance scores 0.
 *
 * @param relevance - an explanation or a relevance tensor `[n, h, w, c]` / `[n, h, w]`
 * @param mask - the ground-truth object masks `[n, h, w, 1]` / `[n, h, w]`; a pixel is inside where the mask is ≥ 0.5
 * @returns the score of each sample and their mean
 * @throws {@link MetricShapeError} when relevance and mask do not describe the same images
 * @throws {@link MetricValueError} for an empty mask or non-finite relevance
 *
 * @example
 * ```ts
 * const { mean } = relevanceMassAccuracy(expl, masks); // 1: all positive relevance on the objects
 * ```
 */
export function relevanceMassAccuracy(relevance: RelevanceLike, mask: tf.Tensor): MetricResult {
  return result(massAccuracy(...read(relevance, mask)));
}

function massAccuracy(rel: PixelMaps, inside: PixelMaps): number[] {
  return rel.maps.map((r, s) => {
    const m = inside.maps[s]!;
    let within = 0;
    let total = 0;
    for (let p = 0; p < r.length; p++) {
      const v = r[p]!;
      if (v <= 0) continue;
      total += v;
      if (m[p]! > 0) within += v;
    }
    return total > 0 ? within / total : 0;
  });
}

/**
 * Relevance rank accuracy (Arras et al. 2022): with K the number of mask pixels, the share of the K most relevant
 * pixels that lie inside the mask, per sample, in [0, 1]. Relevance is summed over channels first. Ties at the K-th
 * value are shared out as their expected value under random tie-breaking, so a constant map scores the mask's
 * share of the image.
 *
 * @param relevance - an explanation or a relevance tensor `[n, h, w, c]` / `[n, h, w]`
 * @param mask - the ground-truth object masks `[n, h, w, 1]` / `[n, h, w]`; a pixel is inside where the mask is ≥ 0.5
 * @returns the score of each sample and their mean
 * @throws {@link MetricShapeError} when relevance and mask do not describe the same images
 * @throws {@link MetricValueError} for an empty mask or non-finite relevance
 *
 * @example
 * ```ts
 * relevanceRankAccuracy(expl, masks).perSample; // for example [0.92, 0.88]
 * ```
 */
export function relevanceRankAccuracy(relevance: RelevanceLike, mask: tf.Tensor): MetricResult {
  return result(rankAccuracy(...read(relevance, mask)));
}

function rankAccuracy(rel: PixelMaps, inside: PixelMaps): number[] {
  return rel.maps.map((r, s) => {
    const m = inside.maps[s]!;
    const k = m.reduce((a, v) => a + v, 0);
    const kth = [...r].sort((a, b) => b - a)[k - 1]!;
    return expectedHitsAbove(r, m, kth, k) / k;
  });
}

/** Options of {@link pointingGame}. */
export interface PointingGameOptions {
  /**
   * A hit also counts when the maximum lies within this many pixels (Euclidean distance between pixel centres) of
   * the mask (Zhang et al. 2016 use 15 px on 224×224 images). Default 0: the maximum must lie on the mask.
   */
  tolerance?: number;
}

/**
 * Pointing game (Zhang et al. 2016): 1 when the most relevant pixel lies inside the mask, else 0, per sample.
 * Relevance is summed over channels first. When several pixels share the maximum, the score is the share of them
 * that hit (the expected value of picking one at random).
 *
 * @param relevance - an explanation or a relevance tensor `[n, h, w, c]` / `[n, h, w]`
 * @param mask - the ground-truth object masks `[n, h, w, 1]` / `[n, h, w]`; a pixel is inside where the mask is ≥ 0.5
 * @param options - `tolerance` in pixels (default 0)
 * @returns the score of each sample (the hit rate) and their mean
 * @throws {@link MetricShapeError} when relevance and mask do not describe the same images
 * @throws {@link MetricValueError} for an empty mask, non-finite relevance, or a negative tolerance
 *
 * @example
 * ```ts
 * pointingGame(expl, masks).mean; // the hit rate over the batch
 * ```
 */
export function pointingGame(
  relevance: RelevanceLike,
  mask: tf.Tensor,
  options: PointingGameOptions = {},
): MetricResult {
  const tolerance = options.tolerance ?? 0;
  if (!(tolerance >= 0) || !Number.isFinite(tolerance))
    throw new MetricValueError(`pointingGame needs a tolerance ≥ 0 pixels, got ${tolerance}`);
  return result(pointing(...read(relevance, mask), tolerance));
}

function pointing(rel: PixelMaps, inside: PixelMaps, tolerance: number): number[] {
  return rel.maps.map((r, s) => {
    const hits = tolerance > 0 ? dilate(inside.maps[s]!, rel.h, rel.w, tolerance) : inside.maps[s]!;
    let max = -Infinity;
    for (const v of r) if (v > max) max = v;
    let tied = 0;
    let hit = 0;
    for (let p = 0; p < r.length; p++)
      if (r[p] === max) {
        tied++;
        hit += hits[p]!;
      }
    return hit / tied;
  });
}

/** The three localization scores of {@link localizationMetrics}. */
export interface LocalizationScores {
  /** {@link relevanceMassAccuracy} */
  relevanceMassAccuracy: MetricResult;
  /** {@link relevanceRankAccuracy} */
  relevanceRankAccuracy: MetricResult;
  /** {@link pointingGame} (tolerance 0) */
  pointingGame: MetricResult;
}

/**
 * Scores an explanation against ground-truth masks with all three localization metrics at once (the maps are read
 * once).
 *
 * @param relevance - an explanation or a relevance tensor `[n, h, w, c]` / `[n, h, w]`
 * @param mask - the ground-truth object masks `[n, h, w, 1]` / `[n, h, w]`
 * @returns relevance mass accuracy, relevance rank accuracy and pointing game
 * @throws {@link MetricShapeError} when relevance and mask do not describe the same images
 * @throws {@link MetricValueError} for an empty mask or non-finite relevance
 *
 * @example
 * ```ts
 * const { images, masks } = demoDataset({ n: 64, seed: 5 });
 * const scores = localizationMetrics(analyze(images, lrp), masks);
 * scores.relevanceMassAccuracy.mean;
 * ```
 */
export function localizationMetrics(relevance: RelevanceLike, mask: tf.Tensor): LocalizationScores {
  const [rel, inside] = read(relevance, mask);
  return {
    relevanceMassAccuracy: result(massAccuracy(rel, inside)),
    relevanceRankAccuracy: result(rankAccuracy(rel, inside)),
    pointingGame: result(pointing(rel, inside, 0)),
  };
}

function read(relevance: RelevanceLike, mask: tf.Tensor): [PixelMaps, PixelMaps] {
  const rel = readRelevance(relevance);
  const inside = readMask(mask);
  checkSameImages(rel, inside);
  return [rel, inside];
}

/**
 * The expected number of mask pixels among the top k when pixels above `kth` are taken and the remaining slots are
 * filled at random from the pixels equal to `kth`.
 */
function expectedHitsAbove(r: Float32Array, m: Float32Array, kth: number, k: number): number {
  let above = 0;
  let aboveHits = 0;
  let tied = 0;
  let tiedHits = 0;
  for (let p = 0; p < r.length; p++) {
    if (r[p]! > kth) {
      above++;
      aboveHits += m[p]!;
    } else if (r[p] === kth) {
      tied++;
      tiedHits += m[p]!;
    }
  }
  return aboveHits + ((k - above) * tiedHits) / tied;
}

/** The pixels within `radius` (Euclidean, pixel centres) of a mask pixel. */
function dilate(m: Float32Array, h: number, w: number, radius: number): Float32Array {
  const out = new Float32Array(m.length);
  const r = Math.floor(radius);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      if (m[y * w + x]! === 0) continue;
      for (let dy = -r; dy <= r; dy++)
        for (let dx = -r; dx <= r; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy >= 0 && yy < h && xx >= 0 && xx < w && dx * dx + dy * dy <= radius * radius)
            out[yy * w + xx] = 1;
        }
    }
  return out;
}
