// Training-time kernels the demo training scripts (train-demo.mjs, train-demo-unet.mjs) register on TF.js's wasm
// backend.
import * as tf from '@tensorflow/tfjs';

// The wasm backend of TF.js 4.22 lacks Conv2DBackpropFilter, the kernel training a Conv2D (and a Conv2DTranspose)
// needs, and its Conv2DBackpropInput is slow. Register both as compositions of wasm's own (fast) kernels, NHWC, no
// dilation, with the padding of the forward convolution at top/left:
// dW[i, j, c, o] = sum over b, y, x of xPadded[b, s*y + i, s*x + j, c] * dy[b, y, x, o]: a valid convolution of x
//   (batch and channel axes swapped) with dy as the filter, dilated by the stride s;
// dx (stride 1) = a valid convolution of dy, padded by k - 1 - top, with the kernel flipped in space and in/out
//   swapped; other strides (the U-Net's 2×2 stride-2 Conv2DTranspose, small) keep wasm's own kernel.
export function registerWasmConvGrads() {
  const call = (backend, name, inputs, attrs) =>
    tf.getKernel(name, 'wasm').kernelFunc({ inputs, backend, attrs });
  const conv = (backend, x, filter, dilations) =>
    call(backend, 'Conv2D', { x, filter }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations });
  const pair = (v) => (v === undefined ? [1, 1] : typeof v === 'number' ? [v, v] : v);
  const check = ({ dataFormat, dilations }) => {
    const d = pair(dilations);
    if (d[0] !== 1 || d[1] !== 1 || dataFormat !== 'NHWC')
      throw new Error(`the demo training's conv gradients handle dilation 1, NHWC only`);
  };
  const topLeft = (pad, kh, kw, h, w, ho, wo, s) => {
    if (pad === 'same')
      return [
        Math.floor(Math.max(0, (ho - 1) * s[0] + kh - h) / 2),
        Math.floor(Math.max(0, (wo - 1) * s[1] + kw - w) / 2),
      ];
    if (pad === 'valid') return [0, 0];
    if (Array.isArray(pad)) return [pad[1][0], pad[2][0]];
    throw new Error(`the demo training's conv gradients: unsupported pad ${pad}`);
  };
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      check(attrs);
      const { x, dy } = inputs;
      const s = pair(attrs.strides);
      const [kh, kw] = attrs.filterShape;
      const [, h, w] = x.shape;
      const [, ho, wo] = dy.shape;
      const [top, left] = topLeft(attrs.pad, kh, kw, h, w, ho, wo, s);
      const bottom = (ho - 1) * s[0] + kh - h - top;
      const right = (wo - 1) * s[1] + kw - w - left;
      if (bottom < 0 || right < 0)
        throw new Error(`the demo training's conv gradients: strides that skip input rows are not handled`);
      const paddings = [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ];
      const padded = call(backend, 'PadV2', { x }, { paddings, constantValue: 0 });
      const xT = call(backend, 'Transpose', { x: padded }, { perm: [3, 1, 2, 0] });
      const dyT = call(backend, 'Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
      const out = conv(backend, xT, dyT, s);
      const dw = call(backend, 'Transpose', { x: out }, { perm: [1, 2, 0, 3] });
      for (const t of [padded, xT, dyT, out]) backend.disposeData(t.dataId);
      return dw;
    },
  });
  // wasm's own kernel binds its wasm function in its setupFunc, which must stay registered with the replacement.
  const { kernelFunc: wasmBackpropInput, setupFunc } = tf.getKernel('Conv2DBackpropInput', 'wasm');
  tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
  tf.registerKernel({
    kernelName: 'Conv2DBackpropInput',
    backendName: 'wasm',
    setupFunc,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args;
      check(attrs);
      const s = pair(attrs.strides);
      if (s[0] !== 1 || s[1] !== 1) return wasmBackpropInput(args);
      const { dy, filter } = inputs;
      const [kh, kw] = filter.shape;
      const [, h, w] = attrs.inputShape;
      const [, ho, wo] = dy.shape;
      const [top, left] = topLeft(attrs.pad, kh, kw, h, w, ho, wo, s);
      const pt = kh - 1 - top;
      const pl = kw - 1 - left;
      const paddings = [
        [0, 0],
        [pt, h + kh - 1 - ho - pt],
        [pl, w + kw - 1 - wo - pl],
        [0, 0],
      ];
      const padded = call(backend, 'PadV2', { x: dy }, { paddings, constantValue: 0 });
      const flipped = call(backend, 'Reverse', { x: filter }, { dims: [0, 1] });
      const swapped = call(backend, 'Transpose', { x: flipped }, { perm: [0, 1, 3, 2] });
      const dx = conv(backend, padded, swapped, [1, 1]);
      for (const t of [padded, flipped, swapped]) backend.disposeData(t.dataId);
      return dx;
    },
  });
}
