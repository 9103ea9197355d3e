// The explicit-Jacobian check of one layer configuration, and the cpu + wasm suites that run it at batch 1 and 3.

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/index.js';
import { type Arr, relError, sample, sizeOf, worst } from './array.js';
import { vjpByDifferences } from './jacobian.js';
import { referenceOf } from './layers.js';
import { type Draw, drawInputs, drawNormal, seedOf, uniform } from './random.js';

/** One layer configuration. */
export interface Case {
  readonly name: string;
  /** A fresh layer (a layer joins one model only). */
  readonly layer: () => tf.layers.Layer;
  /** The shape of each input, batch axis excluded; several make a `tf.model` over `tf.input`s. */
  readonly inputs: readonly (readonly number[])[];
  /** How inputs are drawn (default: smooth normal). */
  readonly draw?: Draw;
  /** Relative tolerance of the VJP against float64 Jᵀs (default 1e-4). */
  readonly vjpTolerance?: number;
  /**
   * The error `model.predict` throws where TF.js cannot run the layer at all (the engine then answers to the
   * float64 reference alone, and the check asserts that TF.js still throws).
   */
  readonly predictThrows?: RegExp;
}

export const FORWARD_TOLERANCE = 1e-5;
export const VJP_TOLERANCE = 1e-4;

export function toTensor(a: Arr): tf.Tensor {
  return tf.tensor(Float32Array.from(a.data), [...a.shape]);
}

/**
 * Seeded weights, the same on every backend: kernels ~ N(0, 1/fan-in) so outputs stay O(1), variances in
 * [0.5, 1.5], γ around 1, biases, β, means and PReLU slopes of size ~0.3 (none zero, none one: each enters the
 * forward pass visibly).
 */
export function randomizeWeights(layer: tf.layers.Layer, seed: number): void {
  const values = layer.weights.map((v, k) => {
    const shape = v.shape as number[];
    const name = v.name;
    const s = seed + 7919 * (k + 1);
    let a: Arr;
    if (name.includes('variance')) {
      const u = uniform(s);
      a = { shape, data: Float64Array.from({ length: sizeOf(shape) }, () => Math.fround(0.5 + u())) };
    } else if (name.includes('gamma')) a = drawNormal(shape, s, 0.3, 1);
    else if (name.includes('alpha')) a = drawNormal(shape, s, 0.1, 0.25);
    else if (shape.length >= 2)
      a = drawNormal(shape, s, 1 / Math.sqrt(sizeOf(shape) / shape[shape.length - 1]!));
    else a = drawNormal(shape, s, 0.3);
    return toTensor(a);
  });
  layer.setWeights(values);
  tf.dispose(values);
}

/** A model around the layer: `tf.sequential` for one input, `tf.model` over `tf.input`s for several. */
export function modelOf(c: Case): { model: tf.LayersModel; layer: tf.layers.Layer } {
  const layer = c.layer();
  if (c.inputs.length === 1)
    return {
      model: tf.sequential({ layers: [tf.layers.inputLayer({ inputShape: [...c.inputs[0]!] }), layer] }),
      layer,
    };
  const inputs = c.inputs.map((shape) => tf.input({ shape: [...shape] }));
  const output = layer.apply(inputs) as tf.SymbolicTensor;
  return { model: tf.model({ inputs, outputs: output }), layer };
}

/** A case made ready: its model with seeded weights, inputs, cotangent and float64 reference. */
export interface Prepared {
  readonly model: tf.LayersModel;
  readonly layer: tf.layers.Layer;
  readonly xs: readonly Arr[];
  readonly s: Arr;
  /** The float64 forward output. */
  readonly y: Arr;
  /** Jᵀs per input, by central differences of the float64 forward function. */
  readonly vjp: readonly Arr[];
}

// Jᵀs is the costly part and does not depend on the backend: computed once per case and batch size.
const differences = new Map<string, { y: Arr; vjp: Arr[] }>();

export function prepare(c: Case, batch: number): Prepared {
  const { model, layer } = modelOf(c);
  randomizeWeights(layer, seedOf(c.name, 'weights'));
  const f = referenceOf(layer);
  const xs = drawInputs(
    c.inputs.map((shape) => [batch, ...shape]),
    c.draw ?? { kind: 'smooth' },
    seedOf(c.name, 'x', batch),
  );
  const y = f(xs);
  const s = drawNormal(y.shape, seedOf(c.name, 's', batch));
  const key = `${c.name}|${batch}`;
  let cached = differences.get(key);
  // a cache hit must be the same function at the same point (same seeded weights and inputs)
  if (cached && relError(cached.y.data, y.data) !== 0) cached = undefined;
  if (!cached) {
    cached = { y, vjp: vjpByDifferences(f, xs, s) };
    differences.set(key, cached);
  }
  return { model, layer, xs, s, y, vjp: cached.vjp };
}

/** What the engine computes for one model: its forward output, `model.predict`, and the input gradient. */
export interface EngineRun {
  readonly shape: number[];
  readonly y: Float32Array;
  /** Null where `predict` was not asked for. */
  readonly predicted: Float32Array | null;
  readonly vjp: Float32Array[];
  readonly vjpShapes: number[][];
}

export function runEngine(
  engine: Engine,
  model: tf.LayersModel,
  xs: readonly Arr[],
  s: Arr,
  predict = true,
): EngineRun {
  const out: { run?: EngineRun } = {};
  tf.tidy(() => {
    const inputs = xs.map(toTensor);
    const pass = engine.forward(inputs);
    const seed = toTensor(s);
    const grads = engine.backward(pass, new Map([[engine.outputIndex, seed]]), (i, r, p) =>
      engine.vjp(i, p, r),
    );
    const predicted = predict
      ? (model.predict(inputs.length === 1 ? inputs[0]! : inputs) as tf.Tensor)
      : null;
    out.run = {
      shape: pass.output.shape,
      y: pass.output.dataSync() as Float32Array,
      predicted: predicted ? (predicted.dataSync() as Float32Array) : null,
      vjp: grads.inputs.map((g) => g.dataSync() as Float32Array),
      vjpShapes: grads.inputs.map((g) => g.shape),
    };
  });
  return out.run!;
}

// JACOBIAN_ERRORS=1 prints every measured error, to see how far inside its tolerance each check passes
const printErrors = typeof process !== 'undefined' && !!process.env.JACOBIAN_ERRORS;

function expectClose(actual: ArrayLike<number>, expected: Arr, tolerance: number, what: string): void {
  const err = relError(actual, expected.data);
  if (printErrors) console.log(`${err.toExponential(2)}\t${what}`);
  // soft: a failing check still reports the forward pass and every input's VJP
  expect
    .soft(
      err,
      `${what}: relative error ${err.toExponential(2)} ${worst(actual, expected.data, expected.shape)}`,
    )
    .toBeLessThanOrEqual(tolerance);
}

const asArr = (shape: readonly number[], data: ArrayLike<number>): Arr => ({
  shape,
  data: Float64Array.from(data),
});

/**
 * The check: the engine's forward output equals `model.predict` and the float64 forward function; its input VJP
 * equals float64 Jᵀs for every input; at batch > 1 each sample computed alone gives the same; no tensor is left.
 */
export function checkCase(c: Case, batch: number): void {
  const before = tf.memory().numTensors;
  const p = prepare(c, batch);
  const engine = new Engine(p.model);
  try {
    expect(engine.gradientProblems()).toEqual([]);
    const run = runEngine(engine, p.model, p.xs, p.s, !c.predictThrows);
    const what = `${c.name} (batch ${batch}, ${tf.getBackend()})`;
    if (run.predicted)
      expectClose(
        run.y,
        asArr(run.shape, run.predicted),
        FORWARD_TOLERANCE,
        `${what} forward vs model.predict`,
      );
    else
      expect(
        () => tf.tidy(() => p.model.predict(toTensor(p.xs[0]!))),
        `${what}: TF.js cannot run it`,
      ).toThrow(c.predictThrows);
    expect.soft(run.shape, `${what}: output shape`).toEqual(p.y.shape);
    expectClose(run.y, p.y, FORWARD_TOLERANCE, `${what} forward vs float64`);
    p.vjp.forEach((g, k) => {
      expect.soft(run.vjpShapes[k], `${what}: shape of the VJP of input ${k}`).toEqual(g.shape);
      expectClose(
        run.vjp[k]!,
        g,
        c.vjpTolerance ?? VJP_TOLERANCE,
        `${what} VJP of input ${k} vs float64 Jᵀs`,
      );
    });
    if (batch > 1)
      for (let b = 0; b < batch; b++) {
        const alone = runEngine(
          engine,
          p.model,
          p.xs.map((x) => sample(x, b)),
          sample(p.s, b),
          false,
        );
        expectClose(
          alone.y,
          sample(asArr(run.shape, run.y), b),
          FORWARD_TOLERANCE,
          `${what} sample ${b} alone, forward`,
        );
        alone.vjp.forEach((g, k) => {
          const together = sample(asArr(p.xs[k]!.shape, run.vjp[k]!), b);
          expectClose(g, together, FORWARD_TOLERANCE, `${what} sample ${b} alone, VJP of input ${k}`);
        });
      }
  } finally {
    engine.dispose();
    p.model.dispose();
  }
  expect(tf.memory().numTensors, `${c.name}: tensors left behind`).toBe(before);
}

/** Switches to the wasm backend for a describe block and back to cpu after it. */
export function onWasm(): void {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
    await tf.ready();
  });
}

/**
 * The cases at batch 1 and 3, in a cpu block and in a wasm block; `extra` adds backend-specific checks to a block.
 */
export function jacobianSuites(
  title: string,
  cases: readonly Case[],
  extra: { cpu?: () => void; wasm?: () => void } = {},
): void {
  for (const backend of ['cpu', 'wasm'] as const)
    describe(`${title} (${backend})`, () => {
      if (backend === 'wasm') onWasm();
      for (const c of cases)
        for (const batch of [1, 3])
          it(`${c.name}, batch ${batch}`, () => {
            expect(tf.getBackend()).toBe(backend);
            checkCase(c, batch);
          });
      extra[backend]?.();
    });
}
