import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { analyze } from '@xai-ts/base';
import { canonize } from '@xai-ts/canonize';
import { type CaseName, compareAttribution, loadCase } from '@xai-ts/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { LRP } from '../src/index.js';
import { compositeFromRuleMap } from './rules-from-spec.js';

// The same parity as reference.test.ts, on the WASM backend (its kernels differ from the cpu backend's).
beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

for (const name of ['mlp', 'cnn', 'cnn_bn', 'cnn_nobias'] as CaseName[]) {
  describe(`reference case ${name} on wasm`, () => {
    it('every LRP attribution passes its tolerance', () => {
      expect(tf.getBackend()).toBe('wasm');
      const c = loadCase(name);
      const model = c.buildModel();
      const canonized = c.spec.attributions.some((a) => a.canonize) ? canonize(model) : undefined;
      const x = c.input();
      const failures: string[] = [];
      for (const a of c.spec.attributions.filter((s) => s.method === 'lrp')) {
        const lrp = new LRP(a.canonize ? canonized! : model, compositeFromRuleMap(a), {
          normalizeOutputRelevance: a.outputRelevance === 'onehot',
        });
        const expl = analyze(x, lrp, a.outputSelection === 'max' ? undefined : a.outputSelection);
        const cmp = compareAttribution(expl.val, a, c.attribution(a.id).expected);
        if (!cmp.pass) failures.push(cmp.message);
        expl.dispose();
        lrp.dispose();
      }
      expect(failures).toEqual([]);
    });
  });
}

describe('max pooling on wasm', () => {
  it("routes to each window's first maximum where the maximum is ≤ 0 (TF.js's wasm MaxPoolGrad does not)", async () => {
    const { layerSupport } = await import('../src/layers.js');
    const layer = tf.layers.maxPooling2d({ poolSize: 2 });
    // windows (2×2, row-major): {-1,-2,0,0} → index 8; {-3,-4,0,0} → 10; {1,2,-5,-1} → 5; {3,0,0,-2} → 6
    const a = tf.tensor4d([-1, -2, -3, -4, 1, 2, 3, 0, 0, 0, 0, 0, -5, -1, 0, -2], [1, 2, 8, 1]);
    const s = tf.ones([1, 1, 4, 1]);
    const support = layerSupport('MaxPooling2D');
    if (support?.kind !== 'function' || !support.vjp) throw new Error('MaxPooling2D has no vjp');
    const [routed] = support.vjp(layer, [a], s);
    expect(Array.from(routed!.dataSync())).toEqual([0, 0, 0, 0, 0, 1, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0]);
    tf.dispose([a, s, routed!]);
  });
});
