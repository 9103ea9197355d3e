import * as tf from '@tensorflow/tfjs';
import {
  analyze,
  FunctionSelector,
  IndexedFeatures,
  InputShapeError,
  InvalidInputError,
  MaskSelector,
  OutputSelectionError,
  RelevanceSelector,
} from '@xai-ts/base';
import { ModelGraphError, selectOutput } from '@xai-ts/canonize';
import { CRP } from '@xai-ts/crp';
import { ModelCheckError } from '@xai-ts/engine';
import { Gradient, InputTimesGradient, SmoothGrad } from '@xai-ts/gradients';
import { EpsilonPlusFlat, LRP, ZeroRule } from '@xai-ts/lrp';
import { expectNoLeaks } from '@xai-ts/testing';
import { afterAll, describe, expect, it } from 'vitest';

// Output relevance beyond one class per sample, models with several inputs and several outputs: exact values on
// models small enough to work out by hand.

function close(t: tf.Tensor, expected: unknown, digits = 5): void {
  const got = t.arraySync() as unknown;
  const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);
  const [a, b] = [flat(got), flat(expected)];
  expect(a.length).toBe(b.length);
  for (const [i, v] of a.entries()) expect(v).toBeCloseTo(b[i]!, digits);
}

/**
 * Two inputs a ∈ ℝ², b ∈ ℝ¹, concatenated, a bias-free ReLU layer h = relu(W1ᵀ[a, b]) with W1 = [[1, 0], [0, 1],
 * [1, −1]], then two heads: `score` = 2 h0 + h1 (one unit) and `pair` = [h0, −h1 + h0]. At a = [1, 2], b = [3]:
 * h = relu([4, −1]) = [4, 0], score = 8, pair = [4, 4].
 */
function twoHeaded(): tf.LayersModel {
  const a = tf.input({ shape: [2], name: 'a' });
  const b = tf.input({ shape: [1], name: 'b' });
  const cat = tf.layers.concatenate({ name: 'cat' }).apply([a, b]) as tf.SymbolicTensor;
  const h = tf.layers
    .dense({ units: 2, useBias: false, activation: 'relu', name: 'h', kernelInitializer: 'zeros' })
    .apply(cat) as tf.SymbolicTensor;
  const score = tf.layers
    .dense({ units: 1, useBias: false, name: 'score', kernelInitializer: 'zeros' })
    .apply(h) as tf.SymbolicTensor;
  const pair = tf.layers
    .dense({ units: 2, useBias: false, name: 'pair', kernelInitializer: 'zeros' })
    .apply(h) as tf.SymbolicTensor;
  const model = tf.model({ inputs: [a, b], outputs: [score, pair], name: 'two_headed' });
  tf.tidy(() => setHeads(model));
  return model;
}

function setHeads(model: tf.LayersModel): void {
  model.getLayer('h').setWeights([
    tf.tensor2d([
      [1, 0],
      [0, 1],
      [1, -1],
    ]),
  ]);
  model.getLayer('score').setWeights([tf.tensor2d([[2], [1]])]);
  model.getLayer('pair').setWeights([
    tf.tensor2d([
      [1, 1],
      [0, -1],
    ]),
  ]);
}

describe('models with several inputs and several outputs', () => {
  const model = twoHeaded();
  const score = selectOutput(model, 'score');
  const pair = selectOutput(model, 1);
  const a = tf.tensor2d([[1, 2]]);
  const b = tf.tensor2d([[3]]);
  afterAll(() => {
    score.dispose();
    pair.dispose();
    model.dispose();
    tf.dispose([a, b]);
  });

  it('selectOutput picks a head by name or index; analyzers of the whole model name selectOutput', () => {
    close(score.predict([a, b]) as tf.Tensor, [[8]]);
    close(pair.predict([a, b]) as tf.Tensor, [[4, 4]]);
    expect(selectOutput(model, 'pair').outputNames).toEqual(['pair']);
    expect(() => selectOutput(model, 'box')).toThrow(
      /no output named "box"; its outputs are 0: "score", 1: "pair"/,
    );
    expect(() => selectOutput(model, 2)).toThrow(ModelGraphError);
    expect(() => new LRP(model)).toThrow(/2 outputs \(score, pair\).*selectOutput/);
    expect(() => new Gradient(model)).toThrow(/selectOutput/);
    expect(selectOutput(score, 0)).toBe(score);
  });

  it('a head disposed frees nothing of the model; the model disposed frees the weights', () => {
    const before = tf.memory().numTensors;
    const m = twoHeaded();
    const head = selectOutput(m, 'pair');
    head.dispose();
    const [s, p] = m.predict([a, b]) as tf.Tensor[];
    close(s!, [[8]]);
    close(p!, [[4, 4]]);
    tf.dispose([s!, p!]);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('Gradient and Input×Gradient give one exact map per input', () => {
    const g = analyze([a, b], new Gradient(score));
    expect(g.vals).toHaveLength(2);
    expect(g.inputs).toEqual([a, b]);
    expect(g.val).toBe(g.vals[0]);
    close(g.vals[0]!, [[2, 0]]);
    close(g.vals[1]!, [[2]]);
    g.dispose();
    const ixg = analyze([a, b], new InputTimesGradient(score));
    close(ixg.vals[0]!, [[2, 0]]);
    close(ixg.vals[1]!, [[6]]);
    ixg.dispose();
  });

  it('LRP-0 spreads the output relevance over both inputs: exact, conserved, equal to Input×Gradient', () => {
    const logit = new LRP(score, new ZeroRule(), { normalizeOutputRelevance: false });
    const e = analyze([a, b], logit);
    close(e.vals[0]!, [[2, 0]]);
    close(e.vals[1]!, [[6]]);
    const total = tf.tidy(() => tf.add(tf.sum(e.vals[0]!), tf.sum(e.vals[1]!)).dataSync()[0]!);
    expect(total).toBeCloseTo(8, 5);
    e.dispose();
    // the one-hot of 1 at the output: the same shares, divided by the logit
    const one = analyze([a, b], new LRP(score, new ZeroRule()));
    close(one.vals[0]!, [[0.25, 0]]);
    close(one.vals[1]!, [[0.75]]);
    one.dispose();
    logit.dispose();
  });

  it('LRP explains several inputs chunk by chunk with the same result, and leaks nothing', () => {
    const a2 = tf.tensor2d([
      [1, 2],
      [0.5, -1],
      [2, 1],
    ]);
    const b2 = tf.tensor2d([[3], [1], [-1]]);
    const whole = new LRP(pair, new EpsilonPlusFlat());
    const chunked = new LRP(pair, new EpsilonPlusFlat(), { batchSize: 2 });
    const seed = new RelevanceSelector([
      [1, 0],
      [0, 1],
      [1, -1],
    ]);
    const x = analyze([a2, b2], whole, seed);
    const y = analyze([a2, b2], chunked, seed);
    for (const k of [0, 1]) close(y.vals[k]!, x.vals[k]!.arraySync());
    expectNoLeaks(() => analyze([a2, b2], chunked, seed).dispose(), 'LRP on two inputs in chunks');
    expectNoLeaks(() => analyze([a2, b2], new Gradient(pair), 1).dispose(), 'Gradient on two inputs');
    tf.dispose([a2, b2]);
    x.dispose();
    y.dispose();
    seed.dispose();
    whole.dispose();
    chunked.dispose();
  });

  it('bad calls on a model with several inputs get typed errors naming what to do', () => {
    const lrp = new LRP(score);
    expect(() => analyze(a, lrp)).toThrow(InputShapeError);
    expect(() => analyze(a, lrp)).toThrow(/2 inputs: pass an array of 2 tensors/);
    expect(() => analyze([a], lrp)).toThrow(/got 1 input tensors but the model has 2 inputs/);
    expect(() => analyze([a, tf.tensor2d([[1], [2]])], lrp)).toThrow(
      /input 1 has a batch of 2 but input 0 has 1/,
    );
    expect(() => analyze([b, a], lrp)).toThrow(/input 0: the input has shape \[1,1\]/);
    expect(() => new CRP(lrp, 'h', new IndexedFeatures(0))).toThrow(InvalidInputError);
    const smooth = new SmoothGrad(score, { n: 2 });
    expect(() => analyze([a, b], smooth)).toThrow(/explains models with one input/);
    lrp.dispose();
  });
});

/** y = W x without bias, W = [[1, 2, 0], [0, 1, 3]] (2 inputs, 3 outputs). */
function linear(): tf.LayersModel {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 3, inputShape: [2], useBias: false, kernelInitializer: 'zeros' }));
  model.layers[0]!.setWeights([
    tf.tensor2d([
      [1, 2, 0],
      [0, 1, 3],
    ]),
  ]);
  return model;
}

describe('output relevance as a tensor or a function of the output', () => {
  const model = linear();
  const x = tf.tensor2d([
    [1, 2],
    [3, -1],
  ]); // outputs [[1, 4, 6], [3, 5, -3]]
  afterAll(() => {
    model.dispose();
    x.dispose();
  });

  it('RelevanceSelector: the gradient is Wᵀc, LRP with the logit is Input×Gradient, per sample or shared', () => {
    const shared = new RelevanceSelector([1, 0, -1]); // output 0 minus output 2
    const g = analyze(x, new Gradient(model), shared);
    close(g.val, [
      [1, -3],
      [1, -3],
    ]);
    expect(g.outputSelection).toEqual([0, 0]); // the largest |c| entry, the first on ties
    g.dispose();
    const perSample = new RelevanceSelector([
      [0, 0, 1],
      [0, 2, 0],
    ]);
    const lrp = new LRP(model, new ZeroRule(), { normalizeOutputRelevance: false });
    const e = analyze(x, lrp, perSample);
    close(e.val, [
      [0, 6],
      [12, -2],
    ]);
    expect(e.outputSelection).toEqual([2, 1]);
    e.dispose();
    expect(() => analyze(x, lrp, new RelevanceSelector([1, 0]))).toThrow(OutputSelectionError);
    expect(() => new RelevanceSelector([1, Number.NaN, 0])).toThrow(/NaN at flat index 1/);
    expectNoLeaks(() => analyze(x, lrp, perSample).dispose(), 'LRP with a tensor seed');
    lrp.dispose();
    shared.dispose();
    perSample.dispose();
  });

  it('FunctionSelector: the seed is the function gradient (autodiff of the function, or the one given)', () => {
    // f(y) = y0 · y1: ∂f/∂y = [y1, y0, 0] → sample 0: [4, 1, 0], sample 1: [5, 3, 0]
    const product = new FunctionSelector((y) =>
      tf.mul(y.slice([0, 0], [-1, 1]), y.slice([0, 1], [-1, 1])).reshape([-1]),
    );
    const g = analyze(x, new Gradient(model), product);
    close(g.val, [
      [6, 1],
      [11, 3],
    ]);
    expect(g.outputSelection).toEqual([0, 0]);
    g.dispose();
    const given = new FunctionSelector(
      (y) => tf.mul(y.slice([0, 0], [-1, 1]), y.slice([0, 1], [-1, 1])).reshape([-1]),
      {
        gradient: (y) =>
          tf.concat([y.slice([0, 1], [-1, 1]), y.slice([0, 0], [-1, 1]), tf.zeros([y.shape[0]!, 1])], 1),
      },
    );
    const h = analyze(x, new Gradient(model), given);
    close(h.val, [
      [6, 1],
      [11, 3],
    ]);
    h.dispose();
    const wrong = new FunctionSelector((y) => tf.sum(y));
    expect(() => analyze(x, new Gradient(model), wrong)).toThrow(/one value per sample, shape \[2\]/);
    expectNoLeaks(() => analyze(x, new Gradient(model), product).dispose(), 'Gradient of a function');
  });

  it('augmentations keep a per-sample seed on their noisy copies (SmoothGrad with no noise equals Gradient)', () => {
    const seed = new RelevanceSelector([
      [0, 0, 1],
      [0, 2, 0],
    ]);
    const plain = analyze(x, new Gradient(model), seed);
    const smooth = analyze(x, new SmoothGrad(model, { n: 3, std: 0, batchSize: 4 }), seed);
    close(smooth.val, plain.val.arraySync());
    close(plain.val, [
      [0, 3],
      [4, 2],
    ]);
    plain.dispose();
    smooth.dispose();
    seed.dispose();
  });
});

describe('a region of a per-pixel output, per sample, through augmentations and chunks', () => {
  // a 1×1 convolution as a per-pixel classifier: out[n, i, j, k] = Σ_c x[n, i, j, c] W[c, k]
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [3, 3, 2],
        filters: 2,
        kernelSize: 1,
        useBias: false,
        kernelInitializer: 'zeros',
      }),
    ],
  });
  model.layers[0]!.setWeights([tf.tensor4d([1, -1, 2, 1], [1, 1, 2, 2])]);
  const x = tf.randomUniform([2, 3, 3, 2], -1, 1, 'float32', 4);
  const masks = new MaskSelector(
    [
      [
        [1, 0, 0],
        [0, 0, 0],
        [0, 0, 0],
      ],
      [
        [0, 0, 0],
        [0, 0, 0],
        [0, 0, 1],
      ],
    ],
    [0, 1],
  );
  afterAll(() => {
    masks.dispose();
    model.dispose();
    x.dispose();
  });

  it('each sample gets its own mask: the gradient is W[:, k] at the masked pixel only', () => {
    const g = analyze(x, new Gradient(model), masks);
    const expected = tf.tidy(() => {
      const m = tf.zeros([2, 3, 3, 2]).arraySync() as number[][][][];
      m[0]![0]![0] = [1, 2]; // class 0: column 0 of W
      m[1]![2]![2] = [-1, 1]; // class 1: column 1
      return m;
    });
    close(g.val, expected);
    const smooth = analyze(x, new SmoothGrad(model, { n: 2, std: 0, batchSize: 2 }), masks);
    close(smooth.val, expected);
    const lrp = new LRP(model, new ZeroRule(), { batchSize: 1, normalizeOutputRelevance: false });
    const chunked = analyze(x, lrp, masks);
    const ixg = analyze(x, new InputTimesGradient(model), masks);
    close(chunked.val, ixg.val.arraySync());
    for (const e of [g, smooth, chunked, ixg]) e.dispose();
    lrp.dispose();
  });
});

describe('the model check', () => {
  it('lists every unsupported layer at once, with its name, its class and how to register support', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [4], units: 4, name: 'first' }),
        tf.layers.repeatVector({ n: 3, name: 'repeat' }),
        tf.layers.simpleRNN({ units: 5, name: 'rnn' }),
        tf.layers.dense({ units: 2, name: 'last' }),
      ],
    });
    for (const make of [() => new LRP(model), () => new Gradient(model)]) {
      let error: unknown;
      try {
        make();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ModelCheckError);
      const { problems, message } = error as ModelCheckError;
      expect(problems.map((p) => p.layer)).toEqual(['repeat', 'rnn']);
      expect(message).toMatch(
        /layer 1 "repeat": RepeatVector layers are not supported; register a layer kind/,
      );
      expect(message).toMatch(
        /layer 2 "rnn": SimpleRNN layers are not supported; .*registerLayerKind\(\{ classNames: \['SimpleRNN'\]/,
      );
    }
    model.dispose();
  });
});
