import type { AttributionSpec, RuleSpec } from '@xai-ts/testing';
import {
  AlphaBetaRule,
  Composite,
  EpsilonAlpha2Beta1,
  EpsilonAlpha2Beta1Flat,
  EpsilonGammaBox,
  EpsilonPlus,
  EpsilonPlusFlat,
  EpsilonRule,
  FlatRule,
  GammaRule,
  LayerMap,
  PassRule,
  type Rule,
  WSquareRule,
  ZBoxRule,
  ZeroRule,
  ZPlusRule,
} from '../src/index.js';

/** The rule a reference file names. */
export function ruleFromSpec(spec: RuleSpec): Rule {
  switch (spec.rule) {
    case 'zero':
      return new ZeroRule();
    case 'epsilon':
      return new EpsilonRule({ epsilon: spec.epsilon! });
    case 'gamma':
      return new GammaRule({ gamma: spec.gamma! });
    case 'wsquare':
      return new WSquareRule();
    case 'flat':
      return new FlatRule();
    case 'alphabeta':
      return new AlphaBetaRule({ alpha: spec.alpha!, beta: spec.beta! });
    case 'zplus':
      return new ZPlusRule();
    case 'zbox':
      return new ZBoxRule({ low: spec.low!, high: spec.high! });
    case 'pass':
      return new PassRule();
    default:
      throw new Error(`no rule for ${spec.rule}`);
  }
}

/** A composite with one LayerMap per entry of the reference's ruleMap (merged BatchNorms left out). */
export function compositeFromRuleMap(spec: AttributionSpec): Composite {
  return new Composite(
    ...Object.entries(spec.ruleMap!)
      .filter(([, r]) => r.rule !== 'merged')
      .map(([name, r]) => new LayerMap(name, ruleFromSpec(r))),
  );
}

/** The named preset of a reference attribution, or undefined for single-rule cases. */
export function presetFromSpec(spec: AttributionSpec): Composite | undefined {
  const c = spec.composite;
  if (!c) return undefined;
  switch (c.name) {
    case 'EpsilonGammaBox':
      return new EpsilonGammaBox({ low: c.low!, high: c.high!, epsilon: c.epsilon!, gamma: c.gamma! });
    case 'EpsilonPlus':
      return new EpsilonPlus({ epsilon: c.epsilon! });
    case 'EpsilonAlpha2Beta1':
      return new EpsilonAlpha2Beta1({ epsilon: c.epsilon! });
    case 'EpsilonPlusFlat':
      return new EpsilonPlusFlat({ epsilon: c.epsilon! });
    case 'EpsilonAlpha2Beta1Flat':
      return new EpsilonAlpha2Beta1Flat({ epsilon: c.epsilon! });
    default:
      throw new Error(`no preset ${c.name}`);
  }
}
