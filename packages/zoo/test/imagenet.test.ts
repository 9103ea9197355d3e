import * as tf from '@tensorflow/tfjs';
import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import {
  centerResizeCrop,
  decodeImage,
  decodePredictions,
  IMAGENET_CLASSES,
  preprocess,
  ZooError,
} from '../src/index.js';

describe('ImageNet class names', () => {
  it('has the 1000 classes, 0-based, in the standard order', () => {
    expect(IMAGENET_CLASSES).toHaveLength(1000);
    const anchors: [number, string][] = [
      [0, 'tench'],
      [1, 'goldfish'],
      [151, 'Chihuahua'],
      [207, 'golden retriever'],
      [281, 'tabby'],
      [340, 'zebra'],
      [386, 'African elephant'],
      [409, 'analog clock'],
      [483, 'castle'],
      [530, 'digital clock'],
      [817, 'sports car'],
      [919, 'street sign'],
      [954, 'banana'],
      [999, 'toilet tissue'],
    ];
    for (const [i, name] of anchors) expect(IMAGENET_CLASSES[i]).toBe(name);
  });

  it('decodes the top-K predictions with softmax probabilities', () => {
    const logits = tf.tensor2d([[0, Math.log(3), 0, Math.log(4)]]);
    const [top] = decodePredictions(logits, 2, ['a', 'b', 'c', 'd']);
    expect(top!.map((p) => [p.index, p.name])).toEqual([
      [3, 'd'],
      [1, 'b'],
    ]);
    expect(top![0]!.probability).toBeCloseTo(4 / 9, 6);
    expect(top![1]!.probability).toBeCloseTo(3 / 9, 6);
    expect(top![0]!.logit).toBeCloseTo(Math.log(4), 6);
    const imagenet = tf.oneHot([483, 919], 1000).toFloat().mul(10);
    expect(decodePredictions(imagenet, 1).map((r) => r[0]!.name)).toEqual(['castle', 'street sign']);
    expect(() => decodePredictions(logits, 2)).toThrow(/4 classes but 1000 class names/);
    expect(() => decodePredictions(tf.zeros([4]), 2)).toThrow(ZooError);
  });
});

describe('decodeImage', () => {
  it('decodes RGB, grey 16-bit and RGBA PNGs to RGBA', () => {
    const rgb = encodePng({
      width: 2,
      height: 1,
      data: new Uint8Array([255, 0, 10, 1, 2, 3]),
      channels: 3,
      depth: 8,
    });
    expect(decodeImage(rgb)).toEqual({
      width: 2,
      height: 1,
      channels: 4,
      data: new Uint8Array([255, 0, 10, 255, 1, 2, 3, 255]),
    });
    const grey = encodePng({
      width: 1,
      height: 2,
      data: new Uint16Array([0xffff, 0x8000]),
      channels: 1,
      depth: 16,
    });
    expect(Array.from(decodeImage(grey).data)).toEqual([255, 255, 255, 255, 128, 128, 128, 255]);
    const rgba = encodePng({
      width: 1,
      height: 1,
      data: new Uint8Array([9, 8, 7, 6]),
      channels: 4,
      depth: 8,
    });
    expect(Array.from(decodeImage(rgba).data)).toEqual([9, 8, 7, 6]);
  });

  it('decodes a JPEG', () => {
    const data = new Uint8Array(16 * 16 * 4).map((_, i) => (i % 4 === 0 ? 200 : i % 4 === 3 ? 255 : 40));
    const encoded = jpeg.encode({ width: 16, height: 16, data }, 95).data;
    const img = decodeImage(new Uint8Array(encoded));
    expect([img.width, img.height]).toEqual([16, 16]);
    expect(Math.abs(img.data[0]! - 200)).toBeLessThan(6);
    expect(Math.abs(img.data[1]! - 40)).toBeLessThan(6);
  });

  it('rejects other data', () => {
    expect(() => decodeImage(new Uint8Array([1, 2, 3, 4]))).toThrow(/neither PNG nor JPEG/);
  });
});

describe('preprocess', () => {
  it('resizes the shorter side and crops the centre (CenterResizeCrop)', () => {
    // A 4×8 ramp whose value is the column index; to 2×4 with half-pixel centres each output column samples
    // the input at x = 0.5, 2.5, 4.5, 6.5, and the centre 2×2 crop keeps 2.5 and 4.5.
    const ramp = tf.tidy(() => tf.range(0, 8).reshape([1, 8, 1]).tile([4, 1, 1]) as tf.Tensor3D);
    const out = centerResizeCrop(ramp, 2);
    expect(out.shape).toEqual([2, 2, 1]);
    expect(Array.from(out.dataSync())).toEqual([2.5, 4.5, 2.5, 4.5]);
    expect(centerResizeCrop(tf.zeros([480, 640, 3]) as tf.Tensor3D, 224, 256).shape).toEqual([224, 224, 3]);
  });

  it('normalises for torchvision (RGB/255, mean, std) and keras (BGR minus Caffe means)', () => {
    const pixels = {
      width: 300,
      height: 250,
      data: new Uint8Array(300 * 250 * 3).fill(0),
      channels: 3 as const,
    };
    for (let p = 0; p < 300 * 250; p++)
      [pixels.data[p * 3], pixels.data[p * 3 + 1], pixels.data[p * 3 + 2]] = [255, 0, 51];
    const tv = preprocess(pixels);
    expect(tv.shape).toEqual([1, 224, 224, 3]);
    const [r, g, b] = Array.from(tv.dataSync().slice(0, 3));
    expect(r).toBeCloseTo((1 - 0.485) / 0.229, 5);
    expect(g).toBeCloseTo((0 - 0.456) / 0.224, 5);
    expect(b).toBeCloseTo((0.2 - 0.406) / 0.225, 5);
    const keras = preprocess(pixels, { weights: 'keras' });
    expect(Array.from(keras.dataSync().slice(0, 3)).map((v) => Number(v.toFixed(3)))).toEqual(
      [51 - 103.939, 0 - 116.779, 255 - 123.68].map((v) => Number(v.toFixed(3))),
    );
    tf.dispose([tv, keras]);
  });

  it('takes RGBA ImageData-like pixels and tensors, leaks nothing, and rejects bad sizes', () => {
    const rgba = { width: 2, height: 2, data: new Uint8ClampedArray(16).fill(255) };
    const before = tf.memory().numTensors;
    const x = preprocess(rgba, { size: 2 });
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(x.shape).toEqual([1, 2, 2, 3]);
    x.dispose();
    const t = tf.ones([5, 5, 3]).mul(255) as tf.Tensor3D;
    expect(preprocess(t, { size: 4 }).shape).toEqual([1, 4, 4, 3]);
    expect(() => preprocess(rgba, { size: 4, resize: 2 })).toThrow(ZooError);
    expect(() => preprocess({ width: 2, height: 2, data: new Uint8Array(5) })).toThrow(/hold 5 values/);
  });
});
