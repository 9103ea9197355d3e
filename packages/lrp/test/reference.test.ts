import * as tf from '@tensorflow/tfjs';
import { analyze } from '@xai-ts/base';
import { canonize } from '@xai-ts/canonize';
import { caseNames, compareAttribution, loadCase } from '@xai-ts/testing';
import { describe, expect, it } from 'vitest';
import { LRP } from '../src/index.js';
import { compositeFromRuleMap, presetFromSpec, ruleFromSpec } from './rules-from-spec.js';

for (const name of caseNames()) {
  describe(`reference case ${name}`, () => {
    const c = loadCase(name);
    const model = c.buildModel();
    const x = c.input();
    const lrpCases = c.spec.attributions.filter((a) => a.method === 'lrp' && !a.canonize);
    const canonizedCases = c.spec.attributions.filter((a) => a.method === 'lrp' && a.canonize);
    const canonized = canonizedCases.length ? canonize(model) : undefined;

    for (const a of canonizedCases) {
      it(`${a.id} matches the reference on canonize(model), with the preset or the rule map`, () => {
        const { expected } = c.attribution(a.id);
        const normalizeOutputRelevance = a.outputRelevance === 'onehot';
        for (const composite of [presetFromSpec(a) ?? compositeFromRuleMap(a), compositeFromRuleMap(a)]) {
          const lrp = new LRP(canonized!, composite, { normalizeOutputRelevance });
          expect(lrp.layers.some((l) => l.className === 'BatchNormalization')).toBe(false);
          const expl = analyze(x, lrp, c.selection(a));
          expect(expl.outputSelection).toEqual(a.selectedIndices);
          const cmp = compareAttribution(expl.val, a, expected);
          expect(cmp.pass, cmp.message).toBe(true);
          expl.dispose();
          lrp.dispose();
        }
      });
    }

    it('the analyzer forward pass reproduces the logits', () => {
      const lrp = new LRP(model);
      const ours = tf.tidy(() => lrp.forward(x).output);
      const ref = model.predict(x) as tf.Tensor;
      expect(tf.max(tf.abs(tf.sub(ours, ref))).dataSync()[0]).toBeLessThan(1e-5);
      tf.dispose([ours, ref]);
      lrp.dispose();
    });

    for (const a of lrpCases) {
      it(`${a.id} matches the reference`, () => {
        const { expected } = c.attribution(a.id);
        const lrp = new LRP(model, compositeFromRuleMap(a), {
          normalizeOutputRelevance: a.outputRelevance === 'onehot',
        });
        const expl = analyze(x, lrp, c.selection(a));
        expect(expl.outputSelection).toEqual(a.selectedIndices);
        const cmp = compareAttribution(expl.val, a, expected);
        expect(cmp.pass, cmp.message).toBe(true);
        expl.dispose();
        lrp.dispose();
      });

      it(`${a.id}: the ${a.composite ? `preset ${a.composite.name}` : 'rule'} assigns the reference's rules`, () => {
        const preset = presetFromSpec(a);
        const expected = Object.entries(a.ruleMap!)
          .filter(([, r]) => r.rule !== 'merged')
          .map(([layer, r]) => `${layer} => ${ruleFromSpec(r)}`);
        if (preset) {
          const lrp = new LRP(model, preset);
          expect(lrp.layers.map((l, i) => `${l.name} => ${lrp.rules[i]}`)).toEqual(expected);
          lrp.dispose();
        } else {
          // Single rules go on layers with weights; LRP.jl cannot give them to the rest, which get Epsilon/Zero.
          const rule = ruleFromSpec(a.rule!);
          const weighted = Object.entries(a.ruleMap!).filter(([n]) =>
            model
              .getLayer(n)
              .getClassName()
              .match(/Dense|Conv/),
          );
          for (const [, r] of weighted) expect(String(ruleFromSpec(r))).toBe(String(rule));
        }
      });
    }

    if (c.spec.conservation) {
      for (const cons of c.spec.conservation) {
        it(`${cons.id} conserves relevance on the bias-free model`, () => {
          const a = c.attribution(cons.id).spec;
          const lrp = new LRP(model, ruleFromSpec(a.rule!));
          const expl = analyze(x, lrp, c.selection(a));
          const sums = expl.val.reshape([expl.val.shape[0]!, -1]).sum(1).arraySync() as number[];
          sums.forEach((s, i) => {
            expect(Math.abs(s - 1)).toBeLessThanOrEqual(1e-4);
            expect(Math.abs(s - cons.inputRelevanceSumFloat32[i]!)).toBeLessThanOrEqual(1e-4);
          });
          expl.dispose();
          lrp.dispose();
        });
      }
    }
  });
}
