import * as tf from '@tensorflow/tfjs';
import { analyze } from '@xai-ts/base';
import { describe, expect, it } from 'vitest';
import {
  Composite,
  compositeFromSpec,
  EpsilonAlpha2Beta1,
  EpsilonGammaBox,
  EpsilonPlus,
  EpsilonPlusFlat,
  EpsilonRule,
  FirstLayerMap,
  FlatRule,
  GammaRule,
  LayerMap,
  LRP,
  ModelCheckError,
  PassRule,
  RangeMap,
  Rule,
  registerPreset,
  registerRule,
  ruleFromSpec,
  ZeroRule,
  ZPlusRule,
} from '../src/index.js';

// The decided semantics of SEMANTICS.md §11 and DESIGN.md, one test each.

type Sym = tf.SymbolicTensor;
const apply = (l: tf.layers.Layer, x: Sym | Sym[]) => l.apply(x) as Sym;

function rulesOf(model: tf.LayersModel, composite: Composite | Rule): string[] {
  const lrp = new LRP(model, composite);
  const out = lrp.layers.map((l, i) => `${l.name} => ${lrp.rules[i]}`);
  lrp.dispose();
  return out;
}

describe('decided semantics', () => {
  it('presets give LayerNormalization LayerNormRule', () => {
    const input = tf.input({ shape: [4, 6] });
    const h = apply(tf.layers.dense({ units: 6, name: 'ln_dense' }), input);
    const n = apply(tf.layers.layerNormalization({ name: 'ln' }), h);
    const out = apply(
      tf.layers.dense({ units: 3, name: 'ln_out' }),
      apply(tf.layers.flatten({ name: 'ln_flat' }), n),
    );
    const model = tf.model({ inputs: input, outputs: out });
    for (const preset of [
      new EpsilonPlus(),
      new EpsilonGammaBox({ low: -1, high: 1 }),
      new EpsilonAlpha2Beta1(),
    ])
      expect(rulesOf(model, preset)).toContain('ln => LayerNormRule()');
  });

  it('a residual Add splits with 1e-9 whatever rule the composite gives it (Epsilon 0.25 conserves there)', () => {
    const input = tf.input({ shape: [5] });
    const out = apply(tf.layers.add({ name: 'sum' }), [input, input]);
    const model = tf.model({ inputs: input, outputs: out });
    const lrp = new LRP(model, new EpsilonRule({ epsilon: 0.25 }));
    const x = tf.tensor2d([[0.3, -0.2, 1, 2, -1]]);
    const r = analyze(x, lrp, 2);
    // both inputs are x: each gets R ⊙ x / stab(2x, 1e-9) = R/2, so the input holds R, not R · 2x / (2x + 0.25)
    expect(Array.from(r.val.dataSync()).map((v) => Number(v.toFixed(6)))).toEqual([0, 0, 1, 0, 0]);
    r.dispose();
    lrp.dispose();
  });

  it('standalone tanh, sigmoid and elu are model-check errors; ReLU6 is explained as ReLU; swish and gelu pass', () => {
    const build = (activation: string) => {
      const input = tf.input({ shape: [4] });
      const h = apply(tf.layers.dense({ units: 4, name: `pre_${activation}` }), input);
      const a = apply(
        tf.layers.activation({ activation: activation as 'relu', name: `act_${activation}` }),
        h,
      );
      return tf.model({
        inputs: input,
        outputs: apply(tf.layers.dense({ units: 2, name: `out_${activation}` }), a),
      });
    };
    for (const activation of ['tanh', 'sigmoid', 'elu', 'softplus']) {
      expect(() => new LRP(build(activation), new EpsilonPlus()), activation).toThrow(ModelCheckError);
      expect(() => new LRP(build(activation), new EpsilonPlus()), activation).toThrow(
        new RegExp(`layer 1 "act_${activation}": the activation '${activation}' has no LRP rule`),
      );
    }
    // relu6: a unit above 6 passes its relevance (autodiff of relu6 would give 0 there)
    const input = tf.input({ shape: [3] });
    const r6 = apply(tf.layers.activation({ activation: 'relu6', name: 'r6' }), input);
    const model = tf.model({ inputs: input, outputs: r6 });
    const lrp = new LRP(model, new ZeroRule());
    const expl = analyze(tf.tensor2d([[8, 2, -1]]), lrp, 0);
    expect(expl.val.dataSync()[0]).toBeCloseTo(1, 6);
    expl.dispose();
    lrp.dispose();
    for (const activation of ['swish', 'gelu']) {
      const m = build(activation);
      const l = new LRP(m, new EpsilonPlus());
      expect(l.toString()).toMatch(
        new RegExp(`act_${activation}\\s+Activation\\s+=> ZeroRule\\(\\)\\s+\\(passes relevance\\)`),
      );
      l.dispose();
    }
  });

  it('first-layer maps look through leading ZeroPadding2D and GaussianNoise', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.zeroPadding2d({ inputShape: [6, 6, 3], padding: 1, name: 'fl_pad' }),
        tf.layers.gaussianNoise({ stddev: 0.1, name: 'fl_noise' }),
        tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', name: 'fl_conv' }),
        tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', name: 'fl_conv2' }),
        tf.layers.flatten({ name: 'fl_flat' }),
        tf.layers.dense({ units: 2, name: 'fl_out' }),
      ],
    });
    expect(rulesOf(model, new EpsilonPlusFlat()).slice(0, 4)).toEqual([
      'fl_pad => PassRule()',
      'fl_noise => PassRule()',
      'fl_conv => FlatRule()',
      'fl_conv2 => ZPlusRule()',
    ]);
    expect(rulesOf(model, new EpsilonGammaBox({ low: -2, high: 2 }))[2]).toBe(
      'fl_conv => ZBoxRule(low=-2, high=2)',
    );
    expect(rulesOf(model, new Composite(new FirstLayerMap(new FlatRule())))[2]).toBe('fl_conv => FlatRule()');
  });

  it('Conv2DTranspose and SeparableConv2D are convolutions: presets give them the convolution rule', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.separableConv2d({
          inputShape: [6, 6, 3],
          filters: 4,
          kernelSize: 3,
          activation: 'relu',
          name: 'sc',
        }),
        tf.layers.conv2dTranspose({ filters: 2, kernelSize: 2, strides: 2, activation: 'relu', name: 'tc' }),
        tf.layers.flatten({ name: 'sc_flat' }),
        tf.layers.dense({ units: 2, name: 'sc_out' }),
      ],
    });
    expect(rulesOf(model, new EpsilonPlus()).slice(0, 2)).toEqual(['sc => ZPlusRule()', 'tc => ZPlusRule()']);
    expect(rulesOf(model, new EpsilonGammaBox({ low: -1, high: 1 }))[0]).toBe(
      'sc => ZBoxRule(low=-1, high=1)',
    );
  });
});

describe('composites as in RelevancePropagation.jl', () => {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [4], units: 4, activation: 'relu', name: 'c0' }),
      tf.layers.dense({ units: 4, activation: 'relu', name: 'c1' }),
      tf.layers.dense({ units: 4, activation: 'relu', name: 'c2' }),
      tf.layers.dense({ units: 4, activation: 'relu', name: 'c3' }),
      tf.layers.dense({ units: 2, name: 'c4' }),
    ],
  });

  it('Composite(rule, ...primitives): a default rule, then overrides', () => {
    expect(rulesOf(model, new Composite(new EpsilonRule(), new LayerMap('c2', new GammaRule())))).toEqual([
      'c0 => EpsilonRule(epsilon=1e-6)',
      'c1 => EpsilonRule(epsilon=1e-6)',
      'c2 => GammaRule(gamma=0.25)',
      'c3 => EpsilonRule(epsilon=1e-6)',
      'c4 => EpsilonRule(epsilon=1e-6)',
    ]);
    expect(() => new Composite(new LayerMap('c2', new GammaRule()), new ZeroRule())).toThrow(
      /may only come first/,
    );
  });

  it('stepped ranges over layer indices', () => {
    expect(
      rulesOf(model, new Composite(new RangeMap([0, 4, 2], new ZPlusRule()))).map((r) => r.split(' => ')[1]),
    ).toEqual(['ZPlusRule()', 'ZeroRule()', 'ZPlusRule()', 'ZeroRule()', 'ZPlusRule()']);
    expect(() => rulesOf(model, new Composite(new RangeMap([0, 4, 0], new ZPlusRule())))).toThrow(/step/);
  });

  it('rules and presets register by name and come back from specs', () => {
    class HalfPass extends Rule {
      toString() {
        return 'HalfPass()';
      }
      override isCompatible() {
        return true;
      }
      override prepare() {
        return {
          propagate: ({ relevance }: { relevance: tf.Tensor }) => [tf.mul(relevance, 0.5)],
          dispose: () => {},
        };
      }
      override toSpec() {
        return { rule: 'HalfPass' };
      }
    }
    registerRule('HalfPass', { options: [], create: () => new HalfPass() });
    expect(String(ruleFromSpec({ rule: 'HalfPass' }))).toBe('HalfPass()');
    registerPreset('AllHalf', { options: [], create: () => new Composite(new HalfPass()) });
    expect(rulesOf(model, compositeFromSpec({ preset: 'AllHalf' }))[0]).toBe('c0 => HalfPass()');
    // every built-in rule's spec builds an equal rule
    for (const rule of [
      new ZeroRule(),
      new EpsilonRule({ epsilon: 0.1 }),
      new GammaRule({ gamma: 0.5 }),
      new PassRule(),
      new ZPlusRule(),
      new FlatRule(),
    ])
      expect(String(ruleFromSpec(rule.toSpec!()!))).toBe(String(rule));
  });
});
