import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { analyze } from '@xai-ts/base';
import { caseNames, compareAttribution, loadCase } from '@xai-ts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gradient, InputTimesGradient } from '../src/index.js';

// Every gradient attribution of every reference case (the tests take each case file there is), on cpu and on wasm.
for (const backend of ['cpu', 'wasm'] as const) {
  describe(`on ${backend}`, () => {
    beforeAll(async () => {
      await tf.setBackend(backend);
      await tf.ready();
    });
    afterAll(async () => {
      await tf.setBackend('cpu');
    });

    describe.each(caseNames())('reference case %s', (name) => {
      const ref = loadCase(name);
      const specs = ref.spec.attributions.filter(
        (a) => a.method === 'gradient' || a.method === 'inputxgradient',
      );
      it.each(specs.map((s) => s.id))('%s passes its tolerance', (id) => {
        expect(tf.getBackend()).toBe(backend);
        const model = ref.buildModel();
        const { spec, expected } = ref.attribution(id);
        const analyzer = spec.method === 'gradient' ? new Gradient(model) : new InputTimesGradient(model);
        const input = ref.input();
        const selection = ref.selection(spec);
        const expl = analyze(input, analyzer, selection);
        expect(expl.outputSelection).toEqual(spec.selectedIndices);
        expect(expl.heatmap).toBe(spec.method === 'gradient' ? 'sensitivity' : 'attribution');
        const result = compareAttribution(expl.val, spec, expected);
        expect(result.pass, result.message).toBe(true);
        expl.dispose();
        input.dispose();
        analyzer.dispose();
        if (typeof selection === 'object' && 'dispose' in selection)
          (selection as { dispose(): void }).dispose();
        model.dispose();
      });

      it('the output is the model output', () => {
        const model = ref.buildModel();
        const input = ref.input();
        const gradient = new Gradient(model);
        const expl = analyze(input, gradient);
        const logits = ref.logits();
        expect(tf.max(tf.abs(tf.sub(expl.output, logits))).dataSync()[0]).toBeLessThan(1e-4);
        tf.dispose([input, logits]);
        expl.dispose();
        gradient.dispose();
        model.dispose();
      });
    });
  });
}
