// Keras activations in float64, from their definitions (not from TF.js's kernels).

import { type Arr, stridesOf } from './array.js';

/**
 * erf in float64: `erf(x) = 2/√π · e^{−x²} · Σ_n 2ⁿ x^{2n+1} / (1·3·…·(2n+1))`. Every term is positive, so the sum
 * has no cancellation; it converges for every x and erfc(6) < 3e-17 is below float64's resolution at 1.
 */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax >= 6) return Math.sign(x);
  let term = ax;
  let sum = ax;
  for (let n = 1; n < 500; n++) {
    term *= (2 * ax * ax) / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * Math.exp(-ax * ax) * sum;
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
// log(1 + e^z) without overflow
const softplus = (z: number) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;
const GELU_C = Math.sqrt(2 / Math.PI);

/** Elementwise activations by Keras name. */
export const ELEMENTWISE: Readonly<Record<string, (z: number) => number>> = {
  linear: (z) => z,
  relu: (z) => Math.max(z, 0),
  relu6: (z) => Math.min(Math.max(z, 0), 6),
  elu: (z) => (z > 0 ? z : Math.expm1(z)),
  selu: (z) => SELU_SCALE * (z > 0 ? z : SELU_ALPHA * Math.expm1(z)),
  sigmoid,
  hardSigmoid: (z) => Math.min(Math.max(0.2 * z + 0.5, 0), 1),
  softplus,
  softsign: (z) => z / (1 + Math.abs(z)),
  tanh: Math.tanh,
  gelu: (z) => 0.5 * z * (1 + erf(z / Math.SQRT2)),
  gelu_new: (z) => 0.5 * z * (1 + Math.tanh(GELU_C * (z + 0.044715 * z * z * z))),
  mish: (z) => z * Math.tanh(softplus(z)),
  swish: (z) => z * sigmoid(z),
};

/** Softmax (or log-softmax) along `axis` of an array of any rank. */
export function softmax(a: Arr, axis: number, log = false): Arr {
  const rank = a.shape.length;
  const ax = axis < 0 ? axis + rank : axis;
  const n = a.shape[ax]!;
  const step = stridesOf(a.shape)[ax]!;
  const out = new Float64Array(a.data.length);
  for (let base = 0; base < a.data.length; base++) {
    // visit each line along `axis` once, from its first element
    if (Math.floor(base / step) % n !== 0) continue;
    let max = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < n; k++) max = Math.max(max, a.data[base + k * step]!);
    let sum = 0;
    for (let k = 0; k < n; k++) sum += Math.exp(a.data[base + k * step]! - max);
    for (let k = 0; k < n; k++) {
      const z = a.data[base + k * step]! - max;
      out[base + k * step] = log ? z - Math.log(sum) : Math.exp(z) / sum;
    }
  }
  return { shape: [...a.shape], data: out };
}

/** A Keras activation by name, applied to a whole array (softmax-like ones along the last axis). */
export function activate(name: string, a: Arr): Arr {
  if (name === 'softmax') return softmax(a, -1);
  if (name === 'logSoftmax') return softmax(a, -1, true);
  const f = ELEMENTWISE[name];
  if (!f) throw new Error(`no float64 reference for activation '${name}'`);
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = f(a.data[i]!);
  return { shape: [...a.shape], data: out };
}
