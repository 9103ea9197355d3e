import { XaiError } from '@xai-ts/base';
import { Composite, type CompositePrimitive, GlobalMap, LayerMap } from './composite.js';
import {
  EpsilonAlpha2Beta1,
  EpsilonAlpha2Beta1Flat,
  EpsilonGammaBox,
  EpsilonPlus,
  EpsilonPlusFlat,
} from './presets.js';
import { EpsilonRule, FlatRule, GammaRule, PassRule, WSquareRule, ZeroRule } from './rules/basic.js';
import { LayerNormRule } from './rules/layernorm.js';
import { AlphaBetaRule, GeneralizedGammaRule, ZBoxRule, ZPlusRule } from './rules/multipass.js';
import type { Rule } from './rules/rule.js';

// Composites as plain data: what can cross to a worker (a Web Worker, a worker thread) or be read from a JSON file.

/**
 * A composite or rule spec does not describe anything that can be built: an unknown preset or rule, an unknown
 * option, or a value of the wrong type or range.
 *
 * @example
 * ```ts
 * try {
 *   compositeFromSpec({ preset: 'EpsilonPlusFlatt' as PresetName });
 * } catch (e) {
 *   // CompositeSpecError: unknown preset "EpsilonPlusFlatt"; use one of EpsilonGammaBox, EpsilonPlus, ...
 *   if (e instanceof CompositeSpecError) console.error(e.message);
 * }
 * ```
 */
export class CompositeSpecError extends XaiError {
  override name = 'CompositeSpecError';
}

/**
 * A rule as plain data, so it can cross to a worker or be stored as JSON: the rule's class name and its numeric options, as in
 * `{ rule: 'EpsilonRule', epsilon: 0.25 }` or `{ rule: 'AlphaBetaRule', alpha: 2, beta: 1 }`.
 *
 * @example
 * ```ts
 * const rule: RuleSpec = { rule: 'ZBoxRule', low: -3, high: 3 };
 * ```
 */
export type RuleSpec =
  | { readonly rule: 'ZeroRule' | 'FlatRule' | 'WSquareRule' | 'PassRule' | 'ZPlusRule' | 'LayerNormRule' }
  | { readonly rule: 'EpsilonRule'; readonly epsilon?: number }
  | { readonly rule: 'GammaRule' | 'GeneralizedGammaRule'; readonly gamma?: number }
  | { readonly rule: 'AlphaBetaRule'; readonly alpha?: number; readonly beta?: number }
  | { readonly rule: 'ZBoxRule'; readonly low: number; readonly high: number };

/**
 * The names of the presets a {@link CompositeSpec} can start from.
 *
 * @example
 * ```ts
 * const preset: PresetName = 'EpsilonAlpha2Beta1Flat';
 * ```
 */
export type PresetName =
  | 'EpsilonGammaBox'
  | 'EpsilonPlus'
  | 'EpsilonAlpha2Beta1'
  | 'EpsilonPlusFlat'
  | 'EpsilonAlpha2Beta1Flat';

/** Options of a preset in a {@link CompositeSpec}: `epsilon` for every preset; EpsilonGammaBox needs `low`, `high`. */
export interface PresetSpecOptions {
  /** ε of the EpsilonRule on dense layers; default 1e-6. */
  readonly epsilon?: number;
  /** EpsilonGammaBox: γ on convolutions; default 0.25. */
  readonly gamma?: number;
  /** EpsilonGammaBox: the lowest input value (ZBox on the first layer). */
  readonly low?: number;
  /** EpsilonGammaBox: the highest input value. */
  readonly high?: number;
}

/**
 * A composite as plain data, so it can cross to a worker or be stored as JSON. Rules apply from the weakest to the strongest: `default`
 * (instead of ZeroRule where nothing else matches), then the `preset`, then `rules` (by layer name). At least one
 * must be given.
 *
 * @example
 * ```ts
 * const spec: CompositeSpec = { preset: 'EpsilonPlusFlat', rules: { fc2: { rule: 'EpsilonRule', epsilon: 0.1 } } };
 * ```
 */
export interface CompositeSpec {
  /** A preset of @xai-ts/lrp by name. */
  readonly preset?: PresetName;
  /** The preset's options. */
  readonly options?: PresetSpecOptions;
  /** Rules for single layers, by layer name; they override the preset. */
  readonly rules?: Readonly<Record<string, RuleSpec>>;
  /** The rule for every layer nothing else matches (default ZeroRule). */
  readonly default?: RuleSpec;
}

const PRESETS: readonly PresetName[] = [
  'EpsilonGammaBox',
  'EpsilonPlus',
  'EpsilonAlpha2Beta1',
  'EpsilonPlusFlat',
  'EpsilonAlpha2Beta1Flat',
];

const RULE_OPTIONS: Readonly<Record<RuleSpec['rule'], readonly string[]>> = {
  ZeroRule: [],
  FlatRule: [],
  WSquareRule: [],
  PassRule: [],
  ZPlusRule: [],
  LayerNormRule: [],
  EpsilonRule: ['epsilon'],
  GammaRule: ['gamma'],
  GeneralizedGammaRule: ['gamma'],
  AlphaBetaRule: ['alpha', 'beta'],
  ZBoxRule: ['low', 'high'],
};

function isRecord(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkNumbers(where: string, value: Record<string, unknown>, allowed: readonly string[]): void {
  for (const [key, v] of Object.entries(value)) {
    if (key === 'rule') continue;
    if (!allowed.includes(key))
      throw new CompositeSpecError(
        `${where}: unknown option "${key}"; ${allowed.length ? `it takes ${allowed.join(', ')}` : 'it takes no options'}`,
      );
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new CompositeSpecError(
        `${where}: option "${key}" must be a finite number, got ${JSON.stringify(v)}`,
      );
  }
}

function wrap<T>(where: string, make: () => T): T {
  try {
    return make();
  } catch (e) {
    if (e instanceof CompositeSpecError) throw e;
    throw new CompositeSpecError(`${where}: ${(e as Error).message}`);
  }
}

/**
 * Builds the rule a {@link RuleSpec} describes.
 *
 * @throws {@link CompositeSpecError} for an unknown rule, an unknown option, or a value the rule rejects
 *
 * @example
 * ```ts
 * ruleFromSpec({ rule: 'GammaRule', gamma: 0.5 }); // GammaRule(gamma=0.5)
 * ```
 */
export function ruleFromSpec(spec: RuleSpec, where = 'rule'): Rule {
  if (!isRecord(spec) || typeof spec.rule !== 'string' || !(spec.rule in RULE_OPTIONS))
    throw new CompositeSpecError(
      `${where}: ${JSON.stringify(spec)} is not a rule spec; give { rule: <name>, ...options } with a name from ${Object.keys(RULE_OPTIONS).join(', ')}`,
    );
  const at = `${where} (${spec.rule})`;
  checkNumbers(at, spec as unknown as Record<string, unknown>, RULE_OPTIONS[spec.rule]);
  return wrap(at, () => {
    switch (spec.rule) {
      case 'ZeroRule':
        return new ZeroRule();
      case 'FlatRule':
        return new FlatRule();
      case 'WSquareRule':
        return new WSquareRule();
      case 'PassRule':
        return new PassRule();
      case 'ZPlusRule':
        return new ZPlusRule();
      case 'LayerNormRule':
        return new LayerNormRule();
      case 'EpsilonRule':
        return new EpsilonRule(spec.epsilon === undefined ? {} : { epsilon: spec.epsilon });
      case 'GammaRule':
        return new GammaRule(spec.gamma === undefined ? {} : { gamma: spec.gamma });
      case 'GeneralizedGammaRule':
        return new GeneralizedGammaRule(spec.gamma === undefined ? {} : { gamma: spec.gamma });
      case 'AlphaBetaRule':
        return new AlphaBetaRule({
          ...(spec.alpha === undefined ? {} : { alpha: spec.alpha }),
          ...(spec.beta === undefined ? {} : { beta: spec.beta }),
        });
      case 'ZBoxRule':
        if (spec.low === undefined || spec.high === undefined)
          throw new CompositeSpecError('ZBoxRule needs both low and high');
        return new ZBoxRule({ low: spec.low, high: spec.high });
    }
  });
}

function presetFromSpec(name: PresetName, options: PresetSpecOptions = {}): Composite {
  const where = `preset ${name}`;
  if (!isRecord(options)) throw new CompositeSpecError(`${where}: options must be an object`);
  const eps = options.epsilon === undefined ? {} : { epsilon: options.epsilon };
  if (name === 'EpsilonGammaBox') {
    checkNumbers(where, options as Record<string, unknown>, ['epsilon', 'gamma', 'low', 'high']);
    const { low, high, gamma } = options;
    if (low === undefined || high === undefined)
      throw new CompositeSpecError(`${where} needs options.low and options.high (the input's value range)`);
    return wrap(
      where,
      () => new EpsilonGammaBox({ low, high, ...eps, ...(gamma === undefined ? {} : { gamma }) }),
    );
  }
  checkNumbers(where, options as Record<string, unknown>, ['epsilon']);
  return wrap(where, () => {
    switch (name) {
      case 'EpsilonPlus':
        return new EpsilonPlus(eps);
      case 'EpsilonAlpha2Beta1':
        return new EpsilonAlpha2Beta1(eps);
      case 'EpsilonPlusFlat':
        return new EpsilonPlusFlat(eps);
      case 'EpsilonAlpha2Beta1Flat':
        return new EpsilonAlpha2Beta1Flat(eps);
    }
  });
}

/**
 * Builds the composite a {@link CompositeSpec} describes. Layer names in `rules` are checked against the model when
 * the `LRP` analyzer is built (a `CompositeError` names the layers the model has).
 *
 * @throws {@link CompositeSpecError} for an unknown preset or rule, or options of the wrong kind
 *
 * @example
 * ```ts
 * const lrp = new LRP(model, compositeFromSpec({ preset: 'EpsilonPlusFlat' }));
 * ```
 */
export function compositeFromSpec(spec: CompositeSpec): Composite {
  if (!isRecord(spec))
    throw new CompositeSpecError(`a composite spec must be an object such as { preset: 'EpsilonPlusFlat' }`);
  for (const key of Object.keys(spec))
    if (!['preset', 'options', 'rules', 'default'].includes(key))
      throw new CompositeSpecError(
        `composite spec: unknown key "${key}"; use preset, options, rules and default`,
      );
  if (spec.options !== undefined && spec.preset === undefined)
    throw new CompositeSpecError('composite spec: options belong to a preset; name the preset too');
  if (spec.preset === undefined && spec.rules === undefined && spec.default === undefined)
    throw new CompositeSpecError('a composite spec needs a preset, rules or a default rule');
  if (spec.preset !== undefined && !PRESETS.includes(spec.preset))
    throw new CompositeSpecError(`unknown preset "${String(spec.preset)}"; use one of ${PRESETS.join(', ')}`);
  if (spec.preset !== undefined && spec.rules === undefined && spec.default === undefined)
    return presetFromSpec(spec.preset, spec.options);
  const primitives: CompositePrimitive[] = [];
  if (spec.default !== undefined) primitives.push(new GlobalMap(ruleFromSpec(spec.default, 'default')));
  if (spec.preset !== undefined) primitives.push(...presetFromSpec(spec.preset, spec.options).primitives);
  if (spec.rules !== undefined) {
    if (!isRecord(spec.rules))
      throw new CompositeSpecError('composite spec: rules must map layer names to rule specs');
    for (const [layer, rule] of Object.entries(spec.rules))
      primitives.push(new LayerMap(layer, ruleFromSpec(rule, `rules["${layer}"]`)));
  }
  return new Composite(...primitives);
}
