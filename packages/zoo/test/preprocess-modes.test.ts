import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  APPLICATION_PREPROCESSING,
  applicationOf,
  efficientNetB0,
  KERAS_APPLICATIONS,
  mobileNetV2,
  NORMALIZATION,
  PREPROCESS_MODES,
  preprocess,
  preprocessInput,
  resNet50,
  ZooError,
} from '../src/index.js';

// One pixel per row: R, G, B in [0, 255].
const rgb = [
  [0, 0, 0],
  [255, 255, 255],
  [10, 20, 30],
  [127.5, 51, 204],
];
const values = (mode: Parameters<typeof preprocessInput>[1]) =>
  tf.tidy(() => Array.from(preprocessInput(tf.tensor2d(rgb), mode).dataSync()));
const close = (actual: number[], expected: number[]) => {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, i) => {
    expect(Math.abs(v - expected[i]!), `value ${i}: ${v} vs ${expected[i]}`).toBeLessThan(
      2e-6 * Math.max(1, Math.abs(expected[i]!)),
    );
  });
};

describe("Keras's imagenet_utils.preprocess_input modes", () => {
  it('caffe: RGB → BGR, minus the BGR means 103.939, 116.779, 123.68, no scaling', () => {
    const m = [103.939, 116.779, 123.68];
    close(
      values('caffe'),
      rgb.flatMap(([r, g, b]) => [b! - m[0]!, g! - m[1]!, r! - m[2]!]),
    );
    // Exact values of one pixel: (R, G, B) = (10, 20, 30) → (30 − 103.939, 20 − 116.779, 10 − 123.68).
    close(values('caffe').slice(6, 9), [-73.939, -96.779, -113.68]);
  });

  it('tf: x / 127.5 − 1, to [-1, 1]', () => {
    close(values('tf').slice(0, 6), [-1, -1, -1, 1, 1, 1]);
    close(values('tf').slice(9, 12), [0, 51 / 127.5 - 1, 204 / 127.5 - 1]);
  });

  it('torch: x / 255, minus mean (0.485, 0.456, 0.406), over std (0.229, 0.224, 0.225)', () => {
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    close(
      values('torch'),
      rgb.flatMap((px) => px.map((v, c) => (v / 255 - mean[c]!) / std[c]!)),
    );
    close(values('torch').slice(0, 3), [-0.485 / 0.229, -0.456 / 0.224, -0.406 / 0.225]);
  });

  it('none leaves the values; any leading shape works; bad input is a ZooError', () => {
    close(values('none'), rgb.flat());
    const t = tf.ones([2, 3, 4, 3]).mul(255);
    const out = preprocessInput(t, 'tf');
    expect(out.shape).toEqual([2, 3, 4, 3]);
    expect(Array.from(new Set(out.dataSync()))).toEqual([1]);
    tf.dispose([t, out]);
    expect(() => preprocessInput(tf.zeros([2, 4]), 'tf')).toThrow(/RGB along the last axis/);
    expect(() => preprocessInput(tf.zeros([2, 3]), 'bgr' as 'tf')).toThrow(ZooError);
  });

  it("VGG's sources are modes: torchvision is torch, keras is caffe", () => {
    expect(NORMALIZATION.torchvision).toEqual(PREPROCESS_MODES.torch);
    expect(NORMALIZATION.keras).toEqual(PREPROCESS_MODES.caffe);
  });
});

describe('which mode each application uses', () => {
  it("is the mode of each Keras module's preprocess_input, with Keras's input sizes", () => {
    expect(APPLICATION_PREPROCESSING).toEqual({
      ResNet50: 'caffe',
      ResNet50V2: 'tf',
      MobileNetV2: 'tf',
      InceptionV3: 'tf',
      DenseNet121: 'torch',
      EfficientNetB0: 'none',
    });
    expect(Object.fromEntries(Object.entries(KERAS_APPLICATIONS).map(([k, v]) => [k, v.inputSize]))).toEqual({
      ResNet50: 224,
      ResNet50V2: 224,
      MobileNetV2: 224,
      InceptionV3: 299,
      DenseNet121: 224,
      EfficientNetB0: 224,
    });
  });

  it('preprocess picks the mode from an application model or from the mode option', () => {
    const pixels = {
      width: 2,
      height: 2,
      channels: 3 as const,
      data: new Uint8Array([10, 20, 30, 10, 20, 30, 10, 20, 30, 10, 20, 30]),
    };
    const resnet = resNet50({ inputShape: [32, 32, 3], includeTop: false });
    const mobile = mobileNetV2({ alpha: 0.35, inputShape: [32, 32, 3], includeTop: false });
    const effnet = efficientNetB0({ inputShape: [32, 32, 3], includeTop: false });
    expect([resnet, mobile, effnet].map(applicationOf)).toEqual([
      'ResNet50',
      'MobileNetV2',
      'EfficientNetB0',
    ]);
    const first = (x: tf.Tensor) => {
      const v = Array.from(x.dataSync().slice(0, 3));
      x.dispose();
      return v;
    };
    close(first(preprocess(pixels, { size: 2, weights: resnet })), [30 - 103.939, 20 - 116.779, 10 - 123.68]);
    close(first(preprocess(pixels, { size: 2, weights: mobile })), [
      10 / 127.5 - 1,
      20 / 127.5 - 1,
      30 / 127.5 - 1,
    ]);
    close(first(preprocess(pixels, { size: 2, weights: effnet })), [10, 20, 30]);
    close(first(preprocess(pixels, { size: 2, mode: 'tf', weights: resnet })), [
      10 / 127.5 - 1,
      20 / 127.5 - 1,
      30 / 127.5 - 1,
    ]);
    for (const m of [resnet, mobile, effnet]) m.dispose();
  });
});
