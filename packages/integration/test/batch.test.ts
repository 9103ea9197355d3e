import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { analyze } from '@xai-ts/base';
import { kindsModel } from '@xai-ts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everyAnalyzer } from './analyzers.js';

// A batch of 3 explained at once equals each sample explained alone, for every analyzer, on a model with nearly every
// layer kind (TF.js's own gradient through UpSampling2D mixes the samples of a batch on cpu; the engine's does not).
for (const backend of ['cpu', 'wasm'] as const) {
  describe(`batch of 3 vs each sample alone on ${backend}`, () => {
    beforeAll(async () => {
      await tf.setBackend(backend);
      await tf.ready();
    });
    afterAll(async () => {
      await tf.setBackend('cpu');
    });

    it('every analyzer, and nothing leaks', () => {
      expect(tf.getBackend()).toBe(backend);
      const model = kindsModel();
      const x = tf.randomNormal([3, 12, 12, 3], 0, 1, 'float32', 5);
      const before = tf.memory().numTensors;
      const failures: string[] = [];
      for (const make of everyAnalyzer(model, { conceptLayer: 'k_mix', camLayer: 'k_conv2' })) {
        const built = make();
        const batch = analyze(x, built.analyzer, 2);
        const rows = batch.val.shape[0]!;
        expect(rows, built.name).toBe(3 * built.perSample);
        for (let i = 0; i < 3; i++) {
          const xi = x.slice([i], [1]);
          const one = analyze(xi, built.analyzer, 2);
          const [diff, scale] = tf.tidy(() => {
            // feature-major rows: slot k of sample i is row k·3 + i in the batch, row k alone
            const picked = tf.concat(
              Array.from({ length: built.perSample }, (_, k) => batch.val.slice([k * 3 + i], [1])),
              0,
            );
            return [
              tf.max(tf.abs(tf.sub(picked, one.val))).dataSync()[0]!,
              tf.max(tf.abs(one.val)).dataSync()[0]!,
            ];
          });
          if (!(diff! <= 1e-5 * Math.max(scale!, 1e-6)))
            failures.push(`${built.name} sample ${i}: max |Δ| ${diff} (scale ${scale})`);
          expect(Number.isFinite(scale!), built.name).toBe(true);
          one.dispose();
          xi.dispose();
        }
        batch.dispose();
        built.dispose();
        expect(tf.memory().numTensors, `${built.name} leaks`).toBe(before);
      }
      expect(failures).toEqual([]);
      x.dispose();
      model.dispose();
    });
  });
}
