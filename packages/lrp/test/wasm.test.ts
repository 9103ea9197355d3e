import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { analyze } from '@xai-ts/base';
import { canonize } from '@xai-ts/canonize';
import { caseNames, compareAttribution, loadCase } from '@xai-ts/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { LRP } from '../src/index.js';
import { compositeFromRuleMap } from './rules-from-spec.js';

// The same parity as reference.test.ts, on the WASM backend (its kernels differ from the cpu backend's).
beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

for (const name of caseNames()) {
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
        const expl = analyze(x, lrp, c.selection(a));
        const cmp = compareAttribution(expl.val, a, c.attribution(a.id).expected);
        if (!cmp.pass) failures.push(cmp.message);
        expl.dispose();
        lrp.dispose();
      }
      expect(failures).toEqual([]);
    });
  });
}
