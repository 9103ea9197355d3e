// An independent, plain-JS forward pass of a torchvision VGG in PyTorch's own conventions (NCHW activations, OIHW
// kernels, [out, in] linear weights, (C, H, W) flattening), used to check the weight mapping.
import type { RawTensor } from '../src/formats/safetensors.js';

export interface Chw {
  c: number;
  h: number;
  w: number;
  data: Float64Array;
}

export function conv3x3(x: Chw, weight: RawTensor, bias: RawTensor): Chw {
  const [o] = weight.shape as [number];
  const { c, h, w } = x;
  const out = new Float64Array(o * h * w);
  for (let oc = 0; oc < o; oc++)
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++) {
        let acc = bias.data[oc]!;
        for (let ic = 0; ic < c; ic++)
          for (let ky = 0; ky < 3; ky++)
            for (let kx = 0; kx < 3; kx++) {
              const yy = y + ky - 1;
              const xi = xx + kx - 1;
              if (yy < 0 || yy >= h || xi < 0 || xi >= w) continue;
              acc += weight.data[((oc * c + ic) * 3 + ky) * 3 + kx]! * x.data[(ic * h + yy) * w + xi]!;
            }
        out[(oc * h + y) * w + xx] = acc;
      }
  return { c: o, h, w, data: out };
}

export function batchNorm(x: Chw, g: RawTensor, b: RawTensor, mean: RawTensor, v: RawTensor): Chw {
  const out = new Float64Array(x.data.length);
  const plane = x.h * x.w;
  for (let ch = 0; ch < x.c; ch++)
    for (let p = 0; p < plane; p++)
      out[ch * plane + p] =
        (g.data[ch]! * (x.data[ch * plane + p]! - mean.data[ch]!)) / Math.sqrt(v.data[ch]! + 1e-5) +
        b.data[ch]!;
  return { ...x, data: out };
}

export function relu(x: Chw): Chw {
  return { ...x, data: x.data.map((v) => Math.max(0, v)) };
}

export function maxPool2(x: Chw): Chw {
  const h = x.h / 2;
  const w = x.w / 2;
  const out = new Float64Array(x.c * h * w);
  for (let ch = 0; ch < x.c; ch++)
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++) {
        let m = -Infinity;
        for (let dy = 0; dy < 2; dy++)
          for (let dx = 0; dx < 2; dx++)
            m = Math.max(m, x.data[(ch * x.h + 2 * y + dy) * x.w + 2 * xx + dx]!);
        out[(ch * h + y) * w + xx] = m;
      }
  return { c: x.c, h, w, data: out };
}

/** y = W x + b with W stored [out, in] (any trailing dims flattened), x flattened in (C, H, W) order. */
export function linear(x: Float64Array, weight: RawTensor, bias: RawTensor): Float64Array {
  const o = weight.shape[0]!;
  const n = weight.data.length / o;
  const out = new Float64Array(o);
  for (let r = 0; r < o; r++) {
    let acc = bias.data[r]!;
    for (let i = 0; i < n; i++) acc += weight.data[r * n + i]! * x[i]!;
    out[r] = acc;
  }
  return out;
}

/** Runs torchvision's `features` (a list of 'C' conv / 'M' pool entries) and the timm head on one CHW image. */
export function torchVgg(
  image: Chw,
  plan: readonly ('C' | 'M')[],
  sd: Map<string, RawTensor>,
  batchNormOn: boolean,
): Float64Array {
  let x = image;
  let i = 0;
  const get = (k: string) => sd.get(k)!;
  for (const step of plan) {
    if (step === 'M') {
      x = maxPool2(x);
      i += 1;
      continue;
    }
    x = conv3x3(x, get(`features.${i}.weight`), get(`features.${i}.bias`));
    i += 1;
    if (batchNormOn) {
      const p = `features.${i}`;
      x = batchNorm(
        x,
        get(`${p}.weight`),
        get(`${p}.bias`),
        get(`${p}.running_mean`),
        get(`${p}.running_var`),
      );
      i += 1;
    }
    x = relu(x);
    i += 1;
  }
  let v = x.data;
  v = linear(v, get('pre_logits.fc1.weight'), get('pre_logits.fc1.bias')).map((a) => Math.max(0, a));
  v = linear(v, get('pre_logits.fc2.weight'), get('pre_logits.fc2.bias')).map((a) => Math.max(0, a));
  return linear(v, get('head.fc.weight'), get('head.fc.bias'));
}
