import * as tf from '@tensorflow/tfjs';
import { analyze, MaskSelector } from '@xai-ts/base';
import { EpsilonPlusFlat, LRP } from '@xai-ts/lrp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildDemoUNet,
  DEMO_CLASS_NAMES,
  DEMO_SEGMENTATION_CLASSES,
  type DemoDataset,
  demoDataset,
  demoSegmentationMaps,
  loadDemoUNet,
} from '../src/index.js';

// Held out: the training script trains on seed 3000 and validates on seed 3001.
const TEST = { n: 120, seed: 424_242 };

let model: tf.LayersModel;
let data: DemoDataset;
let predicted: Int32Array; // argmax class per pixel, [n, 32, 32] flattened

beforeAll(async () => {
  model = await loadDemoUNet();
  data = demoDataset(TEST);
  predicted = tf.tidy(() => (model.predict(data.images) as tf.Tensor).argMax(-1).dataSync() as Int32Array);
});

afterAll(() => {
  model.dispose();
  tf.dispose([data.images, data.masks]);
});

/** IoU per class over all pixels of the set. */
function iouPerClass(pred: ArrayLike<number>, truth: ArrayLike<number>, classes: number): number[] {
  const inter = new Array<number>(classes).fill(0);
  const union = new Array<number>(classes).fill(0);
  for (let i = 0; i < truth.length; i++) {
    const [p, t] = [pred[i]!, truth[i]!];
    union[t]!++;
    if (p === t) inter[t]!++;
    else union[p]!++;
  }
  return inter.map((v, k) => (union[k] === 0 ? 1 : v / union[k]!));
}

/**
 * The input pixels that can influence a region of the output, read off the architecture of the depth-2 U-Net:
 * a 3×3 `same` convolution widens a support by one pixel each side, a 2×2 max pool's input pixel `y` reads output
 * `⌊y/2⌋`, the 2×2 stride-2 transposed convolution's output pixel `y` reads input `⌊y/2⌋`, a concatenation unites
 * the supports of its two branches, and the 1×1 logits keep it.
 */
function receptiveField(region: tf.Tensor4D, depth = 2): tf.Tensor4D {
  return tf.tidy(() => {
    const conv = (s: tf.Tensor4D) => tf.maxPool(s, 3, 1, 'same');
    const convPair = (s: tf.Tensor4D) => conv(conv(s));
    const skips: tf.Tensor4D[] = [];
    let s = region;
    for (let i = 0; i < depth; i++) {
      s = convPair(s); // dec{i}_conv1, dec{i}_conv2
      skips.push(s); // the concatenation's encoder branch, enc{i}_relu2
      s = tf.maxPool(s, 2, 2, 'valid'); // dec{i}_up: any of the 4 outputs a pixel writes
    }
    s = convPair(s); // bottleneck
    for (let i = depth - 1; i >= 0; i--) {
      const [h, w] = s.shape.slice(1, 3) as [number, number];
      s = tf.image.resizeNearestNeighbor(s, [2 * h, 2 * w]); // enc{i}_pool
      s = convPair(tf.maximum(s, skips[i]!)); // enc{i}_conv1, enc{i}_conv2
    }
    return s;
  });
}

describe('the demo U-Net', () => {
  it('loads with no network: buildDemoUNet’s architecture, per-pixel logits over 6 classes', () => {
    expect(model.name).toBe('xai_ts_demo_unet');
    expect(model.outputs[0]!.shape).toEqual([null, 32, 32, 6]);
    expect(DEMO_SEGMENTATION_CLASSES).toEqual(['background', ...DEMO_CLASS_NAMES]);
    const fresh = buildDemoUNet();
    expect(model.layers.map((l) => l.name)).toEqual(fresh.layers.map((l) => l.name));
    expect(model.countParams()).toBe(fresh.countParams());
    fresh.dispose();
    const last = model.getLayer('logits').getConfig() as { activation: string };
    expect(last.activation).toBe('linear');
  });

  it('segments held-out images: mean IoU over the 6 classes ≥ 0.88', () => {
    const truth = tf.tidy(() => demoSegmentationMaps(data).dataSync());
    const iou = iouPerClass(predicted, truth, DEMO_SEGMENTATION_CLASSES.length);
    const mean = iou.reduce((a, v) => a + v, 0) / iou.length;
    // Measured: mean 0.919; background 0.992, circle 0.956, square 0.925, triangle 0.812, cross 0.879, ring 0.949.
    expect(mean).toBeGreaterThanOrEqual(0.88);
    for (const v of iou) expect(v).toBeGreaterThanOrEqual(0.75);
  });

  it('demoSegmentationMaps puts label + 1 on the object and 0 elsewhere', () => {
    const maps = tf.tidy(() => demoSegmentationMaps(data).dataSync());
    const masks = data.masks.dataSync();
    const expected = Int32Array.from(masks, (m, p) => (m === 1 ? data.labels[Math.floor(p / 1024)]! + 1 : 0));
    expect(maps).toEqual(expected);
  });

  it('leaks no tensor', async () => {
    const before = tf.memory().numTensors;
    const m = await loadDemoUNet();
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('explaining a region of the demo U-Net with LRP', () => {
  const SAMPLES = [0, 1, 2, 3, 4, 5, 6, 7];
  const [h, w] = [32, 32];

  it('EpsilonPlusFlat puts most positive relevance of the predicted object on it and its border, none outside the receptive field', () => {
    const x = tf.tidy(() => tf.gather(data.images, SAMPLES));
    // Each sample's region: the pixels predicted as its most frequent object class, explained as that class.
    const classes: number[] = [];
    const regions = SAMPLES.map((s) => {
      const pixels = predicted.subarray(s * h * w, (s + 1) * h * w);
      const counts = new Array<number>(6).fill(0);
      for (const c of pixels) counts[c]!++;
      const k = counts.indexOf(Math.max(...counts.slice(1)), 1);
      classes.push(k);
      return Array.from(pixels, (c) => (c === k ? 1 : 0));
    });
    expect(classes).toEqual(SAMPLES.map((s) => data.labels[s]! + 1));
    const region = tf.tensor3d(regions.flat(), [SAMPLES.length, h, w]);
    const selector = new MaskSelector(region, classes);
    const lrp = new LRP(model, new EpsilonPlusFlat());
    const expl = analyze(x, lrp, selector);
    const relevance = tf.tidy(() => expl.val.sum(-1) as tf.Tensor3D);
    const rf = receptiveField(region.expandDims(-1) as tf.Tensor4D);

    const field = tf.tidy(() => rf.squeeze([3]).arraySync() as number[][][]);
    relevance.arraySync().forEach((map, i) => {
      map.forEach((row, y) => {
        row.forEach((v, xx) => {
          if (field[i]![y]![xx] === 0) expect(v).toBe(0);
        });
      });
    });

    // The share of each sample's positive relevance on the object, and on the object with a 1-pixel border: the
    // Flat first layer spreads a pixel's relevance over its 3×3 window, and a segmentation rests on the object's edges.
    const [onObject, onBorder, area] = tf.tidy(() => {
      const positive = relevance.relu();
      const total = positive.sum([1, 2]);
      const object = tf.gather(data.masks, SAMPLES).squeeze([3]) as tf.Tensor3D;
      const border = tf.maxPool(object.expandDims(-1) as tf.Tensor4D, 3, 1, 'same').squeeze([3]);
      const share = (m: tf.Tensor) => Array.from(positive.mul(m).sum([1, 2]).div(total).dataSync());
      return [share(object), share(border), Array.from(object.mean([1, 2]).dataSync())];
    });
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    // Measured: on the object 0.42 0.56 0.39 0.57 0.55 0.45 0.55 0.44 (mean 0.49; the objects cover 6 % to 28 % of
    // the image, 17 % on average); with the border 0.78 0.84 0.75 0.87 0.82 0.75 0.82 0.79 (mean 0.80).
    onObject.forEach((f, i) => {
      expect(f).toBeGreaterThanOrEqual(0.35);
      expect(f).toBeGreaterThan(1.4 * area[i]!); // measured 1.6× to 5.9× the object's share of the image
    });
    expect(mean(onObject)).toBeGreaterThanOrEqual(0.45);
    for (const f of onBorder) expect(f).toBeGreaterThanOrEqual(0.7);
    expect(mean(onBorder)).toBeGreaterThanOrEqual(0.76);

    tf.dispose([x, region, relevance, rf]);
    expl.dispose();
    selector.dispose();
  });

  it('gives exactly zero relevance outside the receptive field of a small corner region', () => {
    const x = tf.tidy(() => tf.gather(data.images, [0]));
    const region = tf.tidy(() =>
      tf
        .buffer(
          [1, h, w],
          'float32',
          new Float32Array(h * w).map((_, p) => (p < 3 * w && p % w < 3 ? 1 : 0)),
        )
        .toTensor(),
    ) as tf.Tensor3D;
    const selector = new MaskSelector(region, 0); // the corner is background
    const expl = analyze(x, new LRP(model, new EpsilonPlusFlat()), selector);
    const rf = receptiveField(region.expandDims(-1) as tf.Tensor4D);
    const [inside, outsideAbs, outsideCount] = tf.tidy(() => {
      const rel = expl.val.abs().sum(-1).squeeze([0]);
      const out = tf.scalar(1).sub(rf.squeeze([0, 3]));
      return [rel.mul(rf.squeeze([0, 3])).sum(), rel.mul(out).sum(), out.sum()].map((t) => t.dataSync()[0]!);
    });
    expect(outsideCount).toBeGreaterThan(200); // the field leaves much of the image out: the check means something
    expect(outsideAbs).toBe(0);
    expect(inside).toBeGreaterThan(0);
    tf.dispose([x, region, rf]);
    expl.dispose();
    selector.dispose();
  });
});
