import * as tf from '@tensorflow/tfjs';
import { analyze, type Explanation, InputShapeError, OutputSelectionError } from '@xai-ts/base';
import { loadCase } from '@xai-ts/testing';
import { describe, expect, it } from 'vitest';
import {
  AugmentationError,
  GradCAM,
  type GradCAMExtras,
  GradCAMLayerError,
  InterpolationAugmentation,
  NoiseAugmentation,
} from '../src/index.js';
import { expectClose, expectNoLeak, randomTensor, setWeights } from './helpers.js';

const [H, W, C, K, U, O] = [5, 5, 2, 3, 4, 3]; // input 5×5×2, 3 filters 3×3 valid → 3×3×3, dense 4 relu, 3 logits

function small(): tf.LayersModel {
  const model = tf.sequential({
    name: 'small',
    layers: [
      tf.layers.conv2d({
        name: 'features',
        inputShape: [H, W, C],
        filters: K,
        kernelSize: 3,
        activation: 'relu',
      }),
      tf.layers.flatten({ name: 'flat' }),
      tf.layers.dense({ name: 'hidden', units: U, activation: 'relu' }),
      tf.layers.dense({ name: 'logits', units: O }),
    ],
  });
  setWeights(model, 17, 0.6);
  return model;
}

/** Grad-CAM of `small()` for one sample, computed by hand in float64. */
function handGradCAM(model: tf.LayersModel, x: number[], select?: number) {
  const [kernel, bias] = model
    .getLayer('features')
    .getWeights()
    .map((w) => Array.from(w.dataSync()));
  const [w1, b1] = model
    .getLayer('hidden')
    .getWeights()
    .map((w) => Array.from(w.dataSync()));
  const [w2, b2] = model
    .getLayer('logits')
    .getWeights()
    .map((w) => Array.from(w.dataSync()));
  const h = 3;
  // A[i][j][k] = relu(b_k + Σ x[i+di][j+dj][c] kernel[di][dj][c][k])
  const A: number[] = [];
  for (let i = 0; i < h; i++)
    for (let j = 0; j < h; j++)
      for (let k = 0; k < K; k++) {
        let z = bias![k]!;
        for (let di = 0; di < 3; di++)
          for (let dj = 0; dj < 3; dj++)
            for (let c = 0; c < C; c++)
              z += x[((i + di) * W + (j + dj)) * C + c]! * kernel![((di * 3 + dj) * C + c) * K + k]!;
        A.push(Math.max(0, z));
      }
  const z1 = Array.from({ length: U }, (_, u) => A.reduce((s, a, f) => s + a * w1![f * U + u]!, b1![u]!));
  const hid = z1.map((z) => Math.max(0, z));
  const logits = Array.from({ length: O }, (_, o) =>
    hid.reduce((s, v, u) => s + v * w2![u * O + o]!, b2![o]!),
  );
  const c = select ?? logits.indexOf(Math.max(...logits));
  // ∂logit_c/∂A_f = Σ_u W1[f,u] 1[z1_u > 0] W2[u,c]
  const dA = A.map((_, f) => z1.reduce((s, z, u) => s + (z > 0 ? w1![f * U + u]! * w2![u * O + c]! : 0), 0));
  const alpha = Array.from({ length: K }, (_, k) => {
    let s = 0;
    for (let p = 0; p < h * h; p++) s += dA[p * K + k]!;
    return s / (h * h);
  });
  const cam = Array.from({ length: h * h }, (_, p) =>
    Math.max(
      0,
      alpha.reduce((s, a, k) => s + a * A[p * K + k]!, 0),
    ),
  );
  // Bilinear upsampling with half-pixel centres: source = (out + 0.5) · h / H − 0.5, clamped to the map.
  const src = (o: number) => Math.min(h - 1, Math.max(0, ((o + 0.5) * h) / H - 0.5));
  const up: number[] = [];
  for (let r = 0; r < H; r++)
    for (let q = 0; q < W; q++) {
      const y = src(r);
      const xx = src(q);
      const [y0, x0] = [Math.floor(y), Math.floor(xx)];
      const [y1, x1] = [Math.min(h - 1, y0 + 1), Math.min(h - 1, x0 + 1)];
      const [fy, fx] = [y - y0, xx - x0];
      const at = (a: number, b: number) => cam[a * h + b]!;
      up.push(
        (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1)) + fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1)),
      );
    }
  return { c, alpha, cam, up };
}

describe('GradCAM', () => {
  it('matches a hand computation on a small model', () => {
    const model = small();
    const x = randomTensor([2, H, W, C], 31);
    const data = Array.from(x.dataSync());
    for (const selection of [undefined, 2]) {
      const expl = analyze(
        x,
        new GradCAM(model, { layer: 'features' }),
        selection,
      ) as Explanation<GradCAMExtras>;
      expect(expl.val.shape).toEqual([2, H, W, 1]);
      expect(expl.extras.cam.shape).toEqual([2, 3, 3, 1]);
      expect(expl.extras.channelWeights.shape).toEqual([2, K]);
      expect(expl.extras.layer).toBe('features');
      expect(expl.extras.layerIndex).toBe(0);
      expect(expl.heatmap).toBe('cam');
      const samples = [0, 1].map((s) =>
        handGradCAM(model, data.slice(s * H * W * C, (s + 1) * H * W * C), selection),
      );
      expect(expl.outputSelection).toEqual(samples.map((s) => s.c));
      expectClose(
        expl.extras.channelWeights.dataSync(),
        samples.flatMap((s) => s.alpha),
        1e-4,
        1e-6,
      );
      expectClose(
        expl.extras.cam.dataSync(),
        samples.flatMap((s) => s.cam),
        1e-4,
        1e-6,
      );
      expectClose(
        expl.val.dataSync(),
        samples.flatMap((s) => s.up),
        1e-4,
        1e-6,
      );
      expect(samples.some((s) => s.cam.some((v) => v > 0))).toBe(true);
      expl.dispose();
    }
    x.dispose();
  });

  it('takes the layer by index, counting nested models as LRP does', () => {
    const flat = small();
    const backbone = tf.sequential({
      name: 'backbone',
      layers: [
        tf.layers.conv2d({
          name: 'conv',
          inputShape: [H, W, C],
          filters: K,
          kernelSize: 3,
          activation: 'relu',
        }),
      ],
    });
    const input = tf.input({ shape: [H, W, C] });
    let y = backbone.apply(input) as tf.SymbolicTensor;
    y = tf.layers.flatten().apply(y) as tf.SymbolicTensor;
    y = tf.layers.dense({ units: U, activation: 'relu' }).apply(y) as tf.SymbolicTensor;
    y = tf.layers.dense({ units: O }).apply(y) as tf.SymbolicTensor;
    const nested = tf.model({ inputs: input, outputs: y });
    nested.setWeights(flat.getWeights());
    const x = randomTensor([1, H, W, C], 8);
    const a = analyze(x, new GradCAM(flat, { layer: 0 }), 1);
    const byIndex = new GradCAM(nested, { layer: 0 });
    expect(byIndex.layer).toBe('conv');
    const b = analyze(x, byIndex, 1);
    const c = analyze(x, new GradCAM(nested, { layer: 'conv' }), 1);
    expectClose(b.val.dataSync(), a.val.dataSync(), 1e-5, 1e-7);
    expectClose(c.val.dataSync(), a.val.dataSync(), 1e-5, 1e-7);
    for (const e of [a, b, c]) e.dispose();
    x.dispose();
  });

  it('routes the gradient through residual branches', () => {
    // y = dense(conv_b(A) + A) with A = conv1(x): the gradient at A must include both paths. Everything after A is
    // linear, so α has a closed form.
    const input = tf.input({ shape: [4, 4, 1] });
    const conv1 = tf.layers.conv2d({ name: 'conv1', filters: 2, kernelSize: 1, activation: 'relu' });
    const a = conv1.apply(input) as tf.SymbolicTensor;
    const b = tf.layers.conv2d({ filters: 2, kernelSize: 1 }).apply(a) as tf.SymbolicTensor;
    const sum = tf.layers.add().apply([a, b]) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 2 }).apply(tf.layers.flatten().apply(sum)) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    setWeights(model, 5);
    const x = tf.abs(randomTensor([1, 4, 4, 1], 6));
    const expl = analyze(x, new GradCAM(model, { layer: 'conv1' }), 0) as Explanation<GradCAMExtras>;
    // α by hand: ∂out_0/∂A = (I + W_b) applied to the dense weights of each position.
    const [wb] = model.layers[2]!.getWeights().map((w) => Array.from(w.dataSync())); // [1,1,2,2]
    const [wd] = model.layers[5]!.getWeights().map((w) => Array.from(w.dataSync())); // [32, 2]
    const alpha = [0, 1].map((k) => {
      let s = 0;
      for (let p = 0; p < 16; p++) {
        // d out_0 / d sum[p, m] = wd[(p*2+m)*2 + 0]; d sum[p,m] / d A[p,k] = δ_km + wb[k*2+m]
        for (let m = 0; m < 2; m++) s += wd![(p * 2 + m) * 2]! * ((k === m ? 1 : 0) + wb![k * 2 + m]!);
      }
      return s / 16;
    });
    expectClose(expl.extras.channelWeights.dataSync(), alpha, 1e-4, 1e-6);
    expl.dispose();
    x.dispose();
  });

  it.each([
    ['cnn', 'conv2d_2'],
    ['cnn_bn', 'activation_2'],
  ] as const)('runs the %s reference model layer by layer to its logits', (name, layer) => {
    const ref = loadCase(name);
    const x = ref.input();
    const logits = ref.logits();
    const expl = analyze(x, new GradCAM(ref.buildModel(), { layer })) as Explanation<GradCAMExtras>;
    expect(tf.max(tf.abs(tf.sub(expl.output, logits))).dataSync()[0]).toBeLessThan(1e-4);
    expect(expl.outputSelection).toEqual(ref.attribution('gradient-max').spec.selectedIndices);
    expect(expl.val.shape).toEqual([x.shape[0], 16, 16, 1]);
    expect(expl.extras.cam.shape).toEqual([x.shape[0], 8, 8, 1]);
    expl.dispose();
    tf.dispose([x, logits]);
  });

  it('explains a sample in a batch as alone and leaks nothing', () => {
    const model = small();
    const x = randomTensor([3, H, W, C], 12);
    const gc = new GradCAM(model, { layer: 'features' });
    const batch = analyze(x, gc);
    const x2 = x.slice([2], [1]);
    const alone = analyze(x2, gc);
    expectClose(alone.val.dataSync(), batch.val.slice([2], [1]).dataSync(), 1e-5, 1e-7);
    tf.dispose([x2]);
    batch.dispose();
    alone.dispose();
    expectNoLeak(() => analyze(x, gc).dispose());
    expectNoLeak(() => expect(() => analyze(x, gc, 3)).toThrow(OutputSelectionError));
    // Smoothed Grad-CAM: NoiseAugmentation averages maps of any shape.
    const smooth = new NoiseAugmentation(gc, { n: 3, std: 0.1, seed: 1 });
    expectNoLeak(() => {
      const e = analyze(x, smooth);
      expect(e.val.shape).toEqual([3, H, W, 1]);
      expect(e.heatmap).toBe('cam');
      e.dispose();
    });
    // InterpolationAugmentation needs maps of the input's shape.
    expectNoLeak(() =>
      expect(() => analyze(x, new InterpolationAugmentation(gc, { n: 2 }))).toThrow(AugmentationError),
    );
    x.dispose();
  });

  it('rejects unknown layers, indices out of range, layers without spatial axes, non-image models', () => {
    const model = small();
    expect(() => new GradCAM(model, { layer: 'conv9' })).toThrow(GradCAMLayerError);
    expect(() => new GradCAM(model, { layer: 'conv9' })).toThrow(
      /no layer "conv9"; its layers are 0 "features" \(Conv2D\), 1 "flat" \(Flatten\), 2 "hidden" \(Dense\), 3 "logits" \(Dense\)/,
    );
    for (const layer of [4, -1, 1.5])
      expect(() => new GradCAM(model, { layer })).toThrow(/out of range: model "small" has 4 layers/);
    expect(() => new GradCAM(model, { layer: 'hidden' })).toThrow(
      /layer "hidden" \(Dense, index 2\) outputs \[batch,4\]\. Layers with spatial outputs: 0 "features"/,
    );
    expect(() => new GradCAM(model, {} as { layer: string })).toThrow(/needs \{ layer \}/);
    const mlp = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 2 })] });
    expect(() => new GradCAM(mlp, { layer: 0 })).toThrow(InputShapeError);
  });
});
