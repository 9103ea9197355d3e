import * as tf from '@tensorflow/tfjs';

/** A deterministic pseudo-random stream (mulberry32), so test models are the same on every run and backend. */
function stream(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Sets every weight of a model to seeded values: kernels uniform in ±√(3/fan-in) (unit-variance outputs), biases in
 * ±0.1, BatchNorm statistics and scales away from the identity, so that every layer changes what it is given.
 */
export function seedWeights(model: tf.LayersModel, seed: number): void {
  const next = stream(seed);
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    const values = layer.weights.map((w) => {
      const name = w.originalName.split('/').pop() ?? '';
      const size = w.shape.reduce<number>((p, d) => p * (d ?? 1), 1);
      const fanIn = w.shape.length > 1 ? size / (w.shape[w.shape.length - 1] ?? 1) : 1;
      const data = new Float32Array(size);
      for (let i = 0; i < size; i++) {
        const u = next() * 2 - 1;
        if (name === 'moving_variance') data[i] = 0.5 + next();
        else if (name === 'gamma') data[i] = 0.7 + 0.6 * next();
        else if (name === 'moving_mean' || name === 'beta' || name === 'bias') data[i] = 0.1 * u;
        else if (name === 'alpha') data[i] = 0.1 + 0.2 * next();
        else data[i] = u * Math.sqrt(3 / fanIn);
      }
      return tf.tensor(data, w.shape as number[]);
    });
    layer.setWeights(values);
    tf.dispose(values);
  }
}

type Sym = tf.SymbolicTensor;
const apply = (layer: tf.layers.Layer, x: Sym | Sym[]): Sym => layer.apply(x) as Sym;

/**
 * A small model with nearly every layer kind (input `[12, 12, 3]`, 5 logits): ZeroPadding2D, a strided valid Conv2D
 * with BatchNorm and ReLU6, a dilated DepthwiseConv2D, a squeeze-and-excitation gate (GAP, Reshape, 1×1 convs,
 * sigmoid, Multiply), a `same` AveragePooling2D and SeparableConv2D on one branch, a 3×3/2 `same` MaxPooling2D and a
 * Conv2DTranspose on the other, Concatenate, a 1×1 Conv2D and a residual Add, standalone swish, LayerNormalization,
 * bilinear and nearest UpSampling2D, Cropping2D, GlobalAveragePooling2D, Dense, Dropout. LRP's presets explain it.
 */
export function kindsModel(seed = 7): tf.LayersModel {
  const input = tf.input({ shape: [12, 12, 3] });
  let x = apply(
    tf.layers.zeroPadding2d({
      padding: [
        [0, 1],
        [0, 1],
      ],
      name: 'k_pad',
    }),
    input,
  );
  x = apply(tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, name: 'k_conv1' }), x); // 6×6
  x = apply(tf.layers.batchNormalization({ name: 'k_bn1' }), x);
  x = apply(tf.layers.reLU({ maxValue: 6, name: 'k_relu6' }), x);
  let d = apply(
    tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', dilationRate: 2, name: 'k_dw' }),
    x,
  );
  d = apply(tf.layers.activation({ activation: 'relu', name: 'k_dw_relu' }), d);
  let se = apply(tf.layers.globalAveragePooling2d({ name: 'k_se_gap' }), d);
  se = apply(tf.layers.reshape({ targetShape: [1, 1, 8], name: 'k_se_reshape' }), se);
  se = apply(tf.layers.conv2d({ filters: 4, kernelSize: 1, activation: 'relu', name: 'k_se_reduce' }), se);
  se = apply(tf.layers.conv2d({ filters: 8, kernelSize: 1, activation: 'sigmoid', name: 'k_se_expand' }), se);
  const gated = apply(tf.layers.multiply({ name: 'k_se_gate' }), [d, se]);
  let a = apply(
    tf.layers.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same', name: 'k_avg' }),
    gated,
  );
  a = apply(
    tf.layers.separableConv2d({
      filters: 8,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      name: 'k_sep',
    }),
    a,
  );
  let b = apply(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'k_max' }), gated); // 3×3
  b = apply(
    tf.layers.conv2dTranspose({ filters: 6, kernelSize: 2, strides: 2, activation: 'relu', name: 'k_tconv' }),
    b,
  ); // 6×6
  let c = apply(tf.layers.concatenate({ name: 'k_concat' }), [a, b]);
  c = apply(tf.layers.conv2d({ filters: 8, kernelSize: 1, name: 'k_mix' }), c);
  c = apply(tf.layers.add({ name: 'k_add' }), [c, gated]);
  c = apply(tf.layers.activation({ activation: 'swish', name: 'k_swish' }), c);
  c = apply(tf.layers.layerNormalization({ name: 'k_ln' }), c);
  c = apply(tf.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear', name: 'k_up_bilinear' }), c); // 12×12
  c = apply(
    tf.layers.conv2d({
      filters: 6,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'relu',
      name: 'k_conv2',
    }),
    c,
  ); // 6×6
  c = apply(tf.layers.upSampling2d({ size: [2, 2], name: 'k_up_nearest' }), c); // 12×12
  c = apply(
    tf.layers.cropping2D({
      cropping: [
        [1, 1],
        [2, 0],
      ],
      name: 'k_crop',
    }),
    c,
  ); // 10×10
  c = apply(tf.layers.globalAveragePooling2d({ name: 'k_gap' }), c);
  c = apply(tf.layers.dense({ units: 16, activation: 'relu', name: 'k_fc' }), c);
  c = apply(tf.layers.dropout({ rate: 0.3, name: 'k_drop' }), c);
  const out = apply(tf.layers.dense({ units: 5, name: 'k_logits' }), c);
  const model = tf.model({ inputs: input, outputs: out, name: 'kinds' });
  seedWeights(model, seed);
  return model;
}

/**
 * A ReLU network with many linear kinds (input `[12, 12, 3]`, 4 logits): every layer is affine, ReLU, a pooling, a
 * routing or a sum, so LRP-0 with the logit as output relevance equals Input × Gradient (an identity of such
 * networks): ZeroPadding2D, strided Conv2D, BatchNorm, a dilated DepthwiseConv2D, SeparableConv2D, MaxPooling2D
 * 3×3/2 `same`, AveragePooling2D `same`, Conv2DTranspose, UpSampling2D, Concatenate, Add, Flatten, Dense.
 */
export function reluModel(seed = 11): tf.LayersModel {
  const input = tf.input({ shape: [12, 12, 3] });
  let x = apply(tf.layers.zeroPadding2d({ padding: 1, name: 'r_pad' }), input); // 14×14
  x = apply(tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, name: 'r_conv1' }), x); // 6×6
  x = apply(tf.layers.batchNormalization({ name: 'r_bn' }), x);
  x = apply(tf.layers.activation({ activation: 'relu', name: 'r_relu1' }), x);
  let d = apply(
    tf.layers.depthwiseConv2d({
      kernelSize: 3,
      padding: 'same',
      dilationRate: 2,
      depthMultiplier: 2,
      activation: 'relu',
      name: 'r_dw',
    }),
    x,
  ); // 6×6×16
  d = apply(
    tf.layers.separableConv2d({
      filters: 8,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      name: 'r_sep',
    }),
    d,
  );
  let m = apply(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'r_max' }), d); // 3×3
  m = apply(
    tf.layers.conv2dTranspose({
      filters: 8,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'relu',
      name: 'r_tconv',
    }),
    m,
  ); // 6×6
  const a = apply(tf.layers.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same', name: 'r_avg' }), x);
  let s = apply(tf.layers.add({ name: 'r_add' }), [m, a]);
  s = apply(tf.layers.upSampling2d({ size: [2, 2], name: 'r_up' }), s); // 12×12
  const c = apply(tf.layers.concatenate({ name: 'r_concat' }), [s, input]);
  let y = apply(
    tf.layers.conv2d({ filters: 6, kernelSize: 3, strides: 3, activation: 'relu', name: 'r_conv2' }),
    c,
  ); // 4×4
  y = apply(tf.layers.flatten({ name: 'r_flatten' }), y);
  y = apply(tf.layers.dense({ units: 12, activation: 'relu', name: 'r_fc' }), y);
  const out = apply(tf.layers.dense({ units: 4, name: 'r_logits' }), y);
  const model = tf.model({ inputs: input, outputs: out, name: 'relu' });
  seedWeights(model, seed);
  return model;
}
