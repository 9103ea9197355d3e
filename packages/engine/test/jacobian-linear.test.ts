// Float64 explicit-Jacobian checks of the affine kinds: Dense, Conv1D, Conv2D, DepthwiseConv2D, SeparableConv2D,
// Conv2DTranspose (see float64/harness.ts for what each check asserts).

import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { type Case, checkCase, jacobianSuites, modelOf, randomizeWeights } from './float64/harness.js';

type ConvArgs = Parameters<typeof tf.layers.conv2d>[0];
type DepthwiseArgs = Parameters<typeof tf.layers.depthwiseConv2d>[0];
type SeparableArgs = Parameters<typeof tf.layers.separableConv2d>[0];

const dense: Case[] = [
  { name: 'Dense 5→3', layer: () => tf.layers.dense({ units: 3 }), inputs: [[5]] },
  {
    name: 'Dense 5→3 without bias',
    layer: () => tf.layers.dense({ units: 3, useBias: false }),
    inputs: [[5]],
  },
  { name: 'Dense on rank 3 [4, 5]→3', layer: () => tf.layers.dense({ units: 3 }), inputs: [[4, 5]] },
  { name: 'Dense + tanh', layer: () => tf.layers.dense({ units: 4, activation: 'tanh' }), inputs: [[6]] },
  {
    name: 'Dense + softmax',
    layer: () => tf.layers.dense({ units: 4, activation: 'softmax' }),
    inputs: [[6]],
  },
  { name: 'Dense + relu', layer: () => tf.layers.dense({ units: 6, activation: 'relu' }), inputs: [[5]] },
  {
    name: 'Dense + gelu on rank 3',
    layer: () => tf.layers.dense({ units: 3, activation: 'gelu' }),
    inputs: [[3, 4]],
  },
];

const conv1d = (name: string, args: Partial<ConvArgs>, length = 9): Case => ({
  name: `Conv1D ${name}`,
  layer: () => tf.layers.conv1d({ filters: 4, kernelSize: 3, ...args }),
  inputs: [[length, 3]],
  // TF.js 4.22 builds causal Conv1D layers but cannot run them; the engine pads explicitly
  ...(args.padding === 'causal'
    ? { predictThrows: /CAUSAL padding mode in conv1dWithBias is not implemented/ }
    : {}),
});

const conv1ds: Case[] = [
  conv1d('k3 valid', {}),
  conv1d('k3 same', { padding: 'same' }),
  conv1d('k3 causal', { padding: 'causal' }),
  conv1d('k3 stride 2 same', { padding: 'same', strides: 2 }),
  conv1d('k3 stride 2 valid, even length', { strides: 2 }, 10),
  conv1d('k3 dilation 2 same', { padding: 'same', dilationRate: 2 }),
  conv1d('k3 dilation 2 causal', { padding: 'causal', dilationRate: 2 }),
  conv1d('k2 stride 2 causal', { kernelSize: 2, padding: 'causal', strides: 2 }),
];

const conv2d = (name: string, args: Partial<ConvArgs>, shape = [7, 7, 3]): Case => ({
  name: `Conv2D ${name}`,
  layer: () => tf.layers.conv2d({ filters: 4, kernelSize: 3, ...args }),
  inputs: [shape],
});

const conv2ds: Case[] = [
  conv2d('3×3 valid', {}),
  conv2d('3×3 same', { padding: 'same' }),
  conv2d('3×3 same stride 2, odd size', { padding: 'same', strides: 2 }),
  conv2d('3×3 valid stride 2', { strides: 2 }),
  conv2d('2×2 same stride 2, odd size', { kernelSize: 2, padding: 'same', strides: 2 }),
  conv2d('4×4 same stride 2, even size', { kernelSize: 4, padding: 'same', strides: 2 }, [8, 8, 2]),
  conv2d('3×3 same dilation 2', { padding: 'same', dilationRate: 2 }),
  conv2d('3×3 valid dilation 2', { dilationRate: 2 }),
  conv2d('3×3 same dilation [2, 1], 8×7', { padding: 'same', dilationRate: [2, 1] }, [8, 7, 2]),
  conv2d('2×3 same strides [2, 1]', { kernelSize: [2, 3], padding: 'same', strides: [2, 1] }),
  conv2d(
    '7×7 valid stride 2 (ResNet conv1 after its padding), 11×11',
    { kernelSize: 7, strides: 2 },
    [11, 11, 3],
  ),
  conv2d('3×3 valid stride 3 (kernel = stride)', { strides: 3 }, [9, 10, 2]),
  conv2d(
    '2×2 same stride 3 (kernel < stride: phases without taps)',
    { kernelSize: 2, strides: 3, padding: 'same' },
    [8, 7, 2],
  ),
  conv2d('5×3 same strides [2, 3]', { kernelSize: [5, 3], strides: [2, 3], padding: 'same' }, [9, 8, 2]),
  // 16 input channels and more: the phases are interleaved by stacking (fewer: by padding)
  conv2d('3×3 same stride 2 on 16 channels, odd size', { padding: 'same', strides: 2 }, [7, 7, 16]),
  conv2d(
    '7×7 same stride 2 on 16 channels, even size',
    { kernelSize: 7, padding: 'same', strides: 2 },
    [8, 8, 16],
  ),
  conv2d('1×1', { kernelSize: 1 }),
  conv2d('1×1 valid stride 2, odd size', { kernelSize: 1, strides: 2 }),
  conv2d('1×1 same stride 2, even size', { kernelSize: 1, strides: 2, padding: 'same' }, [8, 8, 2]),
  conv2d(
    '1×1 same strides [3, 2], odd sizes',
    { kernelSize: 1, strides: [3, 2], padding: 'same' },
    [7, 5, 2],
  ),
  conv2d('3×3 same without bias', { padding: 'same', useBias: false }),
  conv2d('3×3 same + relu', { padding: 'same', activation: 'relu' }),
  conv2d('3×3 valid + tanh', { activation: 'tanh' }),
];

const depthwise = (name: string, args: Partial<DepthwiseArgs>): Case => ({
  name: `DepthwiseConv2D ${name}`,
  layer: () => tf.layers.depthwiseConv2d({ kernelSize: 3, ...args }),
  inputs: [[7, 7, 3]],
});

const depthwises: Case[] = [
  depthwise('3×3 same ×1', { padding: 'same' }),
  depthwise('3×3 same ×2', { padding: 'same', depthMultiplier: 2 }),
  depthwise('3×3 valid stride 2 ×1', { strides: 2 }),
  depthwise('3×3 same stride 2 ×2', { padding: 'same', strides: 2, depthMultiplier: 2 }),
  // TF.js 4.22 runs a DepthwiseConv2D undilated whatever its dilationRate (see float64/layers.ts): the engine must
  // explain what the layer computes
  depthwise('3×3 same dilation 2 ×1', { padding: 'same', dilationRate: 2 }),
  depthwise('3×3 valid dilation 2 ×2', { dilationRate: 2, depthMultiplier: 2 }),
  {
    // 16 channels: the phases are interleaved by stacking
    ...depthwise('3×3 same stride 2 ×2 on 16 channels', { padding: 'same', strides: 2, depthMultiplier: 2 }),
    inputs: [[7, 6, 16]],
  },
  depthwise('2×2 same stride 2 ×1 + relu6', {
    kernelSize: 2,
    padding: 'same',
    strides: 2,
    activation: 'relu6',
  }),
];

const separable = (name: string, args: Partial<SeparableArgs>): Case => ({
  name: `SeparableConv2D ${name}`,
  layer: () => tf.layers.separableConv2d({ filters: 4, kernelSize: 3, ...args }),
  inputs: [[7, 7, 3]],
});

const separables: Case[] = [
  separable('3×3 same ×1', { padding: 'same' }),
  separable('3×3 valid stride 2 ×2', { strides: 2, depthMultiplier: 2 }),
  separable('3×3 same dilation 2 ×1', { padding: 'same', dilationRate: 2 }),
  separable('3×3 same ×2 + tanh', { padding: 'same', depthMultiplier: 2, activation: 'tanh' }),
];

const transposed = (name: string, args: Partial<ConvArgs>, shape = [4, 4, 3]): Case => ({
  name: `Conv2DTranspose ${name}`,
  layer: () => tf.layers.conv2dTranspose({ filters: 2, kernelSize: 3, ...args }),
  inputs: [shape],
});

const transposeds: Case[] = [
  transposed('3×3 stride 1 same', { padding: 'same' }),
  transposed('3×3 stride 1 valid', {}),
  transposed('3×3 stride 2 same', { padding: 'same', strides: 2 }),
  transposed('3×3 stride 2 valid, 5×5', { strides: 2 }, [5, 5, 2]),
  transposed('2×2 stride 2 valid', { kernelSize: 2, strides: 2 }),
  transposed('2×2 stride 2 same', { kernelSize: 2, padding: 'same', strides: 2 }),
  transposed('4×4 stride 2 same', { kernelSize: 4, padding: 'same', strides: 2 }),
  transposed('1×1 stride 2 valid (kernel smaller than stride)', { kernelSize: 1, strides: 2 }),
  transposed('3×3 strides [2, 1] same, 3×5', { padding: 'same', strides: [2, 1] }, [3, 5, 2]),
  transposed('3×3 stride 2 same + sigmoid', { padding: 'same', strides: 2, activation: 'sigmoid' }),
];

/** `tf.grad` of ⟨s, layer(x)⟩ runs on this backend, or the error it throws. */
function autodiffError(c: Case): string | undefined {
  const { model, layer } = modelOf(c);
  randomizeWeights(layer, 1);
  try {
    tf.tidy(() => {
      const x = tf.randomNormal([1, ...c.inputs[0]!]);
      tf.grad((v: tf.Tensor) => tf.sum(model.apply(v) as tf.Tensor))(x).dataSync();
    });
    return undefined;
  } catch (e) {
    return (e as Error).message;
  } finally {
    model.dispose();
  }
}

jacobianSuites(
  'affine kinds',
  [...dense, ...conv1ds, ...conv2ds, ...depthwises, ...separables, ...transposeds],
  {
    wasm: () => {
      // Autodiff cannot take these VJPs on wasm (TF.js 4.22 registers no DepthwiseConv2dNativeBackpropInput kernel
      // there, and its fused conv2d gradient refuses dilations on every backend); the engine's transposes are plain
      // forward convolutions.
      const dw = depthwises[1]!;
      const sep = separables[1]!;
      const dilated = conv2ds[6]!;
      it('DepthwiseConv2D and SeparableConv2D VJPs where autodiff has no kernel', () => {
        expect(autodiffError(dw)).toMatch(
          /DepthwiseConv2dNativeBackpropInput' not registered for backend 'wasm'/,
        );
        expect(autodiffError(sep)).toMatch(
          /DepthwiseConv2dNativeBackpropInput' not registered for backend 'wasm'/,
        );
        checkCase(dw, 3);
        checkCase(sep, 3);
      });
      it('dilated Conv2D VJP where autodiff refuses dilation', () => {
        expect(autodiffError(dilated)).toMatch(
          /dilation rates greater than 1 are not yet supported in gradients/,
        );
        checkCase(dilated, 3);
      });
    },
  },
);
