import {
  CompositeSpecError,
  checkOptions,
  isRecord,
  type RuleSpec,
  ruleFromSpec,
  wrapSpec,
} from '../rules/spec.js';
import { Composite, type CompositePrimitive, GlobalMap, LayerMap } from './composite.js';
import {
  EpsilonAlpha2Beta1,
  EpsilonAlpha2Beta1Flat,
  EpsilonGammaBox,
  EpsilonPlus,
  EpsilonPlusFlat,
} from './presets.js';

// Composites as plain data: what can cross to a worker (a Web Worker, a worker thread) or be read from a JSON file.

/**
 * The names of the built-in presets. {@link registerPreset} adds others.
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

/** Options of a preset in a {@link CompositeSpec}: `epsilon` for every built-in preset; EpsilonGammaBox needs `low`, `high`. */
export interface PresetSpecOptions {
  /** ε of the EpsilonRule on dense layers; default 1e-6. */
  readonly epsilon?: number;
  /** EpsilonGammaBox: γ on convolutions; default 0.25. */
  readonly gamma?: number;
  /** EpsilonGammaBox: the lowest input value (ZBox on the first layer). */
  readonly low?: number;
  /** EpsilonGammaBox: the highest input value. */
  readonly high?: number;
  /** Options of registered presets. */
  readonly [option: string]: number | undefined;
}

/**
 * A composite as plain data, so it can cross to a worker or be stored as JSON. Rules apply from the weakest to the
 * strongest: `default` (instead of ZeroRule where nothing else matches), then the `preset`, then `rules` (by layer
 * name). At least one must be given.
 *
 * @example
 * ```ts
 * const spec: CompositeSpec = { preset: 'EpsilonPlusFlat', rules: { fc2: { rule: 'EpsilonRule', epsilon: 0.1 } } };
 * ```
 */
export interface CompositeSpec {
  /** A preset by name (built in, or registered with {@link registerPreset}). */
  readonly preset?: PresetName | (string & {});
  /** The preset's options. */
  readonly options?: PresetSpecOptions;
  /** Rules for single layers, by layer name; they override the preset. */
  readonly rules?: Readonly<Record<string, RuleSpec>>;
  /** The rule for every layer nothing else matches (default ZeroRule). */
  readonly default?: RuleSpec;
}

/**
 * How {@link registerPreset} builds a preset from its spec's options.
 *
 * @example
 * ```ts
 * const factory: PresetFactory = { options: ['epsilon'], create: (o) => new EpsilonPlus(o) };
 * ```
 */
export interface PresetFactory {
  /** The option names the preset takes (numbers). */
  readonly options: readonly string[];
  /** The options it cannot do without. */
  readonly required?: readonly string[];
  /** Builds the composite. */
  create(options: Readonly<Record<string, number>>): Composite;
}

const presets = new Map<string, PresetFactory>([
  [
    'EpsilonGammaBox',
    {
      options: ['epsilon', 'gamma', 'low', 'high'],
      required: ['low', 'high'],
      create: (o) => new EpsilonGammaBox({ ...o, low: o.low!, high: o.high! }),
    },
  ],
  ['EpsilonPlus', { options: ['epsilon'], create: (o) => new EpsilonPlus(o) }],
  ['EpsilonAlpha2Beta1', { options: ['epsilon'], create: (o) => new EpsilonAlpha2Beta1(o) }],
  ['EpsilonPlusFlat', { options: ['epsilon'], create: (o) => new EpsilonPlusFlat(o) }],
  ['EpsilonAlpha2Beta1Flat', { options: ['epsilon'], create: (o) => new EpsilonAlpha2Beta1Flat(o) }],
]);

/**
 * Registers a preset under a name, so composite specs (worker pools, the CLI) can name it. The built-in presets are
 * registered under their class names.
 *
 * @example
 * ```ts
 * registerPreset('AllEpsilon', { options: ['epsilon'], create: ({ epsilon }) => new Composite(new EpsilonRule({ epsilon })) });
 * compositeFromSpec({ preset: 'AllEpsilon', options: { epsilon: 0.1 } });
 * ```
 */
export function registerPreset(name: string, factory: PresetFactory): void {
  if (typeof name !== 'string' || !name) throw new CompositeSpecError('registerPreset needs a name');
  presets.set(name, factory);
}

/**
 * The registered preset names.
 *
 * @example
 * ```ts
 * presetNames(); // ['EpsilonGammaBox', 'EpsilonPlus', ...]
 * ```
 */
export function presetNames(): string[] {
  return [...presets.keys()];
}

/**
 * Builds a registered preset with its options.
 *
 * @throws {@link CompositeSpecError} for an unknown preset or options it does not take
 *
 * @example
 * ```ts
 * presetFromSpec('EpsilonGammaBox', { low: -3, high: 3 });
 * ```
 */
export function presetFromSpec(name: string, options: PresetSpecOptions = {}): Composite {
  const factory = presets.get(name);
  if (!factory)
    throw new CompositeSpecError(
      `unknown preset "${String(name)}"; use one of ${presetNames().join(', ')}, or register it with registerPreset('${String(name)}', …)`,
    );
  const where = `preset ${name}`;
  if (!isRecord(options as unknown)) throw new CompositeSpecError(`${where}: options must be an object`);
  const checked = checkOptions(where, options, factory.options, factory.required);
  return wrapSpec(where, () => factory.create(checked));
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
  if (!isRecord(spec as unknown))
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
  const preset = spec.preset === undefined ? undefined : presetFromSpec(spec.preset, spec.options);
  if (preset && spec.rules === undefined && spec.default === undefined) return preset;
  const primitives: CompositePrimitive[] = [];
  if (spec.default !== undefined) primitives.push(new GlobalMap(ruleFromSpec(spec.default, 'default')));
  if (preset) primitives.push(...preset.primitives);
  if (spec.rules !== undefined) {
    if (!isRecord(spec.rules))
      throw new CompositeSpecError('composite spec: rules must map layer names to rule specs');
    for (const [layer, rule] of Object.entries(spec.rules))
      primitives.push(new LayerMap(layer, ruleFromSpec(rule as RuleSpec, `rules["${layer}"]`)));
  }
  return new Composite(...primitives);
}
