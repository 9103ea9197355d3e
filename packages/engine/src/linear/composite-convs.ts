import * as tf from '@tensorflow/tfjs';
import { type Conv2DSpec, conv2dMap, depthwiseMap } from './conv.js';
import { addBias, type LinearMap } from './linear.js';

/**
 * The kernel `[kh, kw, in, out]` of the convolution a SeparableConv2D computes:
 * `K[u, v, c, o] = Σ_m D[u, v, c, m] · P[c·M + m, o]` (depthwise kernel `D`, pointwise kernel `P`).
 */
export function separableKernel(depthwise: tf.Tensor4D, pointwise: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, c, m] = depthwise.shape;
    const o = pointwise.shape[3];
    const d = depthwise.reshape([kh * kw, c, m]).transpose([1, 0, 2]) as tf.Tensor3D;
    const p = pointwise.reshape([c, m, o]) as tf.Tensor3D;
    return tf.matMul(d, p).transpose([1, 0, 2]).reshape([kh, kw, c, o]) as tf.Tensor4D;
  });
}

/**
 * SeparableConv2D as the convolution it computes, kernel `K = D ⊗ P` (see {@link separableKernel}; the caller owns
 * `kernel`). Bound to `kernel` itself it runs the separable ops (depthwise, then pointwise, and their transposes);
 * bound to modified weights (LRP rules modify `K`) it is a Conv2D with them.
 *
 * @example
 * ```ts
 * const k = separableKernel(depthwise, pointwise);
 * const map = separableMap(k, depthwise, pointwise, bias, spec);
 * ```
 */
export function separableMap(
  kernel: tf.Tensor4D,
  depthwise: tf.Tensor4D,
  pointwise: tf.Tensor4D,
  bias: tf.Tensor | null,
  spec: Conv2DSpec,
): LinearMap {
  const full = conv2dMap(kernel, bias, spec);
  const pad = spec.padding === 'causal' ? 'valid' : spec.padding;
  return {
    kernel,
    bias,
    bind(w, b, transposable) {
      if (w !== kernel) return full.bind(w, b, transposable);
      const dw = depthwiseMap(depthwise, null, spec).bind(depthwise, null, transposable);
      const [cm, o] = [pointwise.shape[2], pointwise.shape[3]];
      const p2 = tf.keep(pointwise.reshape([cm, o]) as tf.Tensor2D);
      return {
        apply: (a) =>
          tf.tidy(() =>
            addBias(
              tf.separableConv2d(
                a as tf.Tensor4D,
                depthwise,
                pointwise,
                [spec.strides[0], spec.strides[1]],
                pad,
                [spec.dilation[0], spec.dilation[1]],
              ),
              b,
            ),
          ),
        transpose: (s, inputShape) =>
          tf.tidy(() => {
            const [n, h, wd] = s.shape as [number, number, number, number];
            const t = tf
              .matMul(p2, s.reshape([-1, o]).transpose() as tf.Tensor2D)
              .transpose()
              .reshape([n, h, wd, cm]);
            return dw.transpose(t, inputShape);
          }),
        dispose: () => {
          dw.dispose();
          p2.dispose();
        },
      };
    },
  };
}

/**
 * Conv2DTranspose (kernel `[kh, kw, out, in]`): `z = conv2dTranspose(a, W) + b`, the adjoint of a strided
 * convolution. Its own transpose is that convolution, `conv2d(s, W)`.
 *
 * @example
 * ```ts
 * const map = conv2dTransposeMap(kernel, bias, { strides: [2, 2], dilation: [1, 1], padding: 'same' });
 * ```
 */
export function conv2dTransposeMap(kernel: tf.Tensor4D, bias: tf.Tensor | null, spec: Conv2DSpec): LinearMap {
  const [kh, kw, filters] = kernel.shape;
  const pad = spec.padding as 'same' | 'valid';
  const length = (size: number, stride: number, k: number) =>
    pad === 'valid' ? size * stride + Math.max(k - stride, 0) : size * stride;
  return {
    kernel,
    bias,
    bind(w, b) {
      const w4 = w as tf.Tensor4D;
      return {
        apply: (a) =>
          tf.tidy(() => {
            const [n, h, wd] = a.shape as [number, number, number, number];
            const out: [number, number, number, number] = [
              n,
              length(h, spec.strides[0], kh),
              length(wd, spec.strides[1], kw),
              filters,
            ];
            return addBias(
              tf.conv2dTranspose(a as tf.Tensor4D, w4, out, [spec.strides[0], spec.strides[1]], pad),
              b,
            );
          }),
        transpose: (s) => tf.conv2d(s as tf.Tensor4D, w4, [spec.strides[0], spec.strides[1]], pad),
        dispose: () => {},
      };
    },
  };
}
