import * as tf from '@tensorflow/tfjs';
import { loadCase, type StoredTensor } from '@xai-ts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonizeWithReport } from '../src/index.js';

// The cnn_bn reference case (the fixtures of @xai-ts/testing): its Keras model, weights, input and logits. The LRP
// parity on the canonized model lives in @xai-ts/lrp.

function expectClose(actual: tf.Tensor, expected: StoredTensor, tol: { rtol: number; atol: number }): void {
  const a = actual.dataSync();
  expect(Array.from(actual.shape)).toEqual(expected.shape);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const e = expected.data[i]!;
    worst = Math.max(worst, Math.abs(a[i]! - e) / (tol.atol + tol.rtol * Math.abs(e)));
  }
  expect(worst, 'largest |ours − ref| / (atol + rtol·|ref|)').toBeLessThanOrEqual(1);
}

describe('reference case cnn_bn', () => {
  const reference = loadCase('cnn_bn');
  const { spec, tensors } = reference;
  let model: tf.LayersModel;
  let input: tf.Tensor;
  beforeAll(() => {
    model = reference.buildModel();
    input = reference.input();
  });
  afterAll(() => {
    model.dispose();
    input.dispose();
  });

  it('the model built from the spec reproduces the stored logits', () => {
    tf.tidy(() => expectClose(model.predict(input) as tf.Tensor, tensors.get('logits')!, spec.tolerance));
  });

  it('the canonized model reproduces them too, with no BatchNormalization left', () => {
    const { model: canonical, folded, kept } = canonizeWithReport(model);
    expect(folded).toEqual([
      { batchNorm: 'batch_normalization_1', into: 'conv2d_1' },
      { batchNorm: 'batch_normalization_2', into: 'conv2d_2' },
    ]);
    expect(kept).toEqual([]);
    expect(canonical.layers.map((l) => l.getClassName())).not.toContain('BatchNormalization');
    tf.tidy(() => expectClose(canonical.predict(input) as tf.Tensor, tensors.get('logits')!, spec.tolerance));
    canonical.dispose();
  });

  it('folds with epsilon: the folded conv equals W·gamma/sqrt(var + eps) and (b − mean)·scale + beta', () => {
    const { model: canonical } = canonizeWithReport(model);
    const get = (n: string) => tensors.get(n)!.data;
    const [kernel, bias] = canonical
      .getLayer('conv2d_1')
      .getWeights()
      .map((w) => w.dataSync());
    const [w, b] = [get('conv2d_1/kernel'), get('conv2d_1/bias')];
    const [gamma, beta, mean, variance] = ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((k) =>
      get(`batch_normalization_1/${k}`),
    );
    const channels = 8;
    for (let c = 0; c < channels; c++) {
      const scale = gamma![c]! / Math.sqrt(variance![c]! + 1e-3);
      expect(bias![c]).toBeCloseTo((b[c]! - mean![c]!) * scale + beta![c]!, 5);
      for (let i = c; i < w.length; i += channels) expect(kernel![i]).toBeCloseTo(w[i]! * scale, 5);
    }
    canonical.dispose();
  });
});
