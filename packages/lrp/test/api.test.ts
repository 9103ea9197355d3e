import * as tf from '@tensorflow/tfjs';
import { analyze, InputShapeError, OutputSelectionError } from '@xai-ts/base';
import { expectNoLeaks, loadCase } from '@xai-ts/testing';
import { describe, expect, it } from 'vitest';
import {
  Composite,
  CompositeError,
  EpsilonAlpha2Beta1,
  EpsilonAlpha2Beta1Flat,
  EpsilonGammaBox,
  EpsilonPlus,
  EpsilonPlusFlat,
  EpsilonRule,
  GammaRule,
  GlobalTypeMap,
  HookRule,
  LayerMap,
  LRP,
  ModelCheckError,
  PassRule,
  type Propagator,
  RangeMap,
  Rule,
  RuleCompatibilityError,
  registerActivation,
  registerLayerKind,
  stabilize,
  ZeroRule,
  ZPlusRule,
} from '../src/index.js';

const cnn = loadCase('cnn');
const model = cnn.buildModel();
const x = cnn.input();

const presets = () => [
  new EpsilonGammaBox({ low: -3, high: 3 }),
  new EpsilonPlus(),
  new EpsilonAlpha2Beta1(),
  new EpsilonPlusFlat(),
  new EpsilonAlpha2Beta1Flat(),
];

describe('LRP analyzer', () => {
  it('prints one line per layer: index, name, class => rule', () => {
    const lrp = new LRP(model, new EpsilonGammaBox({ low: -3, high: 3 }));
    const lines = lrp.toString().split('\n');
    expect(lines[0]).toBe('LRP(');
    expect(lines[1]).toMatch(/^\s+0 {2}conv2d_1\s+Conv2D\s+=> ZBoxRule\(low=-3, high=3\)$/);
    expect(lines[2]).toMatch(/1 {2}max_pooling2d_1\s+MaxPooling2D\s+=> ZeroRule\(\)$/);
    expect(lines[3]).toMatch(/conv2d_2\s+Conv2D\s+=> GammaRule\(gamma=0.25\)$/);
    expect(lines[5]).toMatch(/flatten_1\s+Flatten\s+=> PassRule\(\)\s+\(routes relevance\)$/);
    expect(lines[6]).toMatch(/dense_1\s+Dense\s+=> EpsilonRule\(epsilon=1e-6\)$/);
    expect(lines).toHaveLength(10);
    lrp.dispose();
  });

  it('sample i of a batch equals the call on sample i alone', () => {
    for (const composite of presets()) {
      const lrp = new LRP(model, composite);
      const batch = analyze(x, lrp, 7);
      for (let i = 0; i < 2; i++) {
        const one = analyze(x.slice([i], [1]), lrp, 7);
        const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(batch.val.slice([i], [1]), one.val))).dataSync()[0]!);
        const scale = tf.tidy(() => tf.max(tf.abs(one.val)).dataSync()[0]!);
        expect(diff, `${composite} sample ${i}`).toBeLessThanOrEqual(1e-5 * scale);
        one.dispose();
      }
      batch.dispose();
      lrp.dispose();
    }
  });

  it('keeps layerwise relevances on request: input first, then each layer output', () => {
    const lrp = new LRP(model, new EpsilonPlus());
    const expl = analyze(x, lrp, 7, { layerwiseRelevances: true });
    const rs = expl.extras.layerwiseRelevances as tf.Tensor[];
    expect(rs).toHaveLength(lrp.layers.length + 1);
    expect(rs[0]).toBe(expl.val);
    expect(rs[lrp.layers.length]!.arraySync()).toEqual([
      [0, 0, 0, 0, 0, 0, 0, 1, 0, 0],
      [0, 0, 0, 0, 0, 0, 0, 1, 0, 0],
    ]);
    expect(rs[1]!.shape).toEqual([2, 16, 16, 8]);
    expl.dispose();
    lrp.dispose();
  });

  it('leaks no tensors: construction + dispose, and every call', () => {
    const before = tf.memory().numTensors;
    for (const composite of [...presets(), new ZeroRule(), new EpsilonRule()]) {
      const lrp = new LRP(model, composite);
      const during = tf.memory().numTensors;
      const expl = analyze(x, lrp, undefined, { layerwiseRelevances: true });
      expl.dispose();
      expect(tf.memory().numTensors, String(composite)).toBe(during);
      expect(() => analyze(x, lrp, 10)).toThrow(OutputSelectionError);
      expect(tf.memory().numTensors, `${composite} after a rejected selection`).toBe(during);
      lrp.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    // the shared check: every preset and rule, a call and a rejected call
    for (const composite of [...presets(), new ZeroRule(), new EpsilonRule()]) {
      const lrp = new LRP(model, composite);
      expectNoLeaks(() => analyze(x, lrp).dispose(), String(composite));
      expectNoLeaks(
        () => expect(() => analyze(x, lrp, 10)).toThrow(OutputSelectionError),
        `${composite}, rejected`,
      );
      lrp.dispose();
    }
  });

  it('a pass carrying precomputed denominators gives the same relevance', () => {
    for (const composite of [...presets(), new ZeroRule(), new EpsilonRule({ epsilon: 0.1 })]) {
      const lrp = new LRP(model, composite);
      const [plain, cached] = tf.tidy(() => {
        const pass = lrp.forward(x);
        const seed = lrp.outputRelevance(pass.output, [7, 2]);
        const seeds = new Map([[lrp.layers.length - 1, seed]]);
        const all = lrp.layers.map((l) => l.index);
        const withCache = { ...pass, denominators: lrp.denominators(pass, all) };
        return [lrp.backward(pass, seeds).inputs[0]!, lrp.backward(withCache, seeds).inputs[0]!];
      });
      expect(Array.from(cached.dataSync()), String(composite)).toEqual(Array.from(plain.dataSync()));
      tf.dispose([plain, cached]);
      lrp.dispose();
    }
  });

  it('batchSize explains a batch chunk by chunk with the same results', () => {
    const xs = tf.concat([x, x.reverse(0), x], 0); // 6 samples
    const whole = new LRP(model, new EpsilonPlusFlat());
    const chunked = new LRP(model, new EpsilonPlusFlat(), { batchSize: 4 });
    const a = analyze(xs, whole, undefined, { layerwiseRelevances: true });
    const before = tf.memory().numTensors;
    const b = analyze(xs, chunked, undefined, { layerwiseRelevances: true });
    expect(b.outputSelection).toEqual(a.outputSelection);
    expect(Array.from(b.val.dataSync())).toEqual(Array.from(a.val.dataSync()));
    expect(Array.from(b.output.dataSync())).toEqual(Array.from(a.output.dataSync()));
    const la = a.extras.layerwiseRelevances as tf.Tensor[];
    const lb = b.extras.layerwiseRelevances as tf.Tensor[];
    expect(lb.map((t) => t.shape)).toEqual(la.map((t) => t.shape));
    b.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const c = analyze(xs, chunked, [0, 1, 2, 3, 4, 5]);
    expect(c.outputSelection).toEqual([0, 1, 2, 3, 4, 5]);
    c.dispose();
    expect(() => new LRP(model, new ZeroRule(), { batchSize: 0 })).toThrow(/positive integer/);
    a.dispose();
    whole.dispose();
    chunked.dispose();
    xs.dispose();
  });

  it('memory does not grow over 100 calls', () => {
    const lrp = new LRP(model, new EpsilonGammaBox({ low: -3, high: 3 }));
    const call = () => analyze(x, lrp, 7).dispose();
    call();
    const { numTensors, numBytes } = tf.memory();
    for (let i = 0; i < 100; i++) call();
    expect(tf.memory().numTensors).toBe(numTensors);
    expect(tf.memory().numBytes).toBe(numBytes);
    lrp.dispose();
  });

  it('a failed construction leaks nothing', () => {
    const before = tf.memory().numTensors;
    expect(() => new LRP(model, new GammaRule())).toThrow(RuleCompatibilityError);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('checks inputs through analyze()', () => {
    const lrp = new LRP(model);
    expect(() => analyze(tf.zeros([16, 16, 3]), lrp)).toThrow(InputShapeError);
    expect(() => analyze(tf.zeros([1, 8, 8, 3]), lrp)).toThrow(/axis 1 is 8, not 16/);
    lrp.dispose();
    expect(() => analyze(x, lrp)).toThrow(/disposed/);
  });

  it('gives the logit as output relevance when asked', () => {
    const lrp = new LRP(model, new EpsilonRule(), { normalizeOutputRelevance: false });
    const expl = analyze(x, lrp, 7, { layerwiseRelevances: true });
    const top = (expl.extras.layerwiseRelevances as tf.Tensor[])[lrp.layers.length]!;
    const logits = expl.output.arraySync() as number[][];
    expect((top.arraySync() as number[][]).map((row) => row.map((v) => v + 0))).toEqual(
      logits.map((row) => row.map((v, j) => (j === 7 ? v : 0))),
    );
    expl.dispose();
    lrp.dispose();
  });
});

describe('model checks', () => {
  it('names a softmax output and says to strip it', () => {
    const m = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [3], units: 2, activation: 'softmax', name: 'sm_out' })],
    });
    expect(() => new LRP(m)).toThrow(ModelCheckError);
    expect(() => new LRP(m)).toThrow(/layer 0 "sm_out": the model ends in a softmax.*stripSoftmax/);
    const m2 = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [3], units: 2 }), tf.layers.softmax({ name: 'sm_layer' })],
    });
    expect(() => new LRP(m2)).toThrow(/layer 1 "sm_layer": the model ends in a softmax/);
    expect(() => new LRP(m2, new ZeroRule(), { skipChecks: true })).not.toThrow();
  });

  it('lists every unsupported layer and activation in one error', () => {
    const input = tf.input({ shape: [4] });
    const a = tf.layers
      .dense({ units: 4, activation: 'tanh', name: 'chk_tanh' })
      .apply(input) as tf.SymbolicTensor;
    const b = tf.layers.dense({ units: 4, name: 'chk_b' }).apply(input) as tf.SymbolicTensor;
    const m = tf.layers.multiply({ name: 'chk_mul' }).apply([a, b]) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 2, name: 'chk_out' }).apply(m) as tf.SymbolicTensor;
    const model2 = tf.model({ inputs: input, outputs: out });
    let error: ModelCheckError | undefined;
    try {
      new LRP(model2);
    } catch (e) {
      error = e as ModelCheckError;
    }
    expect(error).toBeInstanceOf(ModelCheckError);
    expect(error!.problems.map((p) => p.layer)).toEqual(['chk_tanh', 'chk_mul']);
    expect(error!.message).toMatch(
      /the fused activation 'tanh' has no LRP rule.*registerActivation\('tanh', \{ relevance: 'pass' \}\)/,
    );
    expect(error!.message).toMatch(
      /a Multiply of two independent branches has no LRP rule.*registerLayerKind/,
    );
    registerActivation('tanh');
    expect(() => new LRP(model2)).toThrow(/Multiply/);
    // with skipChecks the product goes through its own Jacobian: R_k = a_k ⊙ ∂(Σ s ⊙ a·b)/∂a_k = a·b·s for each input
    const lrp = new LRP(model2, new ZeroRule(), { skipChecks: true });
    const expl = analyze(tf.ones([1, 4]), lrp);
    expect(expl.val.shape).toEqual([1, 4]);
    expl.dispose();
    lrp.dispose();
  });

  it('rejects parametric rules on layers without weights, naming each layer', () => {
    expect(() => new LRP(model, new GammaRule())).toThrow(RuleCompatibilityError);
    expect(() => new LRP(model, new ZPlusRule())).toThrow(
      /layer 1 "max_pooling2d_1": ZPlusRule\(\) is not compatible with this MaxPooling2D layer \(it has no weights\)/,
    );
    expect(() => new LRP(model, new ZPlusRule())).toThrow(/layer 3 "average_pooling2d_1"/);
    expect(() => new LRP(model, new Composite(new LayerMap('max_pooling2d_1', new PassRule())))).toThrow(
      /PassRule\(\) is not compatible/,
    );
  });

  it('rejects composites that name layers the model lacks', () => {
    expect(() => new LRP(model, new Composite(new LayerMap('nope', new ZeroRule())))).toThrow(CompositeError);
    expect(() => new LRP(model, new Composite(new LayerMap('nope', new ZeroRule())))).toThrow(
      /conv2d_1, max_pooling2d_1/,
    );
    expect(() => new LRP(model, new Composite(new LayerMap(8, new ZeroRule())))).toThrow(
      /index 8 is out of range.*0\.\.7/,
    );
    expect(() => new LRP(model, new Composite(new RangeMap([5, 2], new ZeroRule())))).toThrow(/empty/);
  });

  it('validates rule options', () => {
    expect(() => new EpsilonRule({ epsilon: -1 })).toThrow(/epsilon ≥ 0/);
    expect(() => new GammaRule({ gamma: Number.NaN })).toThrow(/gamma ≥ 0/);
  });
});

describe('composite primitives', () => {
  it('later primitives override earlier ones; within a type map the first match wins', () => {
    const lrp = new LRP(
      model,
      new Composite(
        new GlobalTypeMap([
          ['conv', new ZPlusRule()],
          ['Conv2D', new GammaRule()],
          ['dense', new EpsilonRule({ epsilon: 0.1 })],
        ]),
        new LayerMap('dense_2', new EpsilonRule({ epsilon: 1e-5 })),
        new RangeMap(['conv2d_2', 3], new EpsilonRule({ epsilon: 0.5 })),
      ),
    );
    expect(lrp.rules.map(String)).toEqual([
      'ZPlusRule()',
      'ZeroRule()',
      'EpsilonRule(epsilon=0.5)',
      'EpsilonRule(epsilon=0.5)',
      'ZeroRule()',
      'EpsilonRule(epsilon=0.1)',
      'ZeroRule()',
      'EpsilonRule(epsilon=1e-5)',
    ]);
    lrp.dispose();
  });
});

describe('custom rules and layers', () => {
  it('a HookRule with a custom denominator equals the built-in EpsilonRule', () => {
    class MyEpsilon extends HookRule {
      toString() {
        return 'MyEpsilon()';
      }
      override isCompatible() {
        return true;
      }
      override modifyDenominator(z: tf.Tensor) {
        return stabilize(z, 0.25);
      }
    }
    const ours = new LRP(model, new MyEpsilon());
    const builtin = new LRP(model, new EpsilonRule({ epsilon: 0.25 }));
    const a = analyze(x, ours, 3);
    const b = analyze(x, builtin, 3);
    expect(Array.from(a.val.dataSync())).toEqual(Array.from(b.val.dataSync()));
    tf.dispose([a.val, b.val, a.output, b.output]);
    ours.dispose();
    builtin.dispose();
  });

  it('a Rule with its own step: spread the relevance evenly over the inputs', () => {
    class Uniform extends Rule {
      toString() {
        return 'Uniform()';
      }
      override isCompatible() {
        return true;
      }
      override prepare(): Propagator {
        return {
          propagate: ({ inputs, relevance }) =>
            inputs.map((a) => tf.onesLike(a).mul(relevance.sum().div(a.size))),
          dispose: () => {},
        };
      }
    }
    const m = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 3 })] });
    const lrp = new LRP(m, new Uniform());
    const expl = analyze(tf.ones([1, 4]), lrp, 1);
    expect(Array.from(expl.val.dataSync())).toEqual([0.25, 0.25, 0.25, 0.25]);
    expl.dispose();
    lrp.dispose();
  });

  it('a registered custom layer with its own forward and vector-Jacobian product', () => {
    class Doubler extends tf.layers.Layer {
      static className = 'Doubler';
      override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
        return tf.mul(Array.isArray(inputs) ? inputs[0]! : inputs, 2);
      }
      override getClassName(): string {
        return 'Doubler';
      }
    }
    const input = tf.input({ shape: [2] });
    const d = new Doubler({ name: 'doubler' }).apply(input) as tf.SymbolicTensor;
    const out = tf.layers
      .dense({ units: 1, useBias: false, kernelInitializer: 'ones', name: 'dbl_out' })
      .apply(d);
    const m = tf.model({ inputs: input, outputs: out as tf.SymbolicTensor });
    expect(() => new LRP(m)).toThrow(/Doubler layers are not supported/);
    registerLayerKind({
      name: 'Doubler',
      classNames: ['Doubler'],
      groups: ['activation'],
      read: () => ({
        relevance: { kind: 'function' },
        forward: ([v]) => tf.mul(v!, 2),
        vjp: (_inputs, _output, s) => [tf.mul(s, 2)],
      }),
    });
    const lrp = new LRP(m);
    // out = 2·x1 + 2·x2 with x = [1, 3]: relevances 2/8 and 6/8 at the Doubler's output, unchanged through it
    const expl = analyze(tf.tensor2d([[1, 3]]), lrp);
    const got = Array.from(expl.val.dataSync());
    expect(got[0]).toBeCloseTo(0.25, 6);
    expect(got[1]).toBeCloseTo(0.75, 6);
    expl.dispose();
    lrp.dispose();
  });
});
