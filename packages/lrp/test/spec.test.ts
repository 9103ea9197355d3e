import { loadCase } from '@xai-ts/testing';
import { describe, expect, it } from 'vitest';
import {
  CompositeSpecError,
  compositeFromSpec,
  EpsilonAlpha2Beta1,
  EpsilonAlpha2Beta1Flat,
  EpsilonGammaBox,
  EpsilonPlus,
  EpsilonPlusFlat,
  LRP,
  ruleFromSpec,
} from '../src/index.js';

const cnn = loadCase('cnn');

function rulesOf(composite: ConstructorParameters<typeof LRP>[1]): string[] {
  const model = cnn.buildModel();
  const lrp = new LRP(model, composite);
  const rules = lrp.rules.map(String);
  lrp.dispose();
  model.dispose();
  return rules;
}

describe('compositeFromSpec', () => {
  it.each([
    ['EpsilonPlus', new EpsilonPlus()],
    ['EpsilonPlusFlat', new EpsilonPlusFlat()],
    ['EpsilonAlpha2Beta1', new EpsilonAlpha2Beta1()],
    ['EpsilonAlpha2Beta1Flat', new EpsilonAlpha2Beta1Flat({ epsilon: 0.5 })],
  ] as const)('gives the rules of the preset %s', (preset, composite) => {
    const options = preset === 'EpsilonAlpha2Beta1Flat' ? { epsilon: 0.5 } : undefined;
    expect(rulesOf(compositeFromSpec({ preset, ...(options ? { options } : {}) }))).toEqual(
      rulesOf(composite),
    );
  });

  it('gives EpsilonGammaBox its box and gamma', () => {
    const spec = compositeFromSpec({ preset: 'EpsilonGammaBox', options: { low: -2, high: 2, gamma: 0.5 } });
    expect(rulesOf(spec)).toEqual(rulesOf(new EpsilonGammaBox({ low: -2, high: 2, gamma: 0.5 })));
  });

  it('lets rules override the preset and default stand in for ZeroRule', () => {
    const rules = rulesOf(
      compositeFromSpec({
        preset: 'EpsilonPlus',
        rules: {
          conv2d_2: { rule: 'GammaRule', gamma: 0.5 },
          dense_2: { rule: 'EpsilonRule', epsilon: 0.1 },
        },
        default: { rule: 'EpsilonRule', epsilon: 0.01 },
      }),
    );
    const preset = rulesOf(new EpsilonPlus());
    // cnn: conv2d_1, max_pooling2d_1, conv2d_2, average_pooling2d_1, flatten_1, dense_1, dropout_1, dense_2
    expect(rules[0]).toBe(preset[0]);
    expect(rules[1]).toMatch(/^EpsilonRule\(epsilon=0\.01\)$/); // pools get no preset rule: the default
    expect(rules[2]).toMatch(/^GammaRule\(gamma=0\.5\)$/);
    expect(rules[7]).toMatch(/^EpsilonRule\(epsilon=0\.1\)$/);
  });

  it('builds every rule with its options', () => {
    expect(String(ruleFromSpec({ rule: 'AlphaBetaRule', alpha: 1, beta: 0 }))).toMatch(/AlphaBeta.*1.*0/);
    expect(String(ruleFromSpec({ rule: 'ZBoxRule', low: -1, high: 1 }))).toMatch(/ZBox/);
    for (const rule of [
      'ZeroRule',
      'FlatRule',
      'WSquareRule',
      'PassRule',
      'ZPlusRule',
      'LayerNormRule',
    ] as const)
      expect(String(ruleFromSpec({ rule }))).toMatch(rule.replace('Rule', ''));
    expect(String(ruleFromSpec({ rule: 'GeneralizedGammaRule', gamma: 0.3 }))).toMatch(/0\.3/);
  });

  it.each([
    [{ preset: 'Epsilon' }, /unknown preset "Epsilon"; use one of EpsilonGammaBox/],
    [{}, /needs a preset, rules or a default rule/],
    [{ preset: 'EpsilonPlus', extra: 1 }, /unknown key "extra"/],
    [{ options: { epsilon: 1 } }, /options belong to a preset/],
    [
      { preset: 'EpsilonGammaBox', options: { low: 0 } },
      /EpsilonGammaBox needs "low" and "high" \(missing: high\)/,
    ],
    [{ preset: 'EpsilonPlus', options: { gamma: 1 } }, /unknown option "gamma"; it takes epsilon/],
    [{ preset: 'EpsilonPlus', options: { epsilon: '1' } }, /"epsilon" must be a finite number, got "1"/],
    [{ rules: { a: { rule: 'Nope' } } }, /rules\["a"\]: unknown rule "Nope"; use one of ZeroRule, /],
    [{ rules: { a: { nope: 1 } } }, /rules\["a"\]: .* is not a rule spec/],
    [
      { rules: { a: { rule: 'ZPlusRule', gamma: 1 } } },
      /rules\["a"\] \(ZPlusRule\): unknown option "gamma"; it takes no options/,
    ],
    [{ default: { rule: 'EpsilonRule', epsilon: -1 } }, /default \(EpsilonRule\): .*epsilon/],
    [{ rules: { a: { rule: 'AlphaBetaRule', alpha: 3, beta: 1 } } }, /alpha − beta = 1/],
    [{ rules: { a: { rule: 'ZBoxRule', low: 0 } } }, /\(ZBoxRule\) needs "low" and "high"/],
  ])('rejects %j', (spec, message) => {
    expect(() => compositeFromSpec(spec as never)).toThrow(CompositeSpecError);
    expect(() => compositeFromSpec(spec as never)).toThrow(message);
  });
});
