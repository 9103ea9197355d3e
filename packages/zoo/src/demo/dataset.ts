import * as tf from '@tensorflow/tfjs';
import { ZooError } from '../errors.js';
import { createRng, type Rng } from './prng.js';
import { DEMO_CLASS_NAMES, SHAPES } from './shapes.js';

/**
 * Options of {@link demoDataset}.
 *
 * @example
 * ```ts
 * const options: DemoDatasetOptions = { n: 100, seed: 7 };
 * demoDataset(options);
 * ```
 */
export interface DemoDatasetOptions {
  /** The number of images. */
  n: number;
  /** The seed; equal seeds give equal datasets on every platform and backend. */
  seed: number;
  /** The image height and width in pixels (default 32, the size the demo model was trained on). */
  size?: number;
}

/**
 * A labelled image dataset with object masks, from {@link demoDataset}. The caller owns the tensors.
 *
 * @example
 * ```ts
 * const { images, labels } = demoDataset({ n: 8, seed: 1 }); // images [8, 32, 32, 3], 8 labels
 * ```
 */
export interface DemoDataset {
  /** `[n, size, size, 3]` float32 RGB images in [0, 1], NHWC. */
  images: tf.Tensor4D;
  /** The 0-based class of each image, an index into `classNames`. */
  labels: number[];
  /** `[n, size, size, 1]` float32: 1 on the object's pixels, 0 on the background. */
  masks: tf.Tensor4D;
  /** The class names, in label order. */
  classNames: string[];
}

/**
 * Generates the demo dataset procedurally: one coloured shape (circle, square, triangle, cross or ring) per image,
 * at a random position, size, rotation and colour, on a textured, noisy background (a two-colour gradient, a
 * low-frequency wave and pixel noise). The masks mark the object's pixels exactly, so the quality of an
 * explanation can be measured against them (see `@xai-ts/metrics`). Deterministic: the same options give the same
 * data everywhere, with the package's own PRNG.
 *
 * @param options - `n` images from `seed`, `size`×`size` pixels (default 32)
 * @returns images, labels, masks and class names; dispose `images` and `masks` when done
 * @throws {@link ZooError} for a non-positive or non-integer `n`, or a `size` below 8
 *
 * @example
 * ```ts
 * const { images, labels, masks, classNames } = demoDataset({ n: 16, seed: 1 });
 * classNames[labels[0]]; // for example 'triangle'
 * images.dispose(); masks.dispose();
 * ```
 */
export function demoDataset(options: DemoDatasetOptions): DemoDataset {
  const { n, seed } = options;
  const size = options.size ?? 32;
  if (!Number.isInteger(n) || n < 1)
    throw new ZooError(`demoDataset needs a positive integer n (the number of images), got ${n}`);
  if (!Number.isInteger(size) || size < 8)
    throw new ZooError(`demoDataset needs an integer size of at least 8 pixels, got ${size}`);
  if (!Number.isFinite(seed)) throw new ZooError(`demoDataset needs a finite seed, got ${seed}`);
  const rng = createRng(seed);
  const plane = size * size;
  const images = new Float32Array(n * plane * 3);
  const masks = new Float32Array(n * plane);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = rng.int(DEMO_CLASS_NAMES.length);
    labels.push(label);
    drawSample(
      rng,
      label,
      size,
      images.subarray(i * plane * 3, (i + 1) * plane * 3),
      masks.subarray(i * plane, (i + 1) * plane),
    );
  }
  return {
    images: tf.tensor4d(images, [n, size, size, 3]),
    labels,
    masks: tf.tensor4d(masks, [n, size, size, 1]),
    classNames: [...DEMO_CLASS_NAMES],
  };
}

type Rgb = [number, number, number];

function drawSample(rng: Rng, label: number, size: number, image: Float32Array, mask: Float32Array): void {
  // Background: a gradient between two colours along a random direction, plus a low-frequency wave.
  const c0 = randomColour(rng);
  const c1 = randomColour(rng);
  const dir = rng.uniform(0, 2 * Math.PI);
  const [dx, dy] = [Math.cos(dir), Math.sin(dir)];
  const waveAngle = rng.uniform(0, 2 * Math.PI);
  const [wx, wy] = [Math.cos(waveAngle), Math.sin(waveAngle)];
  const waveFreq = (rng.uniform(1, 3) * 2 * Math.PI) / size;
  const wavePhase = rng.uniform(0, 2 * Math.PI);
  const waveAmp = rng.uniform(0.03, 0.1);
  const noise = rng.uniform(0.02, 0.06);

  // The object: a shape of radius r (it fits the disc of radius 1.1 r), placed fully inside the image.
  const shape = Object.values(SHAPES)[label]!;
  const r = rng.uniform(0.2, 0.34) * size;
  const margin = 1.1 * r + 0.5;
  const cx = rng.uniform(margin, size - margin);
  const cy = rng.uniform(margin, size - margin);
  const theta = rng.uniform(0, 2 * Math.PI);
  const [cos, sin] = [Math.cos(theta), Math.sin(theta)];
  const tc = gradientAt(cx, cy, dx, dy, size);
  const colour = contrastingColour(rng, [0, 1, 2].map((c) => c0[c]! * (1 - tc) + c1[c]! * tc) as Rgb);

  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      // Rotate the offset by -theta into the shape's frame, then scale by the radius.
      const ox = px - cx;
      const oy = py - cy;
      const u = (cos * ox + sin * oy) / r;
      const v = (-sin * ox + cos * oy) / r;
      const inside = shape(u, v);
      const p = y * size + x;
      mask[p] = inside ? 1 : 0;
      const t = gradientAt(px, py, dx, dy, size);
      const wave = waveAmp * Math.sin(waveFreq * (px * wx + py * wy) + wavePhase);
      for (let c = 0; c < 3; c++) {
        const base = inside ? colour[c]! : c0[c]! * (1 - t) + c1[c]! * t + wave;
        image[p * 3 + c] = Math.min(1, Math.max(0, base + noise * rng.normal()));
      }
    }
  }
}

/** Where (0..1) a point lies along the background gradient of direction (dx, dy). */
function gradientAt(px: number, py: number, dx: number, dy: number, size: number): number {
  return Math.min(1, Math.max(0, 0.5 + ((px - size / 2) * dx + (py - size / 2) * dy) / size));
}

function randomColour(rng: Rng): Rgb {
  return [rng.uniform(0.1, 0.9), rng.uniform(0.1, 0.9), rng.uniform(0.1, 0.9)];
}

/** A colour at least 0.45 away (Euclidean, RGB) from `from`; the best of a few draws if none is. */
function contrastingColour(rng: Rng, from: Rgb): Rgb {
  let best: Rgb = [0, 0, 0];
  let bestDist = -1;
  for (let tries = 0; tries < 16; tries++) {
    const c: Rgb = [rng.next(), rng.next(), rng.next()];
    const d = Math.hypot(c[0] - from[0], c[1] - from[1], c[2] - from[2]);
    if (d > bestDist) [best, bestDist] = [c, d];
    if (d >= 0.45) break;
  }
  return best;
}
