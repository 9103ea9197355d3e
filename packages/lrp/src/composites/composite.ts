import { TYPE_GROUPS, type TypeGroup } from '@xai-ts/engine';
import { CompositeError } from '../errors.js';
import { ZeroRule } from '../rules/basic.js';
import { Rule } from '../rules/rule.js';

/** What composites know about a layer when they assign rules. */
export interface LayerInfo {
  /** 0-based index in execution order (InputLayer excluded). */
  readonly index: number;
  /** The layer's name. */
  readonly name: string;
  /** The Keras class name, for example `Conv2D`. */
  readonly className: string;
  /** The layer's type groups. */
  readonly groups: readonly TypeGroup[];
  /** The layer's activation: fused (`activation: 'relu'`) or that of an Activation layer; undefined otherwise. */
  readonly activation: string | undefined;
  /**
   * Whether the layer only moves or preprocesses values (padding, cropping, reshaping, dropout and noise, Rescaling,
   * Normalization): first-layer maps look through such layers at the start of a model.
   */
  readonly transparent: boolean;
}

/** A layer reference: its name or its 0-based index. */
export type LayerRef = string | number;

/**
 * What a type map matches: a type group (`conv`, `dense`, `pooling`, ...), a Keras class name (`Conv2D`), or a
 * predicate on the layer.
 */
export type TypeKey = TypeGroup | string | ((layer: LayerInfo) => boolean);

/** A type map: the first entry whose key matches a layer gives its rule. */
export type TypeMap = readonly (readonly [TypeKey, Rule])[];

/**
 * One step of a composite: assigns rules to some layers, or leaves them alone (returns undefined).
 * RelevancePropagation.jl's composite primitives.
 */
export interface CompositePrimitive {
  /** The rule this primitive gives the layer, or undefined to leave it. */
  ruleFor(layer: LayerInfo, layers: readonly LayerInfo[]): Rule | undefined;
  /** Throws a {@link CompositeError} when the primitive names layers the model does not have. */
  validate?(layers: readonly LayerInfo[]): void;
  /** How the primitive prints. */
  toString(): string;
}

function resolveRef(ref: LayerRef, layers: readonly LayerInfo[], what: string): number {
  if (typeof ref === 'number') {
    if (!Number.isInteger(ref) || ref < 0 || ref >= layers.length)
      throw new CompositeError(
        `${what}: layer index ${ref} is out of range; the model has ${layers.length} layers (0..${layers.length - 1}, InputLayer excluded)`,
      );
    return ref;
  }
  const found = layers.find((l) => l.name === ref);
  if (!found)
    throw new CompositeError(
      `${what}: the model has no layer named "${ref}"; its layers are ${layers.map((l) => l.name).join(', ')}`,
    );
  return found.index;
}

function matches(key: TypeKey, layer: LayerInfo): boolean {
  if (typeof key === 'function') return key(layer);
  if ((TYPE_GROUPS as readonly string[]).includes(key)) return layer.groups.includes(key as TypeGroup);
  return layer.className === key;
}

function firstMatch(map: TypeMap, layer: LayerInfo): Rule | undefined {
  for (const [key, rule] of map) if (matches(key, layer)) return rule;
  return undefined;
}

function showMap(map: TypeMap): string {
  return map.map(([k, r]) => `${typeof k === 'function' ? k.name || '<predicate>' : k} => ${r}`).join(', ');
}

/**
 * Every layer gets `rule`.
 *
 * @example
 * ```ts
 * new Composite(new GlobalMap(new EpsilonRule()));
 * ```
 */
export class GlobalMap implements CompositePrimitive {
  /** @param rule - the rule for every layer */
  constructor(readonly rule: Rule) {}
  /** {@inheritDoc CompositePrimitive.ruleFor} */
  ruleFor(): Rule {
    return this.rule;
  }
  /** {@inheritDoc CompositePrimitive.toString} */
  toString(): string {
    return `GlobalMap(${this.rule})`;
  }
}

/**
 * One layer, by name or 0-based index, gets `rule`.
 *
 * @example
 * ```ts
 * new LayerMap('dense_2', new EpsilonRule({ epsilon: 1e-5 }));
 * ```
 */
export class LayerMap implements CompositePrimitive {
  /** @param layer - name or index; @param rule - its rule */
  constructor(
    readonly layer: LayerRef,
    readonly rule: Rule,
  ) {}
  /** {@inheritDoc CompositePrimitive.validate} */
  validate(layers: readonly LayerInfo[]): void {
    resolveRef(this.layer, layers, this.toString());
  }
  /** {@inheritDoc CompositePrimitive.ruleFor} */
  ruleFor(layer: LayerInfo, layers: readonly LayerInfo[]): Rule | undefined {
    return layer.index === resolveRef(this.layer, layers, this.toString()) ? this.rule : undefined;
  }
  /** {@inheritDoc CompositePrimitive.toString} */
  toString(): string {
    return `LayerMap(${JSON.stringify(this.layer)}, ${this.rule})`;
  }
}

/**
 * An inclusive range of layers, by names or 0-based indices: `[first, last]`, or `[first, last, step]` for every
 * `step`-th layer from `first` (Julia's `first:step:last`).
 *
 * @example
 * ```ts
 * const everyOther: LayerRange = [0, 10, 2];
 * ```
 */
export type LayerRange = readonly [LayerRef, LayerRef] | readonly [LayerRef, LayerRef, number];

function inRange(range: LayerRange, layer: LayerInfo, layers: readonly LayerInfo[], what: string): boolean {
  const from = resolveRef(range[0], layers, what);
  const to = resolveRef(range[1], layers, what);
  const step = range[2] ?? 1;
  if (!Number.isInteger(step) || step < 1)
    throw new CompositeError(`${what}: the step must be a positive integer, got ${String(step)}`);
  if (from > to) throw new CompositeError(`${what}: the range is empty (${from} > ${to})`);
  return layer.index >= from && layer.index <= to && (layer.index - from) % step === 0;
}

/**
 * The layers of an inclusive range get `rule`.
 *
 * @example
 * ```ts
 * new RangeMap([0, 3], new GammaRule());
 * new RangeMap([1, 9, 2], new EpsilonRule()); // layers 1, 3, 5, 7, 9
 * ```
 */
export class RangeMap implements CompositePrimitive {
  /** @param range - `[first, last]`, inclusive; @param rule - their rule */
  constructor(
    readonly range: LayerRange,
    readonly rule: Rule,
  ) {}
  /** {@inheritDoc CompositePrimitive.validate} */
  validate(layers: readonly LayerInfo[]): void {
    if (layers.length) inRange(this.range, layers[0]!, layers, this.toString());
  }
  /** {@inheritDoc CompositePrimitive.ruleFor} */
  ruleFor(layer: LayerInfo, layers: readonly LayerInfo[]): Rule | undefined {
    return inRange(this.range, layer, layers, this.toString()) ? this.rule : undefined;
  }
  /** {@inheritDoc CompositePrimitive.toString} */
  toString(): string {
    return `RangeMap(${JSON.stringify(this.range)}, ${this.rule})`;
  }
}

/**
 * The index of a model's first layer for first-layer maps: the first layer that does not only move or preprocess
 * values (Keras Applications start with a ZeroPadding2D, some with Rescaling and Normalization), or -1.
 */
export function firstLayerIndex(layers: readonly LayerInfo[]): number {
  const first = layers.find((l) => !l.transparent);
  return first ? first.index : -1;
}

/**
 * The first layer gets `rule`: the first one that computes something, after any leading layers that only move or
 * preprocess values (ZeroPadding2D, Cropping2D, Reshape, Dropout, GaussianNoise, Rescaling, Normalization).
 *
 * @example
 * ```ts
 * new FirstLayerMap(new FlatRule());
 * ```
 */
export class FirstLayerMap implements CompositePrimitive {
  /** @param rule - the first layer's rule */
  constructor(readonly rule: Rule) {}
  /** {@inheritDoc CompositePrimitive.ruleFor} */
  ruleFor(layer: LayerInfo, layers: readonly LayerInfo[]): Rule | undefined {
    return layer.index === firstLayerIndex(layers) ? this.rule : undefined;
  }
  /** {@inheritDoc CompositePrimitive.toString} */
  toString(): string {
    return `FirstLayerMap(${this.rule})`;
  }
}

/**
 * The last layer gets `rule`.
 *
 * @example
 * ```ts
 * new LastLayerMap(new ZeroRule());
 * ```
 */
export class LastLayerMap implements CompositePrimitive {
  /** @param rule - the last layer's rule */
  constructor(readonly rule: Rule) {}
  /** {@inheritDoc CompositePrimitive.ruleFor} */
  ruleFor(layer: LayerInfo, layers: readonly LayerInfo[]): Rule | undefined {
    return layer.index === layers.length - 1 ? this.rule : undefined;
  }
  /** {@inheritDoc CompositePrimitive.toString} */
  toString(): string {
    return `LastLayerMap(${this.rule})`;
  }
}

/**
 * Every layer gets the rule of the first matching entry of the type map.
 *
 * @example
 * ```ts
 * new GlobalTypeMap([['conv', new ZPlusRule()], ['dense', new EpsilonRule()]]);
 * ```
 */
export class GlobalTypeMap implements CompositePrimitive {
  /** @param map - `[type group | class name | predicate, rule]` entries; the first match wins */
  constructor(readonly map: TypeMap) {}
  /** {@inheritDoc CompositePrimitive.ruleFor} */
  ruleFor(layer: LayerInfo): Rule | undefined {
    return firstMatch(this.map, layer);
  }
  /** {@inheritDoc CompositePrimitive.toString} */
  toString(): string {
    return `GlobalTypeMap(${showMap(this.map)})`;
  }
}

/**
 * The layers of an inclusive range get the rule of the first matching entry of the type map.
 *
 * @example
 * ```ts
 * new RangeTypeMap([0, 4], [['conv', new GammaRule()]]);
 * ```
 */
export class RangeTypeMap implements CompositePrimitive {
  /** @param range - `[first, last]`, inclusive; @param map - the type map */
  constructor(
    readonly range: LayerRange,
    readonly map: TypeMap,
  ) {}
  /** {@inheritDoc CompositePrimitive.validate} */
  validate(layers: readonly LayerInfo[]): void {
    if (layers.length) inRange(this.range, layers[0]!, layers, this.toString());
  }
  /** {@inheritDoc CompositePrimitive.ruleFor} */
  ruleFor(layer: LayerInfo, layers: readonly LayerInfo[]): Rule | undefined {
    return inRange(this.range, layer, layers, this.toString()) ? firstMatch(this.map, layer) : undefined;
  }
  /** {@inheritDoc CompositePrimitive.toString} */
  toString(): string {
    return `RangeTypeMap(${JSON.stringify(this.range)}, ${showMap(this.map)})`;
  }
}

/**
 * The first layer (as {@link FirstLayerMap} finds it, looking through leading padding and preprocessing) gets the
 * rule of the first matching entry, if any matches.
 *
 * @example
 * ```ts
 * new FirstLayerTypeMap([['conv', new ZBoxRule({ low: -3, high: 3 })]]);
 * ```
 */
export class FirstLayerTypeMap implements CompositePrimitive {
  /** @param map - the type map */
  constructor(readonly map: TypeMap) {}
  /** {@inheritDoc CompositePrimitive.ruleFor} */
  ruleFor(layer: LayerInfo, layers: readonly LayerInfo[]): Rule | undefined {
    return layer.index === firstLayerIndex(layers) ? firstMatch(this.map, layer) : undefined;
  }
  /** {@inheritDoc CompositePrimitive.toString} */
  toString(): string {
    return `FirstLayerTypeMap(${showMap(this.map)})`;
  }
}

/**
 * The first `n` layers get the rule of the first matching entry.
 *
 * @example
 * ```ts
 * new FirstNTypeMap(3, [['conv', new FlatRule()]]);
 * ```
 */
export class FirstNTypeMap implements CompositePrimitive {
  /** @param n - how many layers from the start; @param map - the type map */
  constructor(
    readonly n: number,
    readonly map: TypeMap,
  ) {
    if (!Number.isInteger(n) || n < 1) throw new CompositeError(`FirstNTypeMap needs n ≥ 1, got ${n}`);
  }
  /** {@inheritDoc CompositePrimitive.ruleFor} */
  ruleFor(layer: LayerInfo): Rule | undefined {
    return layer.index < this.n ? firstMatch(this.map, layer) : undefined;
  }
  /** {@inheritDoc CompositePrimitive.toString} */
  toString(): string {
    return `FirstNTypeMap(${this.n}, ${showMap(this.map)})`;
  }
}

/**
 * The last layer gets the rule of the first matching entry, if any matches.
 *
 * @example
 * ```ts
 * new LastLayerTypeMap([['dense', new EpsilonRule()]]);
 * ```
 */
export class LastLayerTypeMap implements CompositePrimitive {
  /** @param map - the type map */
  constructor(readonly map: TypeMap) {}
  /** {@inheritDoc CompositePrimitive.ruleFor} */
  ruleFor(layer: LayerInfo, layers: readonly LayerInfo[]): Rule | undefined {
    return layer.index === layers.length - 1 ? firstMatch(this.map, layer) : undefined;
  }
  /** {@inheritDoc CompositePrimitive.toString} */
  toString(): string {
    return `LastLayerTypeMap(${showMap(this.map)})`;
  }
}

/**
 * An ordered list of primitives that assigns one rule to every layer (RelevancePropagation.jl's `Composite`).
 * Layers start with ZeroRule, or with the rule given first (LRP.jl's `Composite(GlobalRule, primitives...)`); each
 * primitive in turn may override the rule of the layers it matches, so later primitives win.
 *
 * @example
 * ```ts
 * new Composite(
 *   new GlobalTypeMap([['conv', new ZPlusRule()], ['dense', new EpsilonRule()]]),
 *   new LayerMap('dense_2', new EpsilonRule({ epsilon: 1e-5 })),
 * );
 * new Composite(new EpsilonRule(), new FirstLayerMap(new FlatRule())); // a default rule, then overrides
 * ```
 */
export class Composite {
  /** The primitives, in order (a leading default rule appears as a GlobalMap). */
  readonly primitives: readonly CompositePrimitive[];
  /** @param primitives - a default rule (first only) and primitives, applied in order; later ones override earlier ones */
  constructor(...primitives: (CompositePrimitive | Rule)[]) {
    this.primitives = primitives.map((p, i) => {
      if (p instanceof Rule) {
        if (i > 0)
          throw new CompositeError(
            `Composite: a rule may only come first (the default for every layer); wrap ${p} at position ${i} in a primitive such as new GlobalMap(rule) or new LayerMap(layer, rule)`,
          );
        return new GlobalMap(p);
      }
      if (typeof p?.ruleFor !== 'function')
        throw new CompositeError(
          `Composite: argument ${i} (${String(p)}) is neither a rule nor a composite primitive such as GlobalTypeMap`,
        );
      return p;
    });
  }
  /** Assigns a rule to every layer. @throws {@link CompositeError} for primitives naming unknown layers */
  resolve(layers: readonly LayerInfo[]): Rule[] {
    for (const p of this.primitives) p.validate?.(layers);
    const fallback = new ZeroRule();
    return layers.map((layer) => {
      let rule: Rule = fallback;
      for (const p of this.primitives) rule = p.ruleFor(layer, layers) ?? rule;
      return rule;
    });
  }
  /** {@inheritDoc CompositePrimitive.toString} */
  toString(): string {
    return `Composite(${this.primitives.join(', ')})`;
  }
}
