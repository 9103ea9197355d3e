// The float64 reference checked on its own, against tabulated values and identities that do not involve TF.js or
// the engine: a wrong reference would otherwise pass or fail the Jacobian checks for the wrong reason.

import { describe, expect, it } from 'vitest';
import { erf } from './float64/activations.js';
import { type Arr, dot } from './float64/array.js';
import { conv2d, conv2dTranspose, type Pad, padsOf } from './float64/conv.js';
import { vjpByDifferences } from './float64/jacobian.js';
import { pool2d, resizeBilinear } from './float64/pool.js';
import { drawNormal } from './float64/random.js';

describe('float64 reference', () => {
  it('erf matches tabulated values to 1e-15', () => {
    // Abramowitz & Stegun, table 7.1 (and erf(−x) = −erf(x))
    const table: [number, number][] = [
      [0, 0],
      [0.1, 0.1124629160182849],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [3, 0.9999779095030014],
      [-1.5, -0.9661051464753108],
    ];
    for (const [x, v] of table) expect(Math.abs(erf(x) - v)).toBeLessThan(1e-15);
  });

  it('TF padding: same puts the smaller half before', () => {
    expect(padsOf(7, 2, 2, 1, 'same')).toEqual({ out: 4, before: 0 });
    expect(padsOf(8, 4, 2, 1, 'same')).toEqual({ out: 4, before: 1 });
    expect(padsOf(7, 3, 1, 2, 'same')).toEqual({ out: 7, before: 2 });
    expect(padsOf(9, 3, 1, 2, 'causal')).toEqual({ out: 9, before: 4 });
    expect(padsOf(7, 3, 2, 1, 'valid')).toEqual({ out: 3, before: 0 });
  });

  it('average pooling with same padding divides by the valid inputs of each window', () => {
    const ones: Arr = { shape: [1, 3, 3, 1], data: new Float64Array(9).fill(1) };
    const y = pool2d(ones, { pool: [2, 2], strides: [2, 2], padding: 'same' }, false);
    expect(Array.from(y.data)).toEqual([1, 1, 1, 1]);
  });

  it('bilinear resize reads src = i·in/out between ⌊src⌋ and min(⌊src⌋ + 1, in − 1)', () => {
    const x: Arr = { shape: [1, 1, 3, 1], data: Float64Array.from([0, 3, 6]) };
    // out 6: src = 0, 0.5, 1, 1.5, 2, 2.5 → the last two clamp to the last input
    expect(Array.from(resizeBilinear(x, 1, 6).data)).toEqual([0, 1.5, 3, 4.5, 6, 6]);
  });

  for (const [padding, strides, k] of [
    ['same', [2, 2], 3],
    ['valid', [2, 2], 3],
    ['same', [2, 1], 4],
    ['valid', [2, 2], 1],
  ] as [Pad, [number, number], number][])
    it(`Conv2DTranspose is the adjoint of conv2d (${padding}, strides ${strides}, k ${k})`, () => {
      // ⟨convᵀ(x), y⟩ = ⟨x, conv(y)⟩ for the [kh, kw, F, C] kernel read as conv2d's [kh, kw, in = F, out = C]
      const x = drawNormal([2, 3, 4, 2], 1);
      const kernel = drawNormal([k, k, 3, 2], 2);
      const up = conv2dTranspose(x, kernel, strides, padding);
      const y = drawNormal(up.shape, 3);
      const down = conv2d(y, kernel, { strides, dilation: [1, 1], padding });
      expect(down.shape).toEqual(x.shape);
      expect(Math.abs(dot(up, y) - dot(x, down))).toBeLessThan(1e-12 * Math.abs(dot(x, down)) + 1e-12);
    });

  it('central differences give the exact Jᵀs of a linear map to 1e-8', () => {
    // valid, stride 2 on 7: the transposed convolution maps 3 back onto exactly 7, so it is conv2d's adjoint
    const x = drawNormal([2, 7, 7, 2], 4);
    const kernel = drawNormal([3, 3, 2, 3], 5);
    const g = { strides: [2, 2], dilation: [1, 1], padding: 'valid' } as const;
    const s = drawNormal(conv2d(x, kernel, g).shape, 6);
    const [fd] = vjpByDifferences(([a]) => conv2d(a!, kernel, g), [x], s);
    const exact = conv2dTranspose(s, kernel, [2, 2], 'valid');
    expect(exact.shape).toEqual(x.shape);
    fd!.data.forEach((v, i) => {
      expect(Math.abs(v - exact.data[i]!)).toBeLessThan(1e-8);
    });
  });
});
