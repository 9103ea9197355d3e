import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { analyze } from '@xai-ts/base';
import { Gradient, InputTimesGradient } from '@xai-ts/gradients';
import { LRP, ZeroRule } from '@xai-ts/lrp';
import { kindsModel, reluModel } from '@xai-ts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** max |a − b| / max |b|. */
function relative(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]! / tf.max(tf.abs(b)).dataSync()[0]!);
}

/**
 * The derivative of the selected logit along `direction`, by central differences in float32 with a step of `h`, and
 * the engine's gradient's component along it: they agree unless a VJP is wrong (or the step crosses a kink).
 */
function alongDirection(
  model: tf.LayersModel,
  x: tf.Tensor,
  grad: tf.Tensor,
  direction: tf.Tensor,
  k: number,
  h: number,
): { numeric: number[]; analytic: number[] } {
  return tf.tidy(() => {
    const n = x.shape[0]!;
    const d = tf.div(
      direction,
      tf.norm(direction.reshape([n, -1]), 2, 1).reshape([n, ...new Array(x.rank - 1).fill(1)]),
    );
    const f = (v: tf.Tensor) => (model.predict(v) as tf.Tensor).slice([0, k], [n, 1]).reshape([n]);
    const numeric = tf.div(tf.sub(f(tf.add(x, tf.mul(d, h))), f(tf.sub(x, tf.mul(d, h)))), 2 * h);
    const analytic = tf.sum(tf.mul(grad, d).reshape([n, -1]), 1);
    return { numeric: Array.from(numeric.dataSync()), analytic: Array.from(analytic.dataSync()) };
  });
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`reference-free identities on ${backend}`, () => {
    beforeAll(async () => {
      await tf.setBackend(backend);
      await tf.ready();
    });
    afterAll(async () => {
      await tf.setBackend('cpu');
    });

    it('on a ReLU network, LRP-0 with the logit as output relevance equals Input × Gradient', () => {
      expect(tf.getBackend()).toBe(backend);
      const model = reluModel();
      const x = tf.randomNormal([3, 12, 12, 3], 0, 1, 'float32', 21);
      const lrp = new LRP(model, new ZeroRule(), { normalizeOutputRelevance: false });
      const ixg = new InputTimesGradient(model);
      for (const k of [0, 3]) {
        const r = analyze(x, lrp, k);
        const g = analyze(x, ixg, k);
        expect(relative(r.val, g.val), `class ${k}`).toBeLessThan(1e-4);
        r.dispose();
        g.dispose();
      }
      lrp.dispose();
      ixg.dispose();
      x.dispose();
      model.dispose();
    });

    // A step that crosses a kink of ReLU, ReLU6 or a max (near some input) spoils the difference quotient for that
    // step only: the gradient must agree at one of several steps, down to where float32 round-off takes over.
    it('the gradient agrees with central differences along its own direction and along random ones', () => {
      for (const model of [reluModel(), kindsModel()]) {
        const x = tf.randomNormal([2, 12, 12, 3], 0, 1, 'float32', 22);
        const gradient = new Gradient(model);
        const expl = analyze(x, gradient, 1);
        for (const [what, direction] of [
          ['its own direction', expl.val.clone()],
          ['a random direction', tf.randomNormal(x.shape, 0, 1, 'float32', 23)],
        ] as const) {
          const best = [0, 1].map(() => Number.POSITIVE_INFINITY);
          for (const h of [3e-2, 1e-2, 3e-3, 1e-3]) {
            const { numeric, analytic } = alongDirection(model, x, expl.val, direction, 1, h);
            numeric.forEach((v, i) => {
              const scale = Math.max(Math.abs(analytic[i]!), 1e-3);
              best[i] = Math.min(best[i]!, Math.abs(v - analytic[i]!) / scale);
            });
          }
          best.forEach((err, i) => {
            expect(err, `${model.name}, ${what}, sample ${i}`).toBeLessThan(2e-3);
          });
          direction.dispose();
        }
        expl.dispose();
        gradient.dispose();
        x.dispose();
        model.dispose();
      }
    });
  });
}
