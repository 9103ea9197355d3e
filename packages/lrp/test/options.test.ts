import * as tf from '@tensorflow/tfjs';
import { analyze } from '@xai-ts/base';
import { expectNoLeaks, seedWeights } from '@xai-ts/testing';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AlphaBetaRule,
  CompositeSpecError,
  compositeFromSpec,
  EpsilonAlpha2Beta1,
  EpsilonAlpha2Beta1Flat,
  EpsilonGammaBox,
  EpsilonPlus,
  EpsilonPlusFlat,
  EpsilonRule,
  GammaRule,
  GeneralizedGammaRule,
  LRP,
  LRPOptionError,
  ZBoxRule,
} from '../src/index.js';

function convModel(): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [6, 6, 3],
        filters: 4,
        kernelSize: 3,
        activation: 'relu',
        name: 'conv',
      }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ units: 3, name: 'logits' }),
    ],
  });
  seedWeights(model, 3);
  return model;
}

/** Calls `make` and returns the LRPOptionError it throws. */
function optionError(make: () => unknown): LRPOptionError {
  try {
    make();
  } catch (e) {
    expect(e).toBeInstanceOf(LRPOptionError);
    expect((e as Error).name).toBe('LRPOptionError');
    return e as LRPOptionError;
  }
  throw new Error('no error was thrown');
}

describe('rule and preset options are checked when they are built, with LRPOptionError', () => {
  /** Builds `ctor` with options its type would not admit. */
  const bad = (ctor: abstract new (...args: never[]) => unknown, options: unknown) =>
    Reflect.construct(ctor, [options]);

  it('rejects values out of range, naming the rule, the option and the value', () => {
    expect(optionError(() => new EpsilonRule({ epsilon: -1 })).message).toBe(
      'EpsilonRule needs a finite epsilon ≥ 0, got -1',
    );
    expect(optionError(() => new EpsilonRule({ epsilon: Number.NaN })).message).toMatch(
      /epsilon ≥ 0, got NaN/,
    );
    expect(optionError(() => bad(EpsilonRule, { epsilon: '0.1' })).message).toMatch(/got '0.1'/);
    expect(optionError(() => new GammaRule({ gamma: -0.5 })).message).toBe(
      'GammaRule needs a finite gamma ≥ 0, got -0.5',
    );
    expect(optionError(() => new GeneralizedGammaRule({ gamma: Number.POSITIVE_INFINITY })).message).toMatch(
      /^GeneralizedGammaRule needs a finite gamma/,
    );
    expect(optionError(() => new AlphaBetaRule({ alpha: 2, beta: 2 })).message).toBe(
      'AlphaBetaRule needs alpha − beta = 1, got alpha = 2, beta = 2',
    );
    expect(optionError(() => new AlphaBetaRule({ alpha: 0, beta: -1 })).message).toMatch(/beta ≥ 0, got -1/);
  });

  it('rejects misspelt options and options that are not an object', () => {
    expect(optionError(() => bad(GammaRule, { gama: 0.5 })).message).toBe(
      "GammaRule has no option 'gama'; its options are gamma",
    );
    expect(optionError(() => bad(EpsilonPlusFlat, { eps: 1 })).message).toBe(
      "EpsilonPlusFlat has no option 'eps'; its options are epsilon",
    );
    expect(optionError(() => bad(EpsilonRule, null)).message).toBe(
      'EpsilonRule takes an options object such as { epsilon: 1e-6 }, got null',
    );
    expect(optionError(() => bad(AlphaBetaRule, 2)).message).toMatch(/takes an options object/);
  });

  it('checks every preset: EpsilonGammaBox needs its bounds, the others take epsilon', () => {
    expect(optionError(() => bad(EpsilonGammaBox, undefined)).message).toMatch(
      /^EpsilonGammaBox needs \{ low, high \}: the lowest and highest input values/,
    );
    expect(optionError(() => bad(EpsilonGammaBox, { low: 0 })).message).toMatch(/high is missing/);
    expect(optionError(() => new EpsilonGammaBox({ low: 1, high: 0 })).message).toBe(
      'EpsilonGammaBox needs low ≤ high, got low = 1, high = 0',
    );
    expect(optionError(() => new EpsilonGammaBox({ low: 0, high: 1, gamma: -1 })).message).toMatch(
      /EpsilonGammaBox needs a finite gamma ≥ 0, got -1/,
    );
    expect(optionError(() => new EpsilonGammaBox({ low: 0, high: 1, epsilon: -1 })).message).toMatch(
      /EpsilonGammaBox needs a finite epsilon ≥ 0, got -1/,
    );
    for (const Preset of [EpsilonPlus, EpsilonAlpha2Beta1, EpsilonPlusFlat, EpsilonAlpha2Beta1Flat])
      expect(optionError(() => new Preset({ epsilon: -2 })).message).toBe(
        `${Preset.name} needs a finite epsilon ≥ 0, got -2`,
      );
  });

  it('checks tensor bounds: finite, ordered, and of a shape that broadcasts', () => {
    const before = tf.memory().numTensors;
    const low = tf.tensor1d([0, 0, 0]);
    const high = tf.tensor1d([1, 1, -1]);
    expect(optionError(() => new ZBoxRule({ low, high })).message).toBe(
      'ZBoxRule needs low ≤ high everywhere; some values of low exceed high',
    );
    const nan = tf.tensor1d([0, Number.NaN, 0]);
    expect(optionError(() => new ZBoxRule({ low: nan, high: 1 })).message).toBe(
      'ZBoxRule: the tensor given as low [3] holds NaN or ±Infinity',
    );
    const four = tf.tensor1d([0, 0, 0, 0]);
    expect(optionError(() => new ZBoxRule({ low: four, high: tf.tensor1d([1, 1, 1]) })).message).toMatch(
      /low \[4\] and high \[3\] do not broadcast against each other/,
    );
    const disposed = tf.scalar(0);
    disposed.dispose();
    expect(optionError(() => new ZBoxRule({ low: disposed, high: 1 })).message).toMatch(/has been disposed/);
    tf.dispose([low, high, nan, four]);
    // the [3]-tensor made in the broadcast case is the test's own
    expect(tf.memory().numTensors - before).toBe(1);
  });

  it('spec builders report the rule option errors as CompositeSpecError', () => {
    expect(() => compositeFromSpec({ preset: 'EpsilonPlus', options: { epsilon: -1 } })).toThrow(
      CompositeSpecError,
    );
  });
});

describe('the LRP analyzer checks its options and tensor bounds when it is built', () => {
  const model = convModel();
  afterAll(() => model.dispose());

  it('rejects unknown options, wrong types and a composite that is neither a composite nor a rule', () => {
    const asAny = (o: unknown) => o as never;
    expect(optionError(() => new LRP(model, new EpsilonPlus(), asAny({ batchsize: 2 }))).message).toBe(
      "LRP has no option 'batchsize'; its options are normalizeOutputRelevance, skipChecks, batchSize",
    );
    expect(optionError(() => new LRP(model, new EpsilonPlus(), { batchSize: 0 })).message).toBe(
      'LRP batchSize must be a positive integer, got 0',
    );
    expect(optionError(() => new LRP(model, new EpsilonPlus(), asAny({ skipChecks: 'yes' }))).message).toBe(
      "LRP's skipChecks is true or false, got 'yes'",
    );
    expect(optionError(() => new LRP(model, asAny('EpsilonPlus'))).message).toMatch(
      /^LRP takes a composite \(such as new EpsilonPlusFlat\(\)\) or a rule/,
    );
  });

  it("rejects ZBox bounds that do not broadcast against the first layer's input, before any call", () => {
    const before = tf.memory().numTensors;
    const low = tf.zeros([4]);
    const high = tf.ones([4]);
    const box = new EpsilonGammaBox({ low, high });
    const e = optionError(() => new LRP(model, box));
    expect(e.message).toBe(
      `ZBoxRule on layer 0 "conv": low has shape [4], which does not broadcast against the layer's input [batch, 6, 6, 3]; give one value per channel ([3]) or the input's shape without the batch axis`,
    );
    box.dispose();
    tf.dispose([low, high]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('explains with per-channel and per-pixel tensor bounds as with the equal numbers, and leaks nothing per call', () => {
    const x = tf.randomUniform([2, 6, 6, 3], 0, 1, 'float32', 5);
    const numbers = new LRP(model, new EpsilonGammaBox({ low: 0, high: 1 }));
    const perChannel = new EpsilonGammaBox({ low: tf.zeros([3]), high: tf.ones([3]) });
    const perPixel = new EpsilonGammaBox({ low: tf.zeros([6, 6, 3]), high: tf.ones([6, 6, 3]) });
    const expected = analyze(x, numbers);
    for (const box of [perChannel, perPixel]) {
      const lrp = new LRP(model, box);
      const got = analyze(x, lrp);
      expect(got.val.arraySync()).toEqual(expected.val.arraySync());
      got.dispose();
      expectNoLeaks(() => analyze(x, lrp).dispose(), String(box));
      lrp.dispose();
    }
    const before = tf.memory().numTensors;
    perChannel.dispose();
    perPixel.dispose();
    expect(before - tf.memory().numTensors).toBe(4); // each preset frees the copies of its two bounds
    expected.dispose();
    numbers.dispose();
    x.dispose();
  });
});
