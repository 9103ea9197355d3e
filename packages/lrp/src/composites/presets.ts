import type * as tf from '@tensorflow/tfjs';
import { EpsilonRule, FlatRule, GammaRule, PassRule } from '../rules/basic.js';
import { LayerNormRule } from '../rules/layernorm.js';
import { AlphaBetaRule, ZBoxRule, ZPlusRule } from '../rules/multipass.js';
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
  constructor(options: EpsilonGammaBoxOptions) {
    if (typeof options !== 'object' || options === null)
      throw new RangeError(
        'EpsilonGammaBox needs { low, high }: the lowest and highest input values, for ZBoxRule on the first layer',
      );
    const { low, high, epsilon, gamma } = options;
    super(
      new GlobalTypeMap(presetMap(new GammaRule({ gamma: gamma ?? 0.25 }), epsilon)),
      new FirstLayerTypeMap([['conv', new ZBoxRule({ low, high })]]),
    );
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
  constructor({ epsilon }: PresetOptions = {}) {
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
  constructor({ epsilon }: PresetOptions = {}) {
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
  constructor({ epsilon }: PresetOptions = {}) {
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
  constructor({ epsilon }: PresetOptions = {}) {
    super(
      new GlobalTypeMap(presetMap(new AlphaBetaRule({ alpha: 2, beta: 1 }), epsilon)),
      new FirstLayerTypeMap([['conv', new FlatRule()]]),
    );
  }
  override toString(): string {
    return 'EpsilonAlpha2Beta1Flat';
  }
}
