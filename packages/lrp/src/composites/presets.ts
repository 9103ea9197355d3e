import type * as tf from '@tensorflow/tfjs';
import { LRPOptionError } from '../errors.js';
import { finiteAtLeast, optionsOf } from '../options.js';
import { EpsilonRule, FlatRule, GammaRule, PassRule } from '../rules/basic.js';
import { LayerNormRule } from '../rules/layernorm.js';
import { AlphaBetaRule, checkBounds, ZBoxRule, ZPlusRule } from '../rules/multipass.js';
import type { Rule } from '../rules/rule.js';
import { Composite, FirstLayerTypeMap, GlobalTypeMap, type LayerInfo, type TypeMap } from './composite.js';

/** Options shared by the presets. */
export interface PresetOptions {
  /** ε of the EpsilonRule on dense layers; default 1e-6. */
  epsilon?: number;
}

/** Options of {@link EpsilonGammaBox}. */
export interface EpsilonGammaBoxOptions extends PresetOptions {
  /** Lowest input value for ZBox on the first layer. */
  low: number | tf.Tensor;
  /** Highest input value for ZBox on the first layer. */
  high: number | tf.Tensor;
  /** γ of the GammaRule on convolutions; default 0.25. */
  gamma?: number;
}

/** ε of a preset's EpsilonRule, checked: a finite number ≥ 0 (default 1e-6). */
function epsilonOf(owner: string, epsilon: unknown): number {
  return finiteAtLeast(owner, 'epsilon', epsilon ?? 1e-6, 0);
}

/** A preset's options (`{ epsilon }` only), checked. */
function presetEpsilon(owner: string, options: unknown): number {
  return epsilonOf(owner, optionsOf<PresetOptions>(owner, options, ['epsilon'], '{ epsilon: 1e-6 }').epsilon);
}

function isLinearActivation(layer: LayerInfo): boolean {
  return layer.className === 'Activation' && layer.activation === 'linear';
}

/**
 * LRP.jl's preset type map: convolutions get `conv`, Dense Epsilon, LayerNormalization LayerNormRule, the layers that
 * only pass values on (dropout, normalization, reshaping, linear activations) PassRule.
 */
function presetMap(conv: Rule, epsilon: number | undefined): TypeMap {
  return [
    ['conv', conv],
    ['dense', new EpsilonRule({ epsilon: epsilon ?? 1e-6 })],
    ['LayerNormalization', new LayerNormRule()],
    ['dropout', new PassRule()],
    ['normalization', new PassRule()],
    ['reshaping', new PassRule()],
    ['Concatenate', new PassRule()],
    [isLinearActivation, new PassRule()],
  ];
}

/**
 * Convolutions get GammaRule, Dense EpsilonRule, dropout, normalization and reshaping PassRule, LayerNormalization
 * LayerNormRule, the first layer (after any leading padding) — if it is a convolution — ZBoxRule(low, high); everything
 * else (pooling, upsampling, standalone ReLU) ZeroRule.
 *
 * @example
 * ```ts
 * new LRP(model, new EpsilonGammaBox({ low: -3, high: 3 }));
 * ```
 */
export class EpsilonGammaBox extends Composite {
  /** @param options - `{ low, high, epsilon = 1e-6, gamma = 0.25 }` */
  /**
   * @throws {@link LRPOptionError} when low or high is missing or not finite, low > high, epsilon or gamma is not a
   *   finite number ≥ 0, or an option is unknown
   */
  constructor(options: EpsilonGammaBoxOptions) {
    const owner = 'EpsilonGammaBox';
    if (options === undefined)
      throw new LRPOptionError(
        `${owner} needs { low, high }: the lowest and highest input values, for ZBoxRule on the first layer (such as { low: 0, high: 1 } for images in [0, 1])`,
      );
    const o = optionsOf<EpsilonGammaBoxOptions>(
      owner,
      options,
      ['low', 'high', 'epsilon', 'gamma'],
      '{ low: 0, high: 1 }',
    );
    const bounds = checkBounds(owner, { low: o.low, high: o.high });
    const gamma = finiteAtLeast(owner, 'gamma', o.gamma ?? 0.25, 0);
    super(
      new GlobalTypeMap(presetMap(new GammaRule({ gamma }), epsilonOf(owner, o.epsilon))),
      new FirstLayerTypeMap([['conv', new ZBoxRule(bounds)]]),
    );
  }
  /**
   * Frees the copies of tensor bounds that its ZBoxRule holds (nothing to free for number bounds). Analyzers built
   * with it must not be used afterwards.
   *
   * @example
   * ```ts
   * const box = new EpsilonGammaBox({ low: tf.tensor1d([-2.1, -2.0, -1.8]), high: tf.tensor1d([2.2, 2.4, 2.6]) });
   * box.dispose();
   * ```
   */
  dispose(): void {
    for (const p of this.primitives)
      if (p instanceof FirstLayerTypeMap)
        for (const [, rule] of p.map) if (rule instanceof ZBoxRule) rule.dispose();
  }
  override toString(): string {
    return 'EpsilonGammaBox';
  }
}

/**
 * Convolutions get ZPlusRule, Dense EpsilonRule, dropout, normalization and reshaping PassRule; everything else
 * ZeroRule.
 *
 * @example
 * ```ts
 * new LRP(model, new EpsilonPlus());
 * ```
 */
export class EpsilonPlus extends Composite {
  /** @param options - `{ epsilon = 1e-6 }` */
  constructor(options: PresetOptions = {}) {
    const epsilon = presetEpsilon('EpsilonPlus', options);
    super(new GlobalTypeMap(presetMap(new ZPlusRule(), epsilon)));
  }
  override toString(): string {
    return 'EpsilonPlus';
  }
}

/**
 * Convolutions get AlphaBetaRule(2, 1), Dense EpsilonRule, dropout, normalization and reshaping PassRule; everything
 * else ZeroRule.
 *
 * @example
 * ```ts
 * new LRP(model, new EpsilonAlpha2Beta1());
 * ```
 */
export class EpsilonAlpha2Beta1 extends Composite {
  /** @param options - `{ epsilon = 1e-6 }` */
  constructor(options: PresetOptions = {}) {
    const epsilon = presetEpsilon('EpsilonAlpha2Beta1', options);
    super(new GlobalTypeMap(presetMap(new AlphaBetaRule({ alpha: 2, beta: 1 }), epsilon)));
  }
  override toString(): string {
    return 'EpsilonAlpha2Beta1';
  }
}

/**
 * As {@link EpsilonPlus}, with FlatRule on the first layer if it is a convolution.
 *
 * @example
 * ```ts
 * new LRP(model, new EpsilonPlusFlat());
 * ```
 */
export class EpsilonPlusFlat extends Composite {
  /** @param options - `{ epsilon = 1e-6 }` */
  constructor(options: PresetOptions = {}) {
    const epsilon = presetEpsilon('EpsilonPlusFlat', options);
    super(
      new GlobalTypeMap(presetMap(new ZPlusRule(), epsilon)),
      new FirstLayerTypeMap([['conv', new FlatRule()]]),
    );
  }
  override toString(): string {
    return 'EpsilonPlusFlat';
  }
}

/**
 * As {@link EpsilonAlpha2Beta1}, with FlatRule on the first layer if it is a convolution.
 *
 * @example
 * ```ts
 * new LRP(model, new EpsilonAlpha2Beta1Flat());
 * ```
 */
export class EpsilonAlpha2Beta1Flat extends Composite {
  /** @param options - `{ epsilon = 1e-6 }` */
  constructor(options: PresetOptions = {}) {
    const epsilon = presetEpsilon('EpsilonAlpha2Beta1Flat', options);
    super(
      new GlobalTypeMap(presetMap(new AlphaBetaRule({ alpha: 2, beta: 1 }), epsilon)),
      new FirstLayerTypeMap([['conv', new FlatRule()]]),
    );
  }
  override toString(): string {
    return 'EpsilonAlpha2Beta1Flat';
  }
}
