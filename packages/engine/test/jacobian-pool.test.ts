// Float64 explicit-Jacobian checks of the pooling and resizing kinds, and of two places where TF.js's own autodiff
// is wrong and the engine is not.

import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { relError } from './float64/array.js';
import { type Case, checkCase, jacobianSuites, prepare, toTensor } from './float64/harness.js';
import type { Draw } from './float64/random.js';

type PoolArgs = Parameters<typeof tf.layers.maxPooling2d>[0];
type Pool1DArgs = Parameters<typeof tf.layers.maxPooling1d>[0];

// max pooling: every window's maximum is unique and ahead of the runner-up by far more than a difference step
const DISTINCT: Draw = { kind: 'distinct' };

const pool2d = (max: boolean, name: string, args: PoolArgs, size: [number, number]): Case => ({
  name: `${max ? 'MaxPooling2D' : 'AveragePooling2D'} ${name} on ${size[0]}×${size[1]}`,
  layer: () => (max ? tf.layers.maxPooling2d(args) : tf.layers.averagePooling2d(args)),
  inputs: [[...size, 2]],
  ...(max ? { draw: DISTINCT } : {}),
});

const pool1d = (max: boolean, name: string, args: Pool1DArgs, length: number): Case => ({
  name: `${max ? 'MaxPooling1D' : 'AveragePooling1D'} ${name} on ${length}`,
  layer: () => (max ? tf.layers.maxPooling1d(args) : tf.layers.averagePooling1d(args)),
  inputs: [[length, 3]],
  ...(max ? { draw: DISTINCT } : {}),
});

const pools2d = (max: boolean): Case[] => [
  pool2d(max, '2×2 stride 2 valid (tiled)', { poolSize: 2, strides: 2 }, [8, 8]),
  pool2d(
    max,
    '2×2 stride 2 valid (tiled, odd: last row and column unread)',
    { poolSize: 2, strides: 2 },
    [7, 7],
  ),
  pool2d(
    max,
    '2×2 stride 2 same (odd: padded last window)',
    { poolSize: 2, strides: 2, padding: 'same' },
    [7, 7],
  ),
  pool2d(max, '3×3 stride 2 valid (overlapping)', { poolSize: 3, strides: 2 }, [9, 9]),
  pool2d(max, '3×3 stride 2 same (overlapping)', { poolSize: 3, strides: 2, padding: 'same' }, [9, 9]),
  pool2d(max, '3×3 stride 2 same (overlapping, even)', { poolSize: 3, strides: 2, padding: 'same' }, [8, 8]),
  pool2d(max, '3×3 stride 1 same', { poolSize: 3, strides: 1, padding: 'same' }, [7, 7]),
  pool2d(max, '2×3 strides [1, 2] same', { poolSize: [2, 3], strides: [1, 2], padding: 'same' }, [5, 7]),
];

const pools1d = (max: boolean): Case[] => [
  pool1d(max, '2 valid', { poolSize: 2 }, 9),
  pool1d(max, '3 stride 2 valid', { poolSize: 3, strides: 2 }, 9),
  pool1d(max, '3 stride 2 same', { poolSize: 3, strides: 2, padding: 'same' }, 9),
  pool1d(max, '3 stride 1 same', { poolSize: 3, strides: 1, padding: 'same' }, 8),
  pool1d(max, '2 stride 2 same (odd)', { poolSize: 2, strides: 2, padding: 'same' }, 7),
];

const globals: Case[] = [
  { name: 'GlobalAveragePooling1D', layer: () => tf.layers.globalAveragePooling1d(), inputs: [[6, 3]] },
  { name: 'GlobalAveragePooling2D', layer: () => tf.layers.globalAveragePooling2d({}), inputs: [[5, 4, 3]] },
  {
    name: 'GlobalMaxPooling1D',
    layer: () => tf.layers.globalMaxPooling1d(),
    inputs: [[6, 3]],
    draw: DISTINCT,
  },
  {
    name: 'GlobalMaxPooling2D',
    layer: () => tf.layers.globalMaxPooling2d({}),
    inputs: [[5, 4, 3]],
    draw: DISTINCT,
  },
];

const upsample = (interpolation: 'nearest' | 'bilinear', size: [number, number], shape: number[]): Case => ({
  name: `UpSampling2D ${interpolation} ${size[0]}×${size[1]} on ${shape[0]}×${shape[1]}`,
  layer: () => tf.layers.upSampling2d({ size, interpolation }),
  inputs: [shape],
});

const upsamplings: Case[] = [
  upsample('nearest', [2, 2], [4, 5, 2]),
  upsample('nearest', [2, 3], [3, 4, 2]),
  upsample('bilinear', [2, 2], [4, 5, 2]),
  upsample('bilinear', [3, 2], [3, 4, 2]),
  upsample('bilinear', [3, 3], [3, 3, 2]),
];

// TF.js 4.22's AvgPool gradient divides every window by its full size, though `same` border windows were divided
// by their number of valid inputs going forward; its gradient of UpSampling2D (nearest) on the cpu backend mixes
// the samples of a batch.
const avgSame3 = pools2d(false)[6]!;
const avgSame2 = pools2d(false)[2]!;
const nearest = upsamplings[1]!;

/** `tf.grad` of ⟨s, layer(x)⟩ at the case's point, as numbers. */
function autodiff(p: ReturnType<typeof prepare>): Float32Array {
  return tf.tidy(() => {
    const s = toTensor(p.s);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(p.model.apply(v) as tf.Tensor, s)))(toTensor(p.xs[0]!));
    return g.dataSync() as Float32Array;
  });
}

/** The relative error of `got` against the reference Jᵀs where `where(row, col)` holds and where it does not. */
function errorsBy(
  p: ReturnType<typeof prepare>,
  got: Float32Array,
  where: (r: number, c: number) => boolean,
) {
  const [n, h, w, c] = p.xs[0]!.shape as [number, number, number, number];
  const ref = p.vjp[0]!.data;
  const parts = { in: [[], []] as number[][], out: [[], []] as number[][] };
  for (let i = 0; i < n * h * w * c; i++) {
    const r = Math.floor(i / (w * c)) % h;
    const q = Math.floor(i / c) % w;
    const part = where(r, q) ? parts.in : parts.out;
    part[0]!.push(got[i]!);
    part[1]!.push(ref[i]!);
  }
  return {
    inside: relError(parts.in[0]!, parts.in[1]!),
    outside: relError(parts.out[0]!, parts.out[1]!),
  };
}

jacobianSuites(
  'pooling and resizing kinds',
  [...pools2d(true), ...pools2d(false), ...pools1d(true), ...pools1d(false), ...globals, ...upsamplings],
  {
    cpu: () => {
      it('AveragePooling2D 3×3 stride 1 same: engine exact, tf.grad wrong on the border', () => {
        checkCase(avgSame3, 3);
        const p = prepare(avgSame3, 3);
        // the inputs that only full windows read: rows and columns 2..4 of 7
        const { inside, outside } = errorsBy(p, autodiff(p), (r, c) => r >= 2 && r <= 4 && c >= 2 && c <= 4);
        p.model.dispose();
        expect(inside).toBeLessThan(1e-5);
        expect(outside).toBeGreaterThan(0.05);
      });
      it('AveragePooling2D 2×2 stride 2 same on 7×7: engine exact, tf.grad wrong in the padded last row/column', () => {
        checkCase(avgSame2, 3);
        const p = prepare(avgSame2, 3);
        const { inside, outside } = errorsBy(p, autodiff(p), (r, c) => r < 6 && c < 6);
        p.model.dispose();
        expect(inside).toBeLessThan(1e-5);
        expect(outside).toBeGreaterThan(0.05);
      });
      it('UpSampling2D nearest at batch 3: engine exact, tf.grad wrong', () => {
        checkCase(nearest, 3);
        const p = prepare(nearest, 3);
        const err = relError(autodiff(p), p.vjp[0]!.data);
        p.model.dispose();
        expect(err).toBeGreaterThan(0.05);
      });
    },
  },
);
