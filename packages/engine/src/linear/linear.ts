import * as tf from '@tensorflow/tfjs';

/**
 * A layer's affine map `z = W ⋆ a + b` for any parameters of its kind, and its transpose (the vector-Jacobian
 * product with respect to the input). LRP rules bind it to their modified weights once, at construction; the
 * engine binds it to the layer's own weights for the forward pass and for gradients.
 *
 * @example
 * ```ts
 * const map = denseMap(kernel, bias);
 * const bound = map.bind(tf.relu(map.kernel), null);
 * const z = bound.apply(a);              // W⁺ a
 * const back = bound.transpose(s, a.shape); // W⁺ᵀ s
 * bound.dispose();
 * ```
 */
export interface LinearMap {
  /** The layer's own kernel (Keras layout; for SeparableConv2D the kernel of the convolution it computes). */
  readonly kernel: tf.Tensor;
  /** The layer's own bias, or null. */
  readonly bias: tf.Tensor | null;
  /**
   * Binds the map to (modified) parameters; the result owns whatever it precomputes, never the parameters it is
   * given. With `transposable: false` it is only applied forwards.
   */
  bind(kernel: tf.Tensor, bias: tf.Tensor | null, transposable?: boolean): BoundLinear;
}

/**
 * An affine map bound to one set of parameters.
 *
 * @example
 * ```ts
 * const z = bound.apply(a);
 * ```
 */
export interface BoundLinear {
  /** `W ⋆ a + b`. */
  apply(a: tf.Tensor): tf.Tensor;
  /** `Wᵀ ⋆ s` (no bias), shaped like the layer's input `inputShape`. */
  transpose(s: tf.Tensor, inputShape: readonly number[]): tf.Tensor;
  /** Frees what `bind` precomputed (not the parameters it was given). */
  dispose(): void;
}

/**
 * A tensor a bound map precomputes for its transposes (a flipped kernel), kept until `dispose`; when the map was bound
 * with `transposable: false`, `get` says so.
 *
 * @example
 * ```ts
 * const flipped = precompute(true, 'convolution', () => tf.reverse(kernel, [0, 1]));
 * flipped.get();
 * flipped.dispose();
 * ```
 */
export function precompute<T extends tf.Tensor>(
  needed: boolean,
  what: string,
  make: () => T,
): { get(): T; dispose(): void } {
  const value = needed ? tf.keep(tf.tidy(make)) : undefined;
  return {
    get: () => {
      if (!value)
        throw new Error(`this ${what} was bound with transposable: false; bind it again to transpose`);
      return value;
    },
    dispose: () => value?.dispose(),
  };
}

/** `z + b` where there is a bias. */
export function addBias(z: tf.Tensor, bias: tf.Tensor | null): tf.Tensor {
  return bias ? tf.add(z, bias) : z;
}

/**
 * Dense on the last axis (any rank ≥ 2): `z = a·W + b`, kernel `[in, out]`.
 *
 * @example
 * ```ts
 * const map = denseMap(layer.getWeights()[0] as tf.Tensor2D, layer.getWeights()[1] ?? null);
 * ```
 */
export function denseMap(kernel: tf.Tensor2D, bias: tf.Tensor | null): LinearMap {
  return {
    kernel,
    bias,
    bind(w, b) {
      const w2 = w as tf.Tensor2D;
      const [inputs, units] = w2.shape;
      return {
        apply: (a) =>
          tf.tidy(() => {
            // not tf.fused.matMul: it reshapes the kernel into a 3-D view, which tf.memory() counts as another
            // kernel-sized tensor (VGG16's fc1: 392 MiB more in every peak-memory figure, though nothing is copied)
            const z = tf.matMul(a.reshape([-1, inputs]) as tf.Tensor2D, w2);
            return addBias(a.rank === 2 ? z : z.reshape([...a.shape.slice(0, -1), units]), b);
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
