import * as tf from '@tensorflow/tfjs';

/**
 * A layer's affine map `z = W ⋆ a + b` with given parameters, and its transpose (the vector-Jacobian product with
 * respect to the input). Rules bind it to their modified weights once, at construction.
 */
export interface LinearMap {
  /** The layer's own kernel (Keras layout). */
  readonly kernel: tf.Tensor;
  /** The layer's own bias, or null. */
  readonly bias: tf.Tensor | null;
  /**
   * Binds the map to (modified) parameters; the result owns whatever it precomputes. With `transposable: false` the
   * bound map is only applied forwards, so nothing is precomputed for its transpose.
   */
  bind(kernel: tf.Tensor, bias: tf.Tensor | null, transposable?: boolean): BoundLinear;
}

/** An affine map bound to one set of parameters. */
export interface BoundLinear {
  /** `W ⋆ a + b`. */
  apply(a: tf.Tensor): tf.Tensor;
  /** `Wᵀ ⋆ s`, shaped like the layer's input `inputShape`. */
  transpose(s: tf.Tensor, inputShape: readonly number[]): tf.Tensor;
  /** Frees what `bind` precomputed (not the parameters it was given). */
  dispose(): void;
}

/**
 * How a convolution pads its input, with Keras' names (`causal`: Conv1D only, all padding before the sequence).
 *
 * @example
 * ```ts
 * const padding: Padding = 'same';
 * ```
 */
type Padding = 'same' | 'valid' | 'causal';
type Pads = [[number, number], [number, number], [number, number], [number, number]];

function pair(v: number | number[] | undefined, fallback: number): [number, number] {
  if (v === undefined) return [fallback, fallback];
  if (typeof v === 'number') return [v, v];
  return [v[0] ?? fallback, v[1] ?? v[0] ?? fallback];
}

/** Forward pads (before, after) of one spatial axis for a stride-1 convolution. */
function forwardPads(padding: Padding, k: number, dilation: number): [number, number] {
  const total = dilation * (k - 1);
  if (padding === 'valid') return [0, 0];
  if (padding === 'causal') return [total, 0];
  const before = Math.floor(total / 2);
  return [before, total - before];
}

function addBias(z: tf.Tensor, bias: tf.Tensor | null): tf.Tensor {
  return bias ? tf.add(z, bias) : z;
}

/** Dense on the last axis: `z = a·W + b`. */
export function denseMap(kernel: tf.Tensor2D, bias: tf.Tensor | null): LinearMap {
  return {
    kernel,
    bias,
    bind(w, b) {
      const w2 = w as tf.Tensor2D;
      const [units] = [w2.shape[1]];
      return {
        apply: (a) =>
          tf.tidy(() => {
            const flat = a.reshape([-1, w2.shape[0]]) as tf.Tensor2D;
            // not tf.fused.matMul: it reshapes the kernel into a 3-D view, which tf.memory() counts as another
            // kernel-sized tensor (VGG16's fc1: 392 MiB more in every peak-memory figure, though nothing is copied)
            return addBias(tf.matMul(flat, w2).reshape([...a.shape.slice(0, -1), units]), b);
          }),
        // `s·Wᵀ` computed as `(W·sᵀ)ᵀ`: TF.js's wasm backend runs a matrix product with a transposed operand as a
        // plain loop (8× slower for VGG16's fc1 at batch 1, 12× at batch 8), and W·sᵀ needs no transposed operand.
        transpose: (s, inputShape) =>
          tf.tidy(() =>
            tf
              .matMul(w2, s.reshape([-1, units]).transpose() as tf.Tensor2D)
              .transpose()
              .reshape([...inputShape]),
          ),
        dispose: () => {},
      };
    },
  };
}

/** Options of a 2-D convolution as Keras stores them. */
export interface Conv2DSpec {
  strides: [number, number];
  dilation: [number, number];
  padding: Padding;
}

/**
 * Conv2D (NHWC, kernel `[kh, kw, in, out]`). Stride-1 transposes run as a plain convolution with the kernel flipped
 * spatially and its channels swapped (precomputed at `bind`), which TF.js backends run much faster than
 * Conv2DBackpropInput; strided ones use `conv2dTranspose`.
 */
export function conv2dMap(kernel: tf.Tensor4D, bias: tf.Tensor | null, spec: Conv2DSpec): LinearMap {
  const [kh, kw] = kernel.shape;
  const stride1 = spec.strides[0] === 1 && spec.strides[1] === 1;
  const fwd: Pads = [
    [0, 0],
    forwardPads(spec.padding, kh, spec.dilation[0]),
    forwardPads(spec.padding, kw, spec.dilation[1]),
    [0, 0],
  ];
  const explicit = spec.padding === 'causal';
  return {
    kernel,
    bias,
    bind(w, b) {
      const w4 = w as tf.Tensor4D;
      const flipped = stride1
        ? tf.keep(tf.tidy(() => tf.reverse(w4, [0, 1]).transpose([0, 1, 3, 2]) as tf.Tensor4D))
        : null;
      const back: Pads = [
        [0, 0],
        [spec.dilation[0] * (kh - 1) - fwd[1][0], spec.dilation[0] * (kh - 1) - fwd[1][1]],
        [spec.dilation[1] * (kw - 1) - fwd[2][0], spec.dilation[1] * (kw - 1) - fwd[2][1]],
        [0, 0],
      ];
      return {
        // the bias goes into the convolution (one kernel instead of a convolution and an addition)
        apply: (a) =>
          tf.fused.conv2d({
            x: a as tf.Tensor4D,
            filter: w4,
            strides: spec.strides,
            pad: explicit ? fwd : (spec.padding as 'same' | 'valid'),
            dataFormat: 'NHWC',
            dilations: spec.dilation,
            ...(b ? { bias: b } : {}),
          }),
        transpose: (s, inputShape) =>
          tf.tidy(() => {
            if (flipped) return tf.conv2d(s as tf.Tensor4D, flipped, 1, back, 'NHWC', spec.dilation);
            if (stride1) throw new Error('this bound convolution was bound with transposable: false');
            return tf.conv2dTranspose(
              s as tf.Tensor4D,
              w4,
              inputShape as [number, number, number, number],
              spec.strides,
              spec.padding as 'same' | 'valid',
            );
          }),
        dispose: () => flipped?.dispose(),
      };
    },
  };
}

/** Conv1D (`[N, L, C]`, kernel `[k, in, out]`), computed as a Conv2D of height 1. */
export function conv1dMap(
  kernel: tf.Tensor3D,
  bias: tf.Tensor | null,
  spec: { stride: number; dilation: number; padding: Padding },
): LinearMap {
  const spec2: Conv2DSpec = {
    strides: [1, spec.stride],
    dilation: [1, spec.dilation],
    padding: spec.padding,
  };
  return {
    kernel,
    bias,
    bind(w, b, transposable = true) {
      const w4 = tf.keep(w.expandDims(0) as tf.Tensor4D);
      const bound = conv2dMap(w4, null, spec2).bind(w4, b, transposable);
      return {
        apply: (a) => tf.tidy(() => bound.apply(a.expandDims(1)).squeeze([1])),
        transpose: (s, inputShape) =>
          tf.tidy(() =>
            bound.transpose(s.expandDims(1), [inputShape[0]!, 1, ...inputShape.slice(1)]).squeeze([1]),
          ),
        dispose: () => {
          bound.dispose();
          w4.dispose();
        },
      };
    },
  };
}

/** DepthwiseConv2D (kernel `[kh, kw, in, multiplier]`); its transpose is the op's own vector-Jacobian product. */
export function depthwiseMap(kernel: tf.Tensor4D, bias: tf.Tensor | null, spec: Conv2DSpec): LinearMap {
  const pad = spec.padding === 'causal' ? 'valid' : spec.padding;
  return {
    kernel,
    bias,
    bind(w, b) {
      const w4 = w as tf.Tensor4D;
      const conv = (a: tf.Tensor) =>
        tf.depthwiseConv2d(a as tf.Tensor4D, w4, spec.strides, pad, 'NHWC', spec.dilation);
      return {
        apply: (a) => tf.tidy(() => addBias(conv(a), b)),
        transpose: (s, inputShape) =>
          tf.tidy(() => {
            const x = tf.zeros([...inputShape]);
            return tf.grad((v: tf.Tensor) => tf.sum(tf.mul(conv(v), s)))(x);
          }),
        dispose: () => {},
      };
    },
  };
}

export type { Padding };
export { pair as kernelPair };
