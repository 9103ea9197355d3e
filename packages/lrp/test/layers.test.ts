import * as tf from '@tensorflow/tfjs';
import { analyze } from '@xai-ts/base';
import { flattenModel } from '@xai-ts/canonize';
import { describe, expect, it } from 'vitest';
import {
  AlphaBetaRule,
  EpsilonRule,
  FlatRule,
  GammaRule,
  GeneralizedGammaRule,
  LayerNormRule,
  LRP,
  type Rule,
  WSquareRule,
  ZBoxRule,
  ZeroRule,
  ZPlusRule,
} from '../src/index.js';
import { apply, convMatrix, denseMatrix, generic, linearRule, type Matrix } from './float64.js';

const RULES: [string, () => Rule][] = [
  ['zero', () => new ZeroRule()],
  ['epsilon', () => new EpsilonRule({ epsilon: 0.1 })],
  ['gamma', () => new GammaRule({ gamma: 0.25 })],
  ['wsquare', () => new WSquareRule()],
  ['flat', () => new FlatRule()],
  ['zplus', () => new ZPlusRule()],
  ['alphabeta', () => new AlphaBetaRule()],
  ['zbox', () => new ZBoxRule({ low: -1, high: 2 })],
  ['generalizedgamma', () => new GeneralizedGammaRule()],
];

/** Relevance at the input of a one-layer model when `seed` arrives at its output. */
function lrpOf(model: tf.LayersModel, rule: Rule, x: tf.Tensor, seed: tf.Tensor): number[] {
  const lrp = new LRP(model, rule, { skipChecks: true });
  const r = tf.tidy(() => lrp.backward(lrp.forward(x), new Map([[lrp.layers.length - 1, seed]])).inputs[0]!);
  const out = Array.from(r.dataSync());
  r.dispose();
  lrp.dispose();
  return out;
}

function expectMatch(ours: number[], ref: number[], what: string): void {
  const scale = Math.max(...ref.map(Math.abs), 1e-12);
  const worst = Math.max(...ours.map((v, i) => Math.abs(v - ref[i]!)));
  expect(ours.length, what).toBe(ref.length);
  expect(worst / scale, what).toBeLessThanOrEqual(2e-4);
}

function single(layer: tf.layers.Layer, inputShape: number[]): tf.LayersModel {
  return tf.sequential({ layers: [tf.layers.inputLayer({ inputShape }), layer] });
}

type Geometry = { k: number[]; strides: number[]; dilation: number[]; padding: 'same' | 'valid' | 'causal' };

interface ConvCase {
  name: string;
  build: () => tf.layers.Layer;
  input: number[];
  geometry: Geometry;
  depthwise?: number;
}

const convCases: ConvCase[] = [
  {
    name: 'Conv2D 3×3 same',
    build: () => tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }),
    input: [5, 6, 3],
    geometry: { k: [3, 3], strides: [1, 1], dilation: [1, 1], padding: 'same' },
  },
  {
    name: 'Conv2D 4×4 same (uneven padding)',
    build: () => tf.layers.conv2d({ filters: 2, kernelSize: 4, padding: 'same' }),
    input: [5, 6, 2],
    geometry: { k: [4, 4], strides: [1, 1], dilation: [1, 1], padding: 'same' },
  },
  {
    name: 'Conv2D 3×3 valid dilation 2',
    build: () => tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'valid', dilationRate: 2 }),
    input: [7, 6, 2],
    geometry: { k: [3, 3], strides: [1, 1], dilation: [2, 2], padding: 'valid' },
  },
  {
    name: 'Conv2D 3×3 same stride 2',
    build: () => tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', strides: 2 }),
    input: [6, 7, 2],
    geometry: { k: [3, 3], strides: [2, 2], dilation: [1, 1], padding: 'same' },
  },
  {
    name: 'Conv2D 2×3 valid stride (2, 1)',
    build: () => tf.layers.conv2d({ filters: 2, kernelSize: [2, 3], padding: 'valid', strides: [2, 1] }),
    input: [6, 5, 2],
    geometry: { k: [2, 3], strides: [2, 1], dilation: [1, 1], padding: 'valid' },
  },
  {
    name: 'Conv1D 3 same',
    build: () => tf.layers.conv1d({ filters: 3, kernelSize: 3, padding: 'same' }),
    input: [7, 2],
    geometry: { k: [1, 3], strides: [1, 1], dilation: [1, 1], padding: 'same' },
  },
  {
    name: 'Conv1D 3 valid dilation 2',
    build: () => tf.layers.conv1d({ filters: 2, kernelSize: 3, padding: 'valid', dilationRate: 2 }),
    input: [8, 2],
    geometry: { k: [1, 3], strides: [1, 1], dilation: [1, 2], padding: 'valid' },
  },
  {
    name: 'Conv1D 2 valid stride 2',
    build: () => tf.layers.conv1d({ filters: 2, kernelSize: 2, padding: 'valid', strides: 2 }),
    input: [8, 3],
    geometry: { k: [1, 2], strides: [1, 2], dilation: [1, 1], padding: 'valid' },
  },
  {
    name: 'DepthwiseConv2D 3×3 same ×2',
    build: () => tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthMultiplier: 2 }),
    input: [5, 5, 3],
    geometry: { k: [3, 3], strides: [1, 1], dilation: [1, 1], padding: 'same' },
    depthwise: 2,
  },
  {
    name: 'DepthwiseConv2D 2×2 valid stride 2',
    build: () => tf.layers.depthwiseConv2d({ kernelSize: 2, padding: 'valid', strides: 2 }),
    input: [6, 6, 2],
    geometry: { k: [2, 2], strides: [2, 2], dilation: [1, 1], padding: 'valid' },
    depthwise: 1,
  },
];

function randomize(model: tf.LayersModel, seed: number): void {
  const layer = model.layers[model.layers.length - 1]!;
  layer.setWeights(layer.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.5, 'float32', seed + i)));
}

describe('linear layers against a float64 matrix formulation', () => {
  for (const cc of convCases) {
    it(`${cc.name}: every rule`, () => {
      const model = single(cc.build(), cc.input);
      randomize(model, 7);
      const layer = model.layers[model.layers.length - 1]!;
      const [kernel, bias] = layer.getWeights().map((w) => w.arraySync()) as [unknown, number[] | undefined];
      const is1d = cc.input.length === 2;
      const [H, W, C] = is1d ? [1, cc.input[0]!, cc.input[1]!] : (cc.input as [number, number, number]);
      const outShape = (layer.outputShape as number[]).slice(1);
      const outChannels = outShape[outShape.length - 1]!;
      const k = (u: number, v: number, c: number, o: number) =>
        is1d ? (kernel as number[][][])[v]![c]![o]! : (kernel as number[][][][])[u]![v]![c]![o]!;
      const g = cc.geometry;
      const axes = [
        {
          size: H,
          k: g.k[0]!,
          stride: g.strides[0]!,
          dilation: g.dilation[0]!,
          padding: is1d ? ('valid' as const) : g.padding,
        },
        { size: W, k: g.k[1]!, stride: g.strides[1]!, dilation: g.dilation[1]!, padding: g.padding },
      ] as const;
      const dw = cc.depthwise ? { multiplier: cc.depthwise } : undefined;
      const m = convMatrix(axes[0], axes[1], C, outChannels, k, dw);
      const ones = convMatrix(axes[0], axes[1], C, outChannels, () => 1, dw);
      const x = tf.randomNormal([1, ...cc.input], 0, 1, 'float32', 3);
      const seed = tf.randomNormal([1, ...outShape], 0, 1, 'float32', 5);
      const a = Array.from(x.dataSync());
      const r = Array.from(seed.dataSync());
      expect(apply(m, a, bias).length).toBe(r.length);
      // the matrix reproduces the layer itself
      const y = Array.from((model.predict(x) as tf.Tensor).dataSync());
      expectMatch(y, apply(m, a, bias), `${cc.name} forward`);
      for (const [name, make] of RULES)
        expectMatch(
          lrpOf(model, make(), x, seed),
          linearRule(name, m, ones, bias, a, r),
          `${cc.name} ${name}`,
        );
      tf.dispose([x, seed]);
    });
  }

  it('Dense on a rank-3 input (applied to the last axis): every rule', () => {
    const model = single(tf.layers.dense({ units: 3 }), [2, 4]);
    randomize(model, 11);
    const [kernel, bias] = model.layers[model.layers.length - 1]!.getWeights().map((w) => w.arraySync()) as [
      number[][],
      number[],
    ];
    const blockM: Matrix = [];
    const blockOnes: Matrix = [];
    const d = denseMatrix(kernel);
    for (let t = 0; t < 2; t++)
      for (const [row, onesRow] of d.map((r) => [r, r.map(() => 1)] as const)) {
        blockM.push([...(t === 0 ? row : row.map(() => 0)), ...(t === 1 ? row : row.map(() => 0))]);
        blockOnes.push([
          ...(t === 0 ? onesRow : onesRow.map(() => 0)),
          ...(t === 1 ? onesRow : onesRow.map(() => 0)),
        ]);
      }
    const x = tf.randomNormal([1, 2, 4], 0, 1, 'float32', 1);
    const seed = tf.randomNormal([1, 2, 3], 0, 1, 'float32', 2);
    for (const [name, make] of RULES)
      expectMatch(
        lrpOf(model, make(), x, seed),
        linearRule(
          name,
          blockM,
          blockOnes,
          [...bias, ...bias],
          Array.from(x.dataSync()),
          Array.from(seed.dataSync()),
        ),
        `dense ${name}`,
      );
  });
});

describe('parameter-free and routing layers against explicit Jacobians', () => {
  const x = tf.randomNormal([1, 3, 4, 2], 0, 1, 'float32', 21);
  const a = Array.from(x.dataSync());
  const idx = (h: number, w: number, c: number) => (h * 4 + w) * 2 + c;

  it('GlobalAveragePooling2D: ZeroRule and EpsilonRule', () => {
    const m: Matrix = [0, 1].map((c) => a.map((_, j) => (j % 2 === c ? 1 / 12 : 0)));
    const model = single(tf.layers.globalAveragePooling2d({}), [3, 4, 2]);
    const seed = tf.tensor2d([[0.3, -0.7]]);
    expectMatch(
      lrpOf(model, new ZeroRule(), x, seed),
      generic(m, undefined, a, [0.3, -0.7], 1e-9),
      'gap zero',
    );
    expectMatch(
      lrpOf(model, new EpsilonRule({ epsilon: 0.5 }), x, seed),
      generic(m, undefined, a, [0.3, -0.7], 0.5),
      'gap eps',
    );
  });

  it('GlobalMaxPooling2D: relevance goes to each channel’s maximum', () => {
    const m: Matrix = [0, 1].map((c) => {
      let best = -1;
      a.forEach((v, j) => {
        if (j % 2 === c && (best < 0 || v > a[best]!)) best = j;
      });
      return a.map((_, j) => (j === best ? 1 : 0));
    });
    const model = single(tf.layers.globalMaxPooling2d({}), [3, 4, 2]);
    expectMatch(
      lrpOf(model, new ZeroRule(), x, tf.tensor2d([[1, 2]])),
      generic(m, undefined, a, [1, 2], 1e-9),
      'gmp',
    );
  });

  it('ZeroPadding2D: relevance on the padding is dropped, the rest routed back', () => {
    const model = single(
      tf.layers.zeroPadding2d({
        padding: [
          [1, 0],
          [2, 1],
        ],
      }),
      [3, 4, 2],
    );
    const seed = tf.randomNormal([1, 4, 7, 2], 0, 1, 'float32', 4);
    const r = seed.arraySync() as number[][][][];
    const expected = a.map((_, j) => {
      const c = j % 2;
      const w = Math.floor(j / 2) % 4;
      const h = Math.floor(j / 8);
      return r[0]![h + 1]![w + 2]![c]!;
    });
    expect(idx(2, 3, 1)).toBe(a.length - 1);
    for (const rule of [new ZeroRule(), new EpsilonRule(), new GammaRule()])
      expectMatch(lrpOf(model, rule, x, seed), expected, `zero padding ${rule}`);
  });

  it('MaxPooling1D and AveragePooling1D: ZeroRule through the Jacobian', () => {
    const x1 = tf.tensor3d([
      [
        [1, -2],
        [3, 0.5],
        [-1, 4],
        [2, 2],
      ],
    ]);
    const a1 = Array.from(x1.dataSync());
    const avg: Matrix = [0, 1].flatMap((p) =>
      [0, 1].map((c) => a1.map((_, j) => (Math.floor(j / 2) >> 1 === p && j % 2 === c ? 0.5 : 0))),
    );
    const max: Matrix = [
      [0, 0, 1, 0, 0, 0, 0, 0],
      [0, 0, 0, 1, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0, 1, 0],
      [0, 0, 0, 0, 0, 1, 0, 0],
    ];
    const seed = tf.tensor3d([
      [
        [1, 2],
        [3, 4],
      ],
    ]);
    const r = [1, 2, 3, 4];
    expectMatch(
      lrpOf(single(tf.layers.averagePooling1d({ poolSize: 2 }), [4, 2]), new ZeroRule(), x1, seed),
      generic(avg, undefined, a1, r, 1e-9),
      'avg1d',
    );
    expectMatch(
      lrpOf(single(tf.layers.maxPooling1d({ poolSize: 2 }), [4, 2]), new ZeroRule(), x1, seed),
      generic(max, undefined, a1, r, 1e-9),
      'max1d',
    );
  });

  it('LayerNormalization with LayerNormRule', () => {
    const model = single(tf.layers.layerNormalization({ epsilon: 1e-3 }), [5]);
    model.layers[model.layers.length - 1]!.setWeights([
      tf.tensor1d([1.5, -0.5, 2, 1, 0.7]),
      tf.tensor1d([0.1, 0, -0.2, 0.3, 0]),
    ]);
    const xs = [0.5, -1.2, 2.0, 0.3, -0.4];
    const rs = [0.2, -0.1, 0.5, 0.05, 0.3];
    const mean = xs.reduce((s, v) => s + v, 0) / 5;
    const z = xs.map((v) => v - mean);
    const variance = z.reduce((s, v) => s + v * v, 0) / 5;
    const gamma = [1.5, -0.5, 2, 1, 0.7];
    const beta = [0.1, 0, -0.2, 0.3, 0];
    const an = z.map((v) => v / Math.sqrt(variance + 1e-3));
    const stab = (v: number) => (v >= 0 ? v + 1e-9 : v - 1e-9);
    const mid = an.map((v, i) => (v * gamma[i]! * rs[i]!) / stab(gamma[i]! * v + beta[i]!));
    const s = mid.map((v, i) => v / stab(z[i]!));
    const sMean = s.reduce((p, v) => p + v, 0) / 5;
    const expected = xs.map((v, i) => v * (s[i]! - sMean));
    expectMatch(
      lrpOf(model, new LayerNormRule(), tf.tensor2d([xs]), tf.tensor2d([rs])),
      expected,
      'layernorm',
    );
    // without scale and offset, relevance only passes the centring: sums are kept
    const plain = single(tf.layers.layerNormalization({ center: false, scale: false }), [5]);
    const got = lrpOf(plain, new LayerNormRule(), tf.tensor2d([xs]), tf.tensor2d([rs]));
    expect(got.reduce((p, v) => p + v, 0)).toBeCloseTo(
      rs.reduce((p, v) => p + v, 0),
      5,
    );
  });
});

describe('graphs', () => {
  it('Concatenate splits relevance back to each input; fan-out sums it', () => {
    const input = tf.input({ shape: [4] });
    const A = tf.layers.dense({ units: 3, name: 'cat_a' });
    const B = tf.layers.dense({ units: 2, name: 'cat_b' });
    const C = tf.layers.dense({ units: 2, name: 'cat_c' });
    const cat = tf.layers
      .concatenate({ name: 'cat' })
      .apply([A.apply(input), B.apply(input)] as tf.SymbolicTensor[]);
    const model = tf.model({ inputs: input, outputs: C.apply(cat) as tf.SymbolicTensor });
    for (const [i, l] of [A, B, C].entries())
      l.setWeights(l.getWeights().map((w, k) => tf.randomNormal(w.shape, 0, 0.7, 'float32', 10 * i + k)));
    const w = (l: tf.layers.Layer) => l.getWeights().map((t) => t.arraySync()) as [number[][], number[]];
    const [ka, ba] = w(A);
    const [kb, bb] = w(B);
    const [kc, bc] = w(C);
    const xs = [0.4, -1, 1.5, 0.2];
    const ya = apply(denseMatrix(ka), xs, ba);
    const yb = apply(denseMatrix(kb), xs, bb);
    const rc = generic(denseMatrix(kc), bc, [...ya, ...yb], [0, 1], 1e-6);
    const ra = generic(denseMatrix(ka), ba, xs, rc.slice(0, 3), 1e-6);
    const rb = generic(denseMatrix(kb), bb, xs, rc.slice(3), 1e-6);
    const lrp = new LRP(model, new EpsilonRule());
    const expl = analyze(tf.tensor2d([xs]), lrp, 1);
    expectMatch(
      Array.from(expl.val.dataSync()),
      ra.map((v, j) => v + rb[j]!),
      'concat',
    );
    expl.dispose();
    lrp.dispose();
  });

  it('a model nested in a model explains like its flattened equivalent', () => {
    const inner = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [4], units: 5, activation: 'relu' }),
        tf.layers.dense({ units: 3 }),
      ],
    });
    const input = tf.input({ shape: [4] });
    const h = inner.apply(input) as tf.SymbolicTensor;
    const out = tf.layers
      .dense({ units: 2 })
      .apply(tf.layers.activation({ activation: 'relu' }).apply(h) as tf.SymbolicTensor);
    const nested = tf.model({ inputs: input, outputs: out as tf.SymbolicTensor });
    const flat = flattenModel(nested);
    const x = tf.randomNormal([3, 4], 0, 1, 'float32', 8);
    for (const rule of [new ZeroRule(), new EpsilonRule({ epsilon: 0.01 })]) {
      const a = new LRP(nested, rule);
      const b = new LRP(flat, rule);
      expect(a.layers.map((l) => l.className)).toEqual(['Dense', 'Dense', 'Activation', 'Dense']);
      const ea = analyze(x, a, 0);
      const eb = analyze(x, b, 0);
      expectMatch(Array.from(ea.val.dataSync()), Array.from(eb.val.dataSync()), `nested ${rule}`);
      // and against float64: dense → dense → relu (ZeroRule through the Jacobian) → dense
      const ws = nested.layers
        .flatMap((l) => (l instanceof tf.LayersModel ? l.layers : [l]))
        .filter((l) => l.getClassName() === 'Dense')
        .map((l) => l.getWeights().map((t) => t.arraySync()) as [number[][], number[]]);
      const e = rule instanceof EpsilonRule ? 0.01 : 1e-9;
      const sample = Array.from(x.slice([0], [1]).dataSync());
      const m = ws.map(([k]) => denseMatrix(k));
      const h1 = apply(m[0]!, sample, ws[0]![1]).map((v) => Math.max(v, 0));
      const h2 = apply(m[1]!, h1, ws[1]![1]);
      const h3 = h2.map((v) => Math.max(v, 0));
      const r3 = generic(m[2]!, ws[2]![1], h3, [1, 0], e);
      const relu: Matrix = h2.map((v, i) => h2.map((_, j) => (i === j && v > 0 ? 1 : 0)));
      const r2 = generic(relu, undefined, h2, r3, e);
      const r1 = generic(m[1]!, ws[1]![1], h1, r2, e);
      const r0 = generic(m[0]!, ws[0]![1], sample, r1, e);
      expectMatch(Array.from(ea.val.slice([0], [1]).dataSync()), r0, `nested float64 ${rule}`);
      tf.dispose([ea.val, eb.val, ea.output, eb.output]);
      a.dispose();
      b.dispose();
    }
  });
});
