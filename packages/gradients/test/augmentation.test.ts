import * as tf from '@tensorflow/tfjs';
import { type Analyzer, analyze, Explanation, OutputSelectionError, type OutputSelector } from '@xai-ts/base';
import { describe, expect, it } from 'vitest';
import {
  AnalyzerOptionError,
  AugmentationError,
  InterpolationAugmentation,
  NoiseAugmentation,
  quadraturePoints,
} from '../src/index.js';
import { NormalStream } from '../src/random.js';
import { expectClose, expectNoLeak, SquareAnalyzer } from './helpers.js';

// Two samples of shape [2, 2]; sample 0 sums to 0.01 (its top output is 0, but noise flips it), sample 1 to −2.
const values = [0.4, -0.1, -0.5, 0.21, -1, 0.5, -0.75, -0.75];
const input = () => tf.tensor(values, [2, 2, 2]);

describe('NoiseAugmentation', () => {
  it('averages the wrapped maps of the noisy copies: exact values', () => {
    const toy = new SquareAnalyzer();
    const n = 5;
    const std = 0.3;
    const x = input();
    const expl = analyze(x, new NoiseAugmentation(toy, { n, std, seed: 11 }));
    // Copy k of every sample gets the k-th block of 4 numbers of the seeded stream.
    const noise = new NormalStream(11).fill(new Float32Array(n * 4), std);
    const expected = values.map((v, i) => {
      const sample = Math.floor(i / 4);
      const factor = sample === 0 ? 1 : 2; // the clean selection: [0, 1]
      let sum = 0;
      for (let k = 0; k < n; k++) sum += Math.fround(v + noise[k * 4 + (i % 4)]!) ** 2;
      return (factor * sum) / n;
    });
    expectClose(expl.val.dataSync(), expected, 1e-5, 1e-7);
    expect(expl.outputSelection).toEqual([0, 1]);
    expect(expl.heatmap).toBe('attribution');
    expect(expl.analyzer).toBe('NoiseAugmentation(Square)');
    expect(expl.val.shape).toEqual([2, 2, 2]);
    expectClose(expl.output.dataSync(), [0.01, -0.01, -2, 2], 1e-5, 1e-6);
    expl.dispose();
    x.dispose();
  });

  it('selects the output once on the clean input and keeps it for every copy', () => {
    const toy = new SquareAnalyzer();
    const x = input();
    const expl = analyze(x, new NoiseAugmentation(toy, { n: 40, std: 1, seed: 3, batchSize: 8 }));
    // The first call explains the clean input with the default selector, every later one gets the fixed selection.
    expect(toy.selections[0]).toEqual([0, 1]);
    for (const s of toy.selections.slice(1)) expect(s).toEqual(s.map((_, i) => (i % 2 === 0 ? 0 : 1)));
    expect(toy.batches.slice(1)).toEqual([8, 8, 8, 8, 8, 8, 8, 8, 8, 8]);
    expl.dispose();
    x.dispose();
  });

  it('gives the same result for every batch size, and for the same seed', () => {
    const x = input();
    const run = (batchSize: number, seed: number) => {
      const expl = analyze(
        x,
        new NoiseAugmentation(new SquareAnalyzer(), { n: 7, std: 0.5, seed, batchSize }),
      );
      const data = Array.from(expl.val.dataSync());
      expl.dispose();
      return data;
    };
    const reference = run(32, 1);
    expectClose(run(1, 1), reference, 1e-6, 1e-7);
    expectClose(run(6, 1), reference, 1e-6, 1e-7);
    expect(run(32, 1)).toEqual(reference);
    expect(run(32, 2)).not.toEqual(reference);
    x.dispose();
  });

  it('is the wrapped map itself with std = 0', () => {
    const x = input();
    const expl = analyze(x, new NoiseAugmentation(new SquareAnalyzer(), { n: 3, std: 0 }));
    expectClose(
      expl.val.dataSync(),
      values.map((v, i) => v * v * (i < 4 ? 1 : 2)),
      1e-6,
      1e-7,
    );
    expl.dispose();
    x.dispose();
  });

  it('explains a sample in a batch as alone, with the same seed', () => {
    const x = input();
    const aug = new NoiseAugmentation(new SquareAnalyzer(), { n: 6, std: 0.4, seed: 9 });
    const batch = analyze(x, aug, 1);
    const x1 = x.slice([1], [1]);
    const alone = analyze(x1, aug, 1);
    expectClose(alone.val.dataSync(), batch.val.slice([1], [1]).dataSync(), 1e-6, 1e-7);
    tf.dispose([x, x1]);
    batch.dispose();
    alone.dispose();
  });

  it('leaks no tensors, also when the selection fails', () => {
    const x = input();
    const aug = new NoiseAugmentation(new SquareAnalyzer(), { n: 5, std: 0.1, batchSize: 4 });
    expectNoLeak(() => analyze(x, aug).dispose());
    expectNoLeak(() => expect(() => analyze(x, aug, 2)).toThrow(OutputSelectionError));
    x.dispose();
  });

  it('rejects bad options', () => {
    const toy = new SquareAnalyzer();
    for (const n of [0, -1, 2.5, Number.NaN])
      expect(() => new NoiseAugmentation(toy, { n })).toThrow(AnalyzerOptionError);
    expect(() => new NoiseAugmentation(toy, { n: 0 })).toThrow(/n must be an integer ≥ 1, got 0/);
    for (const std of [-0.1, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => new NoiseAugmentation(toy, { std })).toThrow(AnalyzerOptionError);
    expect(() => new NoiseAugmentation(toy, { std: -0.1 })).toThrow(
      /std must be a finite number ≥ 0, got -0.1/,
    );
    expect(() => new NoiseAugmentation(toy, { batchSize: 0 })).toThrow(/batchSize/);
    expect(() => new NoiseAugmentation(toy, { seed: 1.5 })).toThrow(/seed must be an integer/);
  });

  it('rejects a wrapped analyzer that returns more maps than inputs', () => {
    const x = input();
    const aug = new NoiseAugmentation(new Doubling(), { n: 2, std: 0.1 });
    expectNoLeak(() => expect(() => analyze(x, aug)).toThrow(AugmentationError));
    x.dispose();
  });
});

describe('InterpolationAugmentation', () => {
  it('integrates the wrapped maps along the path and multiplies by (x − baseline): exact values', () => {
    const baseline = tf.tensor([0.2, 0.1, -0.3, 0.05], [2, 2]);
    const x = input();
    for (const quadrature of ['trapezoid', 'riemannRight', 'riemannLeft', 'riemannMiddle'] as const) {
      const n = 4;
      const toy = new SquareAnalyzer();
      const expl = analyze(x, new InterpolationAugmentation(toy, { n, baseline, quadrature }));
      const { alphas, weights } = quadraturePoints(quadrature, n);
      const b = baseline.dataSync();
      const expected = values.map((v, i) => {
        const factor = i < 4 ? 1 : 2; // selected once on x: [0, 1], although at α = 0 both outputs tie
        const bi = b[i % 4]!;
        const integral = alphas.reduce((s, a, k) => s + weights[k]! * (bi + a * (v - bi)) ** 2, 0);
        return factor * (v - bi) * integral;
      });
      expectClose(expl.val.dataSync(), expected, 1e-5, 1e-7);
      expect(expl.outputSelection).toEqual([0, 1]);
      expect(expl.heatmap).toBe('attribution');
      // One call for the clean input, then one for the remaining points (n or n − 1 copies of the batch).
      expect(toy.batches).toEqual(alphas.includes(1) ? [2, 2 * (n - 1)] : [2, 2 * n]);
      for (const s of toy.selections.slice(1)) expect(s).toEqual(s.map((_, i) => (i % 2 === 0 ? 0 : 1)));
      expl.dispose();
    }
    tf.dispose([x, baseline]);
  });

  it('has the trapezoidal rule’s known error on a quadratic integrand', () => {
    // ∫₀¹ (b + αd)² dα = b² + bd + d²/3; the trapezoidal rule on n points adds d² / (6 (n − 1)²).
    const x = tf.tensor2d([[1.5, -2]]);
    for (const n of [2, 3, 10]) {
      const expl = analyze(x, new InterpolationAugmentation(new SquareAnalyzer(), { n, baseline: 0.5 }), 0);
      const expected = [1.5, -2].map((v) => {
        const d = v - 0.5;
        return d * (0.25 + 0.5 * d + (d * d) / 3 + (d * d) / (6 * (n - 1) ** 2));
      });
      expectClose(expl.val.dataSync(), expected, 1e-5, 1e-7);
      expl.dispose();
    }
    x.dispose();
  });

  it('takes a baseline per sample, per batch, as a number, or per call', () => {
    const x = input();
    const toy = new SquareAnalyzer();
    const sample = tf.tensor([0.2, 0.1, -0.3, 0.05], [2, 2]);
    const batch = tf.stack([sample, sample]);
    const lead = tf.expandDims(sample, 0);
    const results = [
      analyze(x, new InterpolationAugmentation(toy, { n: 3, baseline: sample })),
      analyze(x, new InterpolationAugmentation(toy, { n: 3, baseline: batch })),
      analyze(x, new InterpolationAugmentation(toy, { n: 3, baseline: lead })),
      analyze(x, new InterpolationAugmentation(toy, { n: 3 }), undefined, { baseline: sample }),
    ];
    for (const r of results.slice(1)) expectClose(r.val.dataSync(), results[0]!.val.dataSync(), 1e-6, 1e-7);
    const zero = analyze(x, new InterpolationAugmentation(toy, { n: 3 }));
    const zeroNumber = analyze(x, new InterpolationAugmentation(toy, { n: 3, baseline: 0 }));
    expectClose(zero.val.dataSync(), zeroNumber.val.dataSync(), 1e-6, 1e-7);
    for (const r of [...results, zero, zeroNumber]) r.dispose();
    tf.dispose([x, sample, batch, lead]);
  });

  it('leaks no tensors, also when the selection fails', () => {
    const x = input();
    const baseline = tf.zeros([2, 2]);
    for (const quadrature of ['trapezoid', 'riemannMiddle'] as const) {
      const aug = new InterpolationAugmentation(new SquareAnalyzer(), {
        n: 5,
        baseline,
        batchSize: 4,
        quadrature,
      });
      expectNoLeak(() => analyze(x, aug).dispose());
      expectNoLeak(() => expect(() => analyze(x, aug, 2)).toThrow(OutputSelectionError));
    }
    tf.dispose([x, baseline]);
  });

  it('rejects bad options and baselines of the wrong shape', () => {
    const toy = new SquareAnalyzer();
    for (const n of [0, -3, 1.5])
      expect(() => new InterpolationAugmentation(toy, { n })).toThrow(AnalyzerOptionError);
    expect(() => new InterpolationAugmentation(toy, { n: 1 })).toThrow(/at least 2 points/);
    expect(() => new InterpolationAugmentation(toy, { n: 1, quadrature: 'riemannRight' })).not.toThrow();
    expect(
      () => new InterpolationAugmentation(toy, { quadrature: 'simpson' as unknown as 'trapezoid' }),
    ).toThrow(/unknown quadrature "simpson"/);
    expect(() => new InterpolationAugmentation(toy, { batchSize: -1 })).toThrow(AnalyzerOptionError);
    const x = input();
    const wrong = tf.zeros([3, 2]);
    const aug = new InterpolationAugmentation(toy, { baseline: wrong });
    expectNoLeak(() =>
      expect(() => analyze(x, aug)).toThrow(
        /the baseline has shape \[3,2\] but the input has shape \[2,2,2\]/,
      ),
    );
    expect(() => analyze(x, new InterpolationAugmentation(toy), undefined, { baseline: wrong })).toThrow(
      /BaselineShapeError|baseline has shape/,
    );
    expect(() => new InterpolationAugmentation(toy, { baseline: Number.NaN })).toThrow(/finite/);
    tf.dispose([x, wrong]);
  });

  it('rejects wrapped maps that do not have the input’s shape', () => {
    const x = input();
    const aug = new InterpolationAugmentation(new Doubling(), { n: 3 });
    expectNoLeak(() => expect(() => analyze(x, aug)).toThrow(AugmentationError));
    x.dispose();
  });
});

/** Returns two maps per input, as CRP with two features would. */
class Doubling implements Analyzer {
  readonly name = 'Doubling';
  explain(input: tf.Tensor, selector: OutputSelector): Explanation {
    const n = input.shape[0]!;
    const output = tf.zeros([n, 2]);
    const selection = selector.select(output);
    return new Explanation({
      val: tf.concat([input, input]),
      input,
      output,
      outputSelection: selection,
      analyzer: this.name,
      heatmap: 'attribution',
    });
  }
}
