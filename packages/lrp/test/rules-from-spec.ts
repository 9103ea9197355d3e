import type { AttributionSpec, RuleSpec as ReferenceRule } from '@xai-ts/testing';
import {
  ruleFromSpec as buildRule,
  type Composite,
  compositeFromSpec,
  type PresetName,
  type PresetSpecOptions,
  type Rule,
  type RuleSpec,
} from '../src/index.js';

// The reference files name rules in Zennit's words ('epsilon', 'zplus', ...): translated to the composite specs of
// @xai-ts/lrp, the tests build them with the package's own compositeFromSpec / ruleFromSpec.

/** The rule spec of @xai-ts/lrp for a rule of a reference file. */
export function toRuleSpec(r: ReferenceRule): RuleSpec {
  switch (r.rule) {
    case 'zero':
      return { rule: 'ZeroRule' };
    case 'epsilon':
      return { rule: 'EpsilonRule', epsilon: r.epsilon! };
    case 'gamma':
      return { rule: 'GammaRule', gamma: r.gamma! };
    case 'wsquare':
      return { rule: 'WSquareRule' };
    case 'flat':
      return { rule: 'FlatRule' };
    case 'alphabeta':
      return { rule: 'AlphaBetaRule', alpha: r.alpha!, beta: r.beta! };
    case 'zplus':
      return { rule: 'ZPlusRule' };
    case 'zbox':
      return { rule: 'ZBoxRule', low: r.low!, high: r.high! };
    case 'pass':
      return { rule: 'PassRule' };
    case 'layernorm':
      return { rule: 'LayerNormRule' };
    case 'generalizedgamma':
      return { rule: 'GeneralizedGammaRule', gamma: r.gamma! };
    default:
      throw new Error(`no rule for ${r.rule}`);
  }
}

/** The rule a reference file names. */
export function ruleFromSpec(spec: ReferenceRule): Rule {
  return buildRule(toRuleSpec(spec));
}

/** A composite with one LayerMap per entry of the reference's ruleMap (merged BatchNorms left out). */
export function compositeFromRuleMap(spec: AttributionSpec): Composite {
  const rules = Object.entries(spec.ruleMap!)
    .filter(([, r]) => r.rule !== 'merged')
    .map(([name, r]) => [name, toRuleSpec(r)] as const);
  return compositeFromSpec({ rules: Object.fromEntries(rules) });
}

/** The named preset of a reference attribution, or undefined for single-rule cases. */
export function presetFromSpec(spec: AttributionSpec): Composite | undefined {
  const c = spec.composite;
  if (!c) return undefined;
  const options: PresetSpecOptions = Object.fromEntries(
    (['epsilon', 'gamma', 'low', 'high'] as const).filter((k) => c[k] !== undefined).map((k) => [k, c[k]]),
  );
  return compositeFromSpec({ preset: c.name as PresetName, options });
}
