import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { caseDirectory, caseNames, loadCase } from '../src/index.js';

describe(`reference cases (${caseDirectory()})`, () => {
  it('finds every case, the shipped ones included', () => {
    expect(caseNames()).toEqual(expect.arrayContaining(['cnn', 'cnn_bn', 'mlp', 'mbv2_tiny', 'unet_tiny']));
  });

  for (const name of caseNames()) {
    it(`${name}: the rebuilt model reproduces the stored logits`, () => {
      const c = loadCase(name);
      const model = c.buildModel();
      const x = c.input();
      const ours = model.predict(x) as tf.Tensor;
      const ref = c.logits();
      const diff = tf.sub(ours, ref).abs().sub(ref.abs().mul(c.spec.tolerance.rtol)).max().dataSync()[0]!;
      expect(diff).toBeLessThanOrEqual(c.spec.tolerance.atol);
      tf.dispose([x, ours, ref]);
      model.dispose();
    });
  }
});
