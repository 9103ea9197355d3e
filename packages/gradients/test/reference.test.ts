import * as tf from '@tensorflow/tfjs';
import { analyze } from '@xai-ts/base';
import { type CaseName, compareAttribution, loadCase } from '@xai-ts/testing';
import { describe, expect, it } from 'vitest';
import { Gradient, InputTimesGradient } from '../src/index.js';

const cases: CaseName[] = ['mlp', 'cnn', 'cnn_bn'];
const ids = ['gradient-max', 'gradient-class7', 'inputxgradient-max', 'inputxgradient-class7'];

describe.each(cases)('reference case %s', (name) => {
  const ref = loadCase(name);
  const model = ref.buildModel();
  it.each(ids)('%s passes its tolerance', (id) => {
    const { spec, expected } = ref.attribution(id);
    const analyzer = spec.method === 'gradient' ? new Gradient(model) : new InputTimesGradient(model);
    const input = ref.input();
    const expl = analyze(input, analyzer, spec.outputSelection === 'max' ? undefined : spec.outputSelection);
    expect(expl.outputSelection).toEqual(spec.selectedIndices);
    expect(expl.heatmap).toBe(spec.method === 'gradient' ? 'sensitivity' : 'attribution');
    const result = compareAttribution(expl.val, spec, expected);
    expect(result.pass, result.message).toBe(true);
    expl.dispose();
    input.dispose();
  });
  it('the output is the model output', () => {
    const input = ref.input();
    const expl = analyze(input, new Gradient(model));
    const logits = ref.logits();
    expect(tf.max(tf.abs(tf.sub(expl.output, logits))).dataSync()[0]).toBeLessThan(1e-4);
    tf.dispose([input, logits]);
    expl.dispose();
  });
});
