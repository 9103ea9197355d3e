import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { buildDemoModel, DEMO_CLASS_NAMES, demoDataset, loadDemoModel, ZooError } from '../src/index.js';

describe('demoDataset', () => {
  it('returns images, labels, masks and class names of the documented shapes', () => {
    const d = demoDataset({ n: 12, seed: 1 });
    expect(d.images.shape).toEqual([12, 32, 32, 3]);
    expect(d.masks.shape).toEqual([12, 32, 32, 1]);
    expect(d.labels).toHaveLength(12);
    expect(d.classNames).toEqual(['circle', 'square', 'triangle', 'cross', 'ring']);
    expect(DEMO_CLASS_NAMES).toEqual(d.classNames);
    for (const l of d.labels) expect(l >= 0 && l < 5 && Number.isInteger(l)).toBe(true);
    const px = d.images.dataSync();
    expect(Math.min(...px)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...px)).toBeLessThanOrEqual(1);
    const m = d.masks.dataSync();
    expect(m.every((v) => v === 0 || v === 1)).toBe(true);
    tf.dispose([d.images, d.masks]);
  });

  it('is deterministic in the seed and differs across seeds', () => {
    const a = demoDataset({ n: 4, seed: 9 });
    const b = demoDataset({ n: 4, seed: 9 });
    const c = demoDataset({ n: 4, seed: 10 });
    expect(a.labels).toEqual(b.labels);
    expect(a.images.dataSync()).toEqual(b.images.dataSync());
    expect(a.masks.dataSync()).toEqual(b.masks.dataSync());
    expect(c.images.dataSync()).not.toEqual(a.images.dataSync());
    tf.dispose([a.images, a.masks, b.images, b.masks, c.images, c.masks]);
  });

  it('marks each object: every mask covers a shape of 5 % to 40 % of the image that differs from its surroundings', () => {
    const d = demoDataset({ n: 40, seed: 3 });
    const masks = d.masks.arraySync() as number[][][][];
    const images = d.images.arraySync() as number[][][][];
    masks.forEach((mask, s) => {
      const flat = mask.flat(2);
      const share = flat.reduce((a, v) => a + v, 0) / flat.length;
      expect(share).toBeGreaterThan(0.05);
      expect(share).toBeLessThan(0.4);
      // The object is one flat colour (plus noise): its mean differs from the background's.
      const inside = [0, 0, 0];
      const outside = [0, 0, 0];
      let nIn = 0;
      images[s]!.forEach((row, y) => {
        row.forEach((px, x) => {
          const into = mask[y]![x]![0] === 1 ? inside : outside;
          if (into === inside) nIn++;
          for (let c = 0; c < 3; c++) into[c]! += px[c]!;
        });
      });
      const dist = Math.hypot(...inside.map((v, c) => v / nIn - outside[c]! / (1024 - nIn)));
      expect(dist).toBeGreaterThan(0.15);
    });
    tf.dispose([d.images, d.masks]);
  });

  it('sizes the images on request and rejects bad options', () => {
    const d = demoDataset({ n: 1, seed: 0, size: 48 });
    expect(d.images.shape).toEqual([1, 48, 48, 3]);
    tf.dispose([d.images, d.masks]);
    expect(() => demoDataset({ n: 0, seed: 1 })).toThrow(ZooError);
    expect(() => demoDataset({ n: 2.5, seed: 1 })).toThrow(/positive integer n/);
    expect(() => demoDataset({ n: 1, seed: 1, size: 4 })).toThrow(/at least 8 pixels/);
  });
});

describe('the demo model', () => {
  it('loads with no network and classifies held-out images with ≥ 95 % accuracy', async () => {
    const model = await loadDemoModel();
    expect(model.outputs[0]!.shape).toEqual([null, 5]);
    const { images, labels, masks } = demoDataset({ n: 400, seed: 777_777 });
    const predicted = tf.tidy(() => (model.predict(images) as tf.Tensor).argMax(-1).dataSync());
    const accuracy = labels.filter((l, i) => predicted[i] === l).length / labels.length;
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
    tf.dispose([images, masks]);
    model.dispose();
  });

  it('has only LRP-friendly layers and outputs logits', async () => {
    const model = await loadDemoModel();
    const kinds = new Set(model.layers.map((l) => l.getClassName()));
    expect(
      [...kinds].every((k) => ['Conv2D', 'MaxPooling2D', 'Flatten', 'Dense', 'Dropout'].includes(k)),
    ).toBe(true);
    const last = model.layers.at(-1)!.getConfig() as { activation: string };
    expect(last.activation).toBe('linear');
    // Its architecture is buildDemoModel's.
    const fresh = buildDemoModel();
    expect(model.layers.map((l) => l.name)).toEqual(fresh.layers.map((l) => l.name));
    expect(model.countParams()).toBe(fresh.countParams());
    model.dispose();
    fresh.dispose();
  });

  it('leaks no tensor', async () => {
    const before = tf.memory().numTensors;
    const model = await loadDemoModel();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
