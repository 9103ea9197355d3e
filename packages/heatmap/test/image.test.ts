import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  type Heatmap,
  HeatmapOptionError,
  HeatmapShapeError,
  overlay,
  resizeImage,
  tensorToImages,
} from '../src/index.js';
import { px } from './helpers.js';

const solid = (width: number, height: number, rgb: [number, number, number]): Heatmap => {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < data.length; i += 4) data.set([...rgb, 255], i);
  return { width, height, data };
};

describe('overlay', () => {
  it('blends image * (1 - alpha) + heatmap * alpha per channel, opaque', () => {
    const heat = solid(2, 2, [255, 0, 100]);
    const image = solid(2, 2, [0, 200, 51]);
    image.data[3] = 17; // the image's alpha does not carry over
    expect(px(overlay(heat, image, { alpha: 0.25 }), 0, 0)).toEqual([64, 150, 63, 255]); // 63.75, 150, 63.25
    expect(px(overlay(heat, image, { alpha: 0 }), 1, 1)).toEqual([0, 200, 51, 255]);
    expect(px(overlay(heat, image, { alpha: 1 }), 1, 0)).toEqual([255, 0, 100, 255]);
    expect(px(overlay(heat, image), 0, 1)).toEqual([153, 80, 80, 255]); // default alpha 0.6: 153, 80, 80.4
  });

  it('resizes the heatmap to the image first', () => {
    const heat = solid(1, 1, [200, 100, 0]);
    const out = overlay(heat, solid(3, 2, [0, 0, 0]), { alpha: 0.5 });
    expect([out.width, out.height]).toEqual([3, 2]);
    expect(px(out, 2, 1)).toEqual([100, 50, 0, 255]);
  });

  it('rejects bad alphas and malformed images', () => {
    expect(() => overlay(solid(1, 1, [0, 0, 0]), solid(1, 1, [0, 0, 0]), { alpha: -0.1 })).toThrow(
      HeatmapOptionError,
    );
    const broken = { width: 2, height: 2, data: new Uint8ClampedArray(3) };
    expect(() => overlay(broken, solid(2, 2, [0, 0, 0]))).toThrow(/2×2 but holds 3 bytes; RGBA needs 16/);
    expect(() => overlay({ width: 1, height: 1, data: [0, 0, 0, 0] } as unknown as Heatmap, broken)).toThrow(
      HeatmapShapeError,
    );
  });
});

describe('resizeImage (bilinear, pixel centres)', () => {
  it('upsamples a 2-pixel row exactly', () => {
    const img: Heatmap = {
      width: 2,
      height: 1,
      data: new Uint8ClampedArray([0, 0, 0, 255, 200, 100, 40, 255]),
    };
    const out = resizeImage(img, 4, 1);
    // sample positions -0.25 (clamped), 0.25, 0.75, 1.25 (clamped)
    expect([0, 1, 2, 3].map((x) => px(out, x, 0))).toEqual([
      [0, 0, 0, 255],
      [50, 25, 10, 255],
      [150, 75, 30, 255],
      [200, 100, 40, 255],
    ]);
  });

  it("agrees with tf.image.resizeBilinear's half-pixel centres", () => {
    const w = 5;
    const h = 3;
    const values = Array.from({ length: w * h * 4 }, (_, i) => (i * 37) % 256);
    const img: Heatmap = { width: w, height: h, data: new Uint8ClampedArray(values) };
    const out = resizeImage(img, 7, 8);
    const ref = tf.tidy(() =>
      tf.image
        .resizeBilinear(tf.tensor4d(values, [1, h, w, 4]), [8, 7], false, true)
        .round()
        .dataSync(),
    );
    expect(Array.from(out.data)).toEqual(Array.from(ref));
  });

  it('returns the same image when the size fits, and rejects bad sizes', () => {
    const img = solid(2, 2, [1, 2, 3]);
    expect(resizeImage(img, 2, 2)).toBe(img);
    expect(() => resizeImage(img, 0, 2)).toThrow(/positive integers/);
  });
});

describe('tensorToImages', () => {
  it('scales each sample by its extrema by default', () => {
    const x = tf.tensor4d([-1, 0, 1, 1, 1, 1, 2, 4, 6, 6, 6, 6], [2, 1, 2, 3]);
    const [a, b] = tensorToImages(x);
    x.dispose();
    expect(px(a!, 0, 0)).toEqual([0, 128, 255, 255]);
    expect(px(a!, 1, 0)).toEqual([255, 255, 255, 255]);
    expect(px(b!, 0, 0)).toEqual([0, 128, 255, 255]);
  });

  it('uses a fixed range when given, and greys for one channel', () => {
    const x = tf.tensor4d([0, 0.5, 1, 2], [1, 2, 2, 1]);
    const [img] = tensorToImages(x, { range: [0, 1] });
    x.dispose();
    expect([px(img!, 0, 0), px(img!, 1, 0), px(img!, 0, 1), px(img!, 1, 1)]).toEqual([
      [0, 0, 0, 255],
      [128, 128, 128, 255],
      [255, 255, 255, 255],
      [255, 255, 255, 255],
    ]);
  });

  it('rejects channel counts that are not images', () => {
    tf.tidy(() => {
      const x = tf.zeros([1, 2, 2, 2]);
      expect(() => tensorToImages(x)).toThrow(/\[1,2,2,2\].*\[N, H, W, 3\]/);
      expect(() => tensorToImages(x.reshape([1, 8]))).toThrow(HeatmapShapeError);
      expect(() => tensorToImages(tf.zeros([1, 1, 1, 3]), { range: [1, 1] })).toThrow(/lo < hi/);
    });
  });
});
