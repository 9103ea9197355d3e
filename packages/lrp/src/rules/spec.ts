import { XaiError } from '@xai-ts/base';
import { EpsilonRule, FlatRule, GammaRule, PassRule, WSquareRule, ZeroRule } from './basic.js';
import { LayerNormRule } from './layernorm.js';
import { AlphaBetaRule, GeneralizedGammaRule, ZBoxRule, ZPlusRule } from './multipass.js';
import type { Rule } from './rule.js';

/**
 * A composite, preset or rule spec does not describe anything that can be built: an unknown name, an unknown
 * option, or a value of the wrong type or range.
 *
 * @example
 * ```ts
 * try {
 *   ruleFromSpec({ rule: 'EpsilonRul' });
 * } catch (e) {
 *   if (e instanceof CompositeSpecError) console.error(e.message); // unknown rule "EpsilonRul"; use one of ...
 * }
 * ```
 */
export class CompositeSpecError extends XaiError {
  override name = 'CompositeSpecError';
}

/**
 * A rule as plain data, so it can cross to a worker or be stored as JSON: the rule's registered name and its numeric
 * options, as in `{ rule: 'EpsilonRule', epsilon: 0.25 }` or `{ rule: 'AlphaBetaRule', alpha: 2, beta: 1 }`.
 *
 * @example
 * ```ts
 * const rule: RuleSpec = { rule: 'ZBoxRule', low: -3, high: 3 };
 * ```
 */
export interface RuleSpec {
  /** The name the rule is registered under (its class name for the built-in rules). */
  readonly rule: string;
  /** Its options (finite numbers). */
  readonly [option: string]: unknown;
}

/**
 * How {@link registerRule} builds a rule from its spec's options.
 *
 * @example
 * ```ts
 * const factory: RuleFactory = { options: ['k'], create: ({ k = 2 }) => new MyRule(k) };
 * ```
 */
export interface RuleFactory {
  /** The option names the rule takes (numbers). */
  readonly options: readonly string[];
  /** The options it cannot do without. */
  readonly required?: readonly string[];
  /** Builds the rule; may throw (an `LRPOptionError`, say) for values it rejects. */
  create(options: Readonly<Record<string, number>>): Rule;
}

const rules = new Map<string, RuleFactory>([
  ['ZeroRule', { options: [], create: () => new ZeroRule() }],
  ['EpsilonRule', { options: ['epsilon'], create: (o) => new EpsilonRule(o) }],
  ['GammaRule', { options: ['gamma'], create: (o) => new GammaRule(o) }],
  ['WSquareRule', { options: [], create: () => new WSquareRule() }],
  ['FlatRule', { options: [], create: () => new FlatRule() }],
  ['PassRule', { options: [], create: () => new PassRule() }],
  ['ZPlusRule', { options: [], create: () => new ZPlusRule() }],
  ['AlphaBetaRule', { options: ['alpha', 'beta'], create: (o) => new AlphaBetaRule(o) }],
  [
    'ZBoxRule',
    {
      options: ['low', 'high'],
      required: ['low', 'high'],
      create: (o) => new ZBoxRule({ low: o.low!, high: o.high! }),
    },
  ],
  ['GeneralizedGammaRule', { options: ['gamma'], create: (o) => new GeneralizedGammaRule(o) }],
  ['LayerNormRule', { options: [], create: () => new LayerNormRule() }],
]);

/**
 * Registers a rule under a name, so specs can name it (`{ rule: name, ...options }`): composites as plain data,
 * worker pools (register it in the worker too), the CLI. The built-in rules are registered under their class names.
 *
 * @example
 * ```ts
 * registerRule('HalfEpsilon', { options: ['epsilon'], create: ({ epsilon = 1e-6 }) => new EpsilonRule({ epsilon: epsilon / 2 }) });
 * ruleFromSpec({ rule: 'HalfEpsilon', epsilon: 0.5 });
 * ```
 */
export function registerRule(name: string, factory: RuleFactory): void {
  if (typeof name !== 'string' || !name) throw new CompositeSpecError('registerRule needs a name');
  rules.set(name, factory);
}

/**
 * The registered rule names.
 *
 * @example
 * ```ts
 * ruleNames().includes('ZPlusRule'); // true
 * ```
 */
export function ruleNames(): string[] {
  return [...rules.keys()];
}

/** Checks a spec's options against what a factory takes: known names, finite numbers, the required ones present. */
export function checkOptions(
  where: string,
  value: Readonly<Record<string, unknown>>,
  allowed: readonly string[],
  required: readonly string[] = [],
  skip: readonly string[] = [],
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, v] of Object.entries(value)) {
    if (skip.includes(key) || v === undefined) continue;
    if (!allowed.includes(key))
      throw new CompositeSpecError(
        `${where}: unknown option "${key}"; ${allowed.length ? `it takes ${allowed.join(', ')}` : 'it takes no options'}`,
      );
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new CompositeSpecError(
        `${where}: option "${key}" must be a finite number, got ${JSON.stringify(v)}`,
      );
    out[key] = v;
  }
  const missing = required.filter((k) => out[k] === undefined);
  if (missing.length)
    throw new CompositeSpecError(
      `${where} needs ${required.map((k) => `"${k}"`).join(' and ')} (missing: ${missing.join(', ')})`,
    );
  return out;
}

/** Runs `make`, turning what it throws into a {@link CompositeSpecError} that says where. */
export function wrapSpec<T>(where: string, make: () => T): T {
  try {
    return make();
  } catch (e) {
    if (e instanceof CompositeSpecError) throw e;
    throw new CompositeSpecError(`${where}: ${(e as Error).message}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Builds the rule a {@link RuleSpec} describes, from the registered rules.
 *
 * @throws {@link CompositeSpecError} for an unknown rule, an unknown option, or a value the rule rejects
 *
 * @example
 * ```ts
 * ruleFromSpec({ rule: 'GammaRule', gamma: 0.5 }); // GammaRule(gamma=0.5)
 * ```
 */
export function ruleFromSpec(spec: RuleSpec, where = 'rule'): Rule {
  if (!isRecord(spec) || typeof spec.rule !== 'string')
    throw new CompositeSpecError(
      `${where}: ${JSON.stringify(spec)} is not a rule spec; give { rule: <name>, ...options } with a name from ${ruleNames().join(', ')}`,
    );
  const factory = rules.get(spec.rule);
  if (!factory)
    throw new CompositeSpecError(
      `${where}: unknown rule "${spec.rule}"; use one of ${ruleNames().join(', ')}, or register it with registerRule('${spec.rule}', …)`,
    );
  const at = `${where} (${spec.rule})`;
  const options = checkOptions(at, spec, factory.options, factory.required, ['rule']);
  return wrapSpec(at, () => factory.create(options));
}

export { isRecord };
