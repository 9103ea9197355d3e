import * as tf from '@tensorflow/tfjs';
import { Explanation, type HeatmapPreset } from '@xai-ts/base';
import { afterEach, describe, expect, it } from 'vitest';
import {
  getColormap,
  HeatmapOptionError,
  HeatmapShapeError,
  HeatmapValueError,
  heatmap,
  overlay,
  type Reduction,
  reduceChannels,
  tensorToImages,
} from '../src/index.js';
import { px, rgbOf } from './helpers.js';

/** A `[1, 1, W, 1]` tensor: one row of single-channel pixels. */
const row = (values: number[]) => tf.tensor4d(values, [1, 1, values.length, 1]);

function explanation(
  val: tf.Tensor,
  preset: HeatmapPreset,
  input: tf.Tensor = tf.zerosLike(val),
): Explanation {
  return new Explanation({
    val,
    input,
    output: tf.zeros([val.shape[0]!, 10]),
    outputSelection: Array.from({ length: val.shape[0]! }, () => 0),
    analyzer: 'Test',
    heatmap: preset,
  });
}

const created: tf.Tensor[] = [];
function keep<T extends tf.Tensor>(t: T): T {
  created.push(t);
  return t;
}
afterEach(() => {
  for (const t of created.splice(0)) t.dispose();
});

describe('attribution preset (seismic, sum, centered)', () => {
  it('maps 0 to the middle colour and -x, +x to the two ends', () => {
    const [map] = heatmap(keep(row([-2, 0, 2])));
    expect(map!.width).toBe(3);
    expect(map!.height).toBe(1);
    expect(rgbOf(map!)).toEqual([
      [0, 0, 77],
      [255, 255, 255],
      [128, 0, 0],
    ]);
    expect(px(map!, 0, 0)[3]).toBe(255);
  });

  it('scales by the largest |value|, so the smaller side does not reach its end', () => {
    const [map] = heatmap(keep(row([-1, 0, 2])));
    expect(rgbOf(map!)).toEqual([
      [0, 0, 255], // t = 0.25
      [255, 255, 255],
      [128, 0, 0],
    ]);
  });

  it('gives mirrored colours to -x and +x on a symmetric map', () => {
    const [map] = heatmap(keep(row([-3, -1, 0, 1, 3])), { colormap: 'bwr' });
    const rgb = rgbOf(map!);
    expect(rgb[0]).toEqual([0, 0, 255]);
    expect(rgb[4]).toEqual([255, 0, 0]);
    expect(rgb[1]).toEqual([170, 170, 255]); // t = 1/3: 255 * 2/3 = 170
    expect(rgb[3]).toEqual([255, 170, 170]);
    expect(rgb[2]).toEqual([255, 255, 255]);
  });

  it('sums the channels of NHWC pixels, keeping the sign', () => {
    const x = keep(tf.tensor4d([1, 2, -4, 0.5, 0.5, 0, 0, 0, 0], [1, 1, 3, 3]));
    const [map] = heatmap(x, { colormap: 'bwr' }); // sums -1, 1, 0
    expect(rgbOf(map!)).toEqual([
      [0, 0, 255],
      [255, 0, 0],
      [255, 255, 255],
    ]);
  });

  it('reads [N, H, W] tensors and lays pixels out row-major', () => {
    const x = keep(tf.tensor3d([0, 1, -1, 0, 0, 0], [1, 2, 3]));
    const [map] = heatmap(x, { colormap: 'bwr' });
    expect(map!.width).toBe(3);
    expect(map!.height).toBe(2);
    expect(px(map!, 1, 0)).toEqual([255, 0, 0, 255]);
    expect(px(map!, 2, 0)).toEqual([0, 0, 255, 255]);
    expect(px(map!, 1, 1)).toEqual([255, 255, 255, 255]);
  });

  it('a map of zeros is the middle colour everywhere', () => {
    const [map] = heatmap(keep(tf.zeros([1, 2, 2, 3])));
    expect(new Set(rgbOf(map!).map(String))).toEqual(new Set(['255,255,255']));
  });
});

describe('per-sample versus batch scaling', () => {
  const x = () => keep(tf.tensor4d([1, -1, 4, -4], [2, 1, 2, 1]));

  it('scales each sample on its own by default', () => {
    const maps = heatmap(x(), { colormap: 'bwr' });
    expect(maps).toHaveLength(2);
    for (const map of maps)
      expect(rgbOf(map)).toEqual([
        [255, 0, 0],
        [0, 0, 255],
      ]);
  });

  it('uses one scale for the whole batch with processBatch', () => {
    const [small, large] = heatmap(x(), { colormap: 'bwr', processBatch: true });
    // sample 0: t = 0.5 ± 1/8; bwr at 0.625 = (255, 191.25, 191.25)
    expect(rgbOf(small!)).toEqual([
      [255, 191, 191],
      [191, 191, 255],
    ]);
    expect(rgbOf(large!)).toEqual([
      [255, 0, 0],
      [0, 0, 255],
    ]);
  });

  it('extrema scaling per sample and per batch', () => {
    const y = keep(tf.tensor4d([0, 2, 4, 1, 2, 3], [2, 1, 3, 1]));
    const each = heatmap(y, { colormap: 'grays', rangescale: 'extrema' });
    expect(rgbOf(each[1]!).map((c) => c[0])).toEqual([0, 128, 255]);
    const batch = heatmap(y, { colormap: 'grays', rangescale: 'extrema', processBatch: true });
    expect(rgbOf(batch[0]!).map((c) => c[0])).toEqual([0, 128, 255]);
    expect(rgbOf(batch[1]!).map((c) => c[0])).toEqual([64, 128, 191]); // 63.75, 127.5, 191.25
  });
});

describe('reductions (VisionHeatmaps.jl meanings)', () => {
  // pixels [3, -4, 0], [1, 1, 1], [0, 0, 0]
  const pixels = () => keep(tf.tensor4d([3, -4, 0, 1, 1, 1, 0, 0, 0], [1, 1, 3, 3]));

  it.each([
    ['sum', [-1, 3, 0]],
    ['norm', [5, Math.sqrt(3), 0]],
    ['maxabs', [4, 1, 0]],
    ['sumabs', [7, 3, 0]],
    ['abssum', [1, 3, 0]],
  ] as const)('reduceChannels %s', (reduce, expected) => {
    const r = reduceChannels(pixels(), reduce);
    expect(r.shape).toEqual([1, 1, 3]);
    const got = Array.from(r.dataSync());
    r.dispose();
    for (const [i, v] of got.entries()) expect(v).toBeCloseTo(expected[i]!, 5);
  });

  it.each([
    ['sum', [0, 255, 64]], // (-1, 3, 0): t = 0, 1, 0.25
    ['norm', [255, 88, 0]], // 255 * sqrt(3) / 5 = 88.33
    ['maxabs', [255, 64, 0]],
    ['sumabs', [255, 109, 0]], // 255 * 3 / 7 = 109.29
    ['abssum', [85, 255, 0]],
  ] as const)('heatmap with reduce %s and grays/extrema', (reduce: Reduction, greys) => {
    const [map] = heatmap(pixels(), { reduce, colormap: 'grays', rangescale: 'extrema' });
    expect(rgbOf(map!).map((c) => c[0])).toEqual(greys);
  });

  it('a single channel keeps its sign for sum and takes |x| for the others', () => {
    const x = keep(row([-2, 1, 0]));
    expect(rgbOf(heatmap(x, { reduce: 'norm', colormap: 'grays', rangescale: 'extrema' })[0]!)).toEqual([
      [255, 255, 255],
      [128, 128, 128],
      [0, 0, 0],
    ]);
  });
});

describe('percentile clipping', () => {
  const ramp = () => keep(row([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));

  it('clips to the percentile of |values| before scaling', () => {
    // |v| sorted 0..10; the 90th percentile is at position 9 -> q = 9; 9 and 10 both reach the end
    const [map] = heatmap(ramp(), { colormap: 'bwr', percentile: 90 });
    const rgb = rgbOf(map!);
    expect(rgb[10]).toEqual([255, 0, 0]);
    expect(rgb[9]).toEqual([255, 0, 0]);
    expect(rgb[0]).toEqual([255, 255, 255]);
    // value 3: t = 0.5 + 3 / 18, a third of the way from white to red
    expect(rgb[3]).toEqual([255, 170, 170]);
  });

  it('interpolates between order statistics', () => {
    // 95th percentile of 0..10 is 9.5: value 9.5 would be the end, 10 is clipped, 9 is at t = 0.5 + 9/19
    const [map] = heatmap(ramp(), { colormap: 'grays', percentile: 95 });
    const grey = rgbOf(map!).map((c) => c[0]);
    expect(grey[10]).toBe(255);
    expect(grey[9]).toBe(Math.round(255 * (0.5 + 9 / 19)));
  });

  it('100 changes nothing', () => {
    const a = heatmap(ramp(), { percentile: 100 });
    const b = heatmap(ramp());
    expect(a[0]!.data).toEqual(b[0]!.data);
  });
});

describe('presets from the explanation', () => {
  it('sensitivity: inferno, norm, extrema', () => {
    const val = tf.tensor4d([3, 4, 0, 0, 0.6, 0.8], [1, 1, 3, 2]);
    const expl = explanation(val, 'sensitivity');
    const [map] = heatmap(expl);
    const inferno = getColormap('inferno');
    expect(rgbOf(map!)).toEqual([inferno.at(1), inferno.at(0), inferno.at(0.2)]);
    expl.dispose();
  });

  it('options override the preset, and preset can be chosen for a tensor', () => {
    const val = keep(row([1, 2]));
    const [asSensitivity] = heatmap(val, { preset: 'sensitivity' });
    expect(rgbOf(asSensitivity!)).toEqual([getColormap('inferno').at(0), getColormap('inferno').at(1)]);
    const [overridden] = heatmap(val, { preset: 'sensitivity', colormap: 'grays' });
    expect(rgbOf(overridden!)).toEqual([
      [0, 0, 0],
      [255, 255, 255],
    ]);
  });

  it('cam: jet, resized to the input (bilinear, pixel centres), extrema', () => {
    const val = tf.tensor4d([0, 1, 0, 1], [1, 2, 2, 1]);
    const input = keep(tf.randomUniform([1, 4, 4, 1])); // one channel: no overlay
    const expl = explanation(val, 'cam', input);
    const [map] = heatmap(expl);
    expect([map!.width, map!.height]).toEqual([4, 4]);
    const jet = getColormap('jet');
    // columns sample the 2-pixel map at x = -0.25 (clamped), 0.25, 0.75, 1.25 (clamped): 0, 0.25, 0.75, 1
    for (let y = 0; y < 4; y++)
      expect([0, 1, 2, 3].map((x) => px(map!, x, y).slice(0, 3))).toEqual([
        jet.at(0),
        jet.at(0.25),
        jet.at(0.75),
        jet.at(1),
      ]);
    expl.dispose();
  });

  it('cam: overlays onto a 3-channel input with alpha 0.6', () => {
    const val = tf.tensor4d([0, 1, 2, 3], [1, 2, 2, 1]);
    const input = keep(tf.randomUniform([1, 4, 4, 3], -2, 2, 'float32', 7));
    const expl = explanation(val, 'cam', input);
    const [blended] = heatmap(expl);
    const [plain] = heatmap(expl, { overlay: false });
    const [image] = tensorToImages(input);
    expect(blended!.data).toEqual(overlay(plain!, image!, { alpha: 0.6 }).data);
    const o = 4 * 5;
    expect(blended!.data[o]).toBe(Math.round(image!.data[o]! * 0.4 + plain!.data[o]! * 0.6));
    const [half] = heatmap(expl, { alpha: 0.5 });
    expect(half!.data[o]).toBe(Math.round(image!.data[o]! * 0.5 + plain!.data[o]! * 0.5));
    expl.dispose();
  });

  it('overlays a raw tensor onto given images', () => {
    const val = keep(row([-1, 1]));
    const image = { width: 2, height: 1, data: new Uint8ClampedArray([100, 100, 100, 255, 0, 0, 0, 255]) };
    const [map] = heatmap(val, { colormap: 'bwr', overlay: true, image: [image], alpha: 0.5 });
    expect(rgbOf(map!)).toEqual([
      [50, 50, 178], // 100 * 0.5 + (0, 0, 255) * 0.5 = (50, 50, 177.5)
      [128, 0, 0],
    ]);
  });
});

describe('errors', () => {
  it('bad ranks and empty axes', () => {
    expect(() => heatmap(keep(tf.zeros([4, 4])))).toThrow(HeatmapShapeError);
    expect(() => heatmap(keep(tf.zeros([4, 4])))).toThrow(/rank 2.*expandDims\(0\)/);
    expect(() => heatmap(keep(tf.zeros([1, 2, 2, 3, 1])))).toThrow(/shape \[1,2,2,3,1\] \(rank 5\)/);
    expect(() => heatmap(keep(tf.zeros([1, 0, 2, 3])))).toThrow(/an axis is empty/);
    expect(() => heatmap([1, 2] as unknown as tf.Tensor)).toThrow(/Explanation or a tf.Tensor/);
  });

  it('unknown names list the valid ones', () => {
    const x = keep(row([1]));
    expect(() => heatmap(x, { reduce: 'mean' as Reduction })).toThrow(
      /unknown reduce 'mean'; use one of sum, norm, maxabs, sumabs, abssum/,
    );
    expect(() => heatmap(x, { rangescale: 'minmax' as 'extrema' })).toThrow(
      /unknown rangescale 'minmax'; use one of centered, extrema/,
    );
    expect(() => heatmap(x, { colormap: 'nope' })).toThrow(HeatmapOptionError);
    expect(() => heatmap(x, { preset: 'saliency' as HeatmapPreset })).toThrow(
      /attribution, sensitivity, cam/,
    );
  });

  it('bad percentiles, alphas and sizes', () => {
    const x = keep(row([1]));
    for (const percentile of [0, -1, 100.5, Number.NaN])
      expect(() => heatmap(x, { percentile })).toThrow(/percentile must be a number in \(0, 100\]/);
    expect(() => heatmap(x, { alpha: 2 })).toThrow(/alpha must be a number in \[0, 1\]/);
    expect(() => heatmap(x, { size: { width: 0, height: 2 } })).toThrow(/size must be/);
  });

  it('NaN and Infinity name the sample and pixel', () => {
    const x = keep(tf.tensor4d([0, 0, 0, Number.NaN], [2, 1, 2, 1]));
    expect(() => heatmap(x)).toThrow(HeatmapValueError);
    expect(() => heatmap(x)).toThrow(/sample 1 of 2 holds NaN at \(y 0, x 1\)/);
  });

  it('overlay without an image, and image counts that do not fit', () => {
    const x = keep(row([1, 2]));
    expect(() => heatmap(x, { overlay: true })).toThrow(/overlay needs an image/);
    expect(() => heatmap(x, { overlay: true, image: [] })).toThrow(/0 images for 1 heatmaps/);
  });

  it('a disposed explanation', () => {
    const expl = explanation(tf.zeros([1, 2, 2, 3]), 'attribution');
    expl.dispose();
    expect(() => heatmap(expl)).toThrow(/disposed/);
  });
});

describe('memory', () => {
  it('leaves no tensor behind, whatever the path', () => {
    const val = tf.randomNormal([2, 3, 3, 3]);
    const input = tf.randomNormal([2, 6, 6, 3]);
    const expl = explanation(val, 'cam', input);
    const before = tf.memory().numTensors;
    heatmap(expl);
    heatmap(expl, { preset: 'attribution', percentile: 99, processBatch: true });
    heatmap(expl, { preset: 'sensitivity', size: { width: 5, height: 4 } });
    heatmap(val, { reduce: 'norm' });
    expect(() => heatmap(val, { reduce: 'bad' as Reduction })).toThrow();
    expect(tf.memory().numTensors).toBe(before);
    expl.dispose();
    input.dispose();
  });
});
