import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { analyze, IndexedFeatures } from '@xai-ts/base';
import { canonize } from '@xai-ts/canonize';
import { compositeFromSpec, LRP } from '@xai-ts/lrp';
import { caseNames, compareAttribution, loadCase } from '@xai-ts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRP } from '../src/index.js';

// Every CRP attribution of every reference case (new case files are picked up as they arrive), on cpu and wasm.
const withCrp = caseNames().filter((name) =>
  loadCase(name).spec.attributions.some((a) => a.method === 'crp'),
);

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`CRP reference attributions on ${backend}`, () => {
    beforeAll(async () => {
      await tf.setBackend(backend);
      await tf.ready();
    });
    afterAll(async () => {
      await tf.setBackend('cpu');
    });

    it('there is at least one case with CRP attributions', () => {
      expect(withCrp.length).toBeGreaterThan(0);
    });

    describe.each(withCrp)('case %s', (name) => {
      const c = loadCase(name);
      it.each(c.spec.attributions.filter((a) => a.method === 'crp').map((a) => a.id))('%s', (id) => {
        expect(tf.getBackend()).toBe(backend);
        const { spec: a, expected } = c.attribution(id);
        const raw = c.buildModel();
        const model = a.canonize ? canonize(raw) : raw;
        const { name: preset, ...options } = a.composite!;
        const lrp = new LRP(model, compositeFromSpec({ preset, options }), {
          normalizeOutputRelevance: a.outputRelevance === 'onehot',
        });
        const crpSpec = a.crp!;
        const crp = new CRP(lrp, crpSpec.layer, new IndexedFeatures(...crpSpec.features));
        const x = c.input();
        const selection = c.selection(a);
        const expl = analyze(x, crp, selection);
        expect(expl.outputSelection).toEqual(a.selectedIndices);
        const ours = expl.val.reshape(expected.shape);
        const cmp = compareAttribution(ours, a, expected);
        expect(cmp.pass, cmp.message).toBe(true);
        tf.dispose([ours, x]);
        expl.dispose();
        lrp.dispose();
        if (typeof selection === 'object' && 'dispose' in selection)
          (selection as { dispose(): void }).dispose();
        if (model !== raw) model.dispose();
        raw.dispose();
      });
    });
  });
}
