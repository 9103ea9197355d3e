import * as tf from '@tensorflow/tfjs';
import { analyze, IndexSelector } from '@xai-ts/base';
import { Gradient, InputTimesGradient } from '@xai-ts/gradients';
import { seedWeights } from '@xai-ts/testing';
import { afterAll, describe, expect, it } from 'vitest';
import {
  aopc,
  DEFAULT_FLIP_SETTINGS,
  type EvaluationMethod,
  entropy,
  evaluateMethods,
  flipCurves,
  MetricValueError,
  modelRandomisation,
  randomRelevance,
  sparseness,
  srg,
} from '../src/index.js';

function convNet(): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [16, 16, 3],
        filters: 4,
        kernelSize: 3,
        activation: 'relu',
        name: 'e_c1',
      }),
      tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', name: 'e_c2' }),
      tf.layers.flatten({ name: 'e_flat' }),
      tf.layers.dense({ units: 3, name: 'e_out' }),
    ],
  });
  seedWeights(model, 3);
  return model;
}

const model = convNet();
const images = tf.randomUniform([5, 16, 16, 3], 0, 1, 'float32', 9);
const masks = tf.tidy(() => tf.randomUniform([5, 16, 16, 1], 0, 1, 'float32', 2).greater(0.6).toFloat());
const methods: EvaluationMethod[] = [
  { name: 'Gradient', make: (m) => new Gradient(m) },
  { name: 'InputTimesGradient', make: (m) => new InputTimesGradient(m) },
];
afterAll(() => {
  model.dispose();
  images.dispose();
  masks.dispose();
});

describe('evaluateMethods', () => {
  it('scores each method as the metric functions do on its own maps, and the random baseline on its average', async () => {
    const steps: [number, number, string][] = [];
    const result = await evaluateMethods(model, images, methods, {
      seed: 4,
      masks,
      randomSeeds: 2,
      sensitivityRuns: 2,
      onProgress: (done, total, label) => {
        steps.push([done, total, label]);
      },
    });
    expect(result.methods.map((m) => m.method)).toEqual(['Gradient', 'InputTimesGradient']);
    expect(result.n).toBe(5);
    // progress counts up to its total and says so at the end
    expect(steps.map((s) => s[0])).toEqual(steps.map((_, i) => i));
    expect(steps.at(-1)).toEqual([steps[0]![1], steps[0]![1], 'done']);

    // the explained output is each image's largest
    const selection = Array.from(tf.tidy(() => (model.predict(images) as tf.Tensor).argMax(-1).dataSync()));
    const ixg = analyze(images, new InputTimesGradient(model), new IndexSelector(selection));
    const scored = result.methods[1]!;
    for (const [k, setting] of DEFAULT_FLIP_SETTINGS.entries()) {
      const curves = flipCurves(model, images, ixg, { ...setting.options, selection, seed: 4 });
      expect(scored.curves[setting.name]!.mif).toEqual(curves.mif);
      expect(scored.curves[setting.name]!.lif).toEqual(curves.lif);
      expect(scored.metrics[`srg:${setting.name}`]).toBe(curves.srg);
      expect(scored.metrics[`aopc:${setting.name}`]).toBe(curves.aopc);
      expect(k).toBeLessThan(2);
    }
    expect(scored.metrics.sparseness).toBe(sparseness(ixg).mean);
    expect(scored.metrics.entropy).toBe(entropy(ixg).mean);
    const cascade = modelRandomisation(model, (m) => new InputTimesGradient(m), images, {
      seed: 4,
      selection: new IndexSelector(selection),
    });
    expect(scored.randomisation!.map((s) => s.spearman)).toEqual(cascade.steps.map((s) => s.spearman));
    expect(scored.metrics.randomisation).toBe(cascade.steps.at(-1)!.spearman);
    ixg.dispose();

    // the random row averages the curves of its seeds before scoring
    const randoms = [randomRelevance(images, 4 + 1000), randomRelevance(images, 4 + 1001)];
    const setting = DEFAULT_FLIP_SETTINGS[0]!;
    const runs = randoms.map((r, k) =>
      flipCurves(model, images, r, { ...setting.options, selection, seed: 4 + k }),
    );
    const mif = runs[0]!.mif.map((v, i) => (v + runs[1]!.mif[i]!) / 2);
    const lif = runs[0]!.lif.map((v, i) => (v + runs[1]!.lif[i]!) / 2);
    expect(result.random.metrics[`srg:${setting.name}`]).toBeCloseTo(srg(mif, lif), 12);
    expect(result.random.metrics[`aopc:${setting.name}`]).toBeCloseTo(aopc(mif), 12);
    tf.dispose(randoms);

    // the edge detector ignores the model: its maps survive every randomisation
    expect(result.edges!.metrics.randomisation).toBeCloseTo(1, 12);
    for (const m of [...result.methods, result.random]) {
      expect(m.metrics.relevanceMass).toBeGreaterThanOrEqual(0);
      expect(m.metrics.pointingGame).toBeLessThanOrEqual(1);
    }
    expect(result.methods[0]!.metrics.sensitivity).toBeGreaterThan(0);
  });

  it('is deterministic for a seed and leaks no tensor', async () => {
    const options = { seed: 1, metrics: ['srg', 'sensitivity'] as const, sensitivityRuns: 2 };
    const before = tf.memory().numTensors;
    const a = await evaluateMethods(model, images, methods, options);
    const b = await evaluateMethods(model, images, methods, options);
    expect(tf.memory().numTensors).toBe(before);
    const strip = (r: typeof a) => [...r.methods, r.random].map((m) => m.metrics);
    expect(strip(b)).toEqual(strip(a));
    expect(a.edges).toBeUndefined();
    expect(Object.keys(a.methods[0]!.metrics).sort()).toEqual([
      'sensitivity',
      'srg:patch2-mean',
      'srg:pixelflipper',
    ]);
    const c = await evaluateMethods(model, images, methods, { ...options, seed: 2 });
    expect(strip(c)).not.toEqual(strip(a));
  });

  it('averages the curves of a noise imputer over several seeds', async () => {
    const setting = { name: 'noise', options: { steps: 8, imputer: 'noise' as const }, seeds: 2 };
    const r = await evaluateMethods(model, images, methods.slice(0, 1), {
      metrics: ['srg'],
      settings: [setting],
      seed: 3,
    });
    const selection = Array.from(tf.tidy(() => (model.predict(images) as tf.Tensor).argMax(-1).dataSync()));
    const g = analyze(images, new Gradient(model), new IndexSelector(selection));
    const [a, b] = [3, 1003].map((seed) =>
      flipCurves(model, images, g, { ...setting.options, selection, seed }),
    );
    g.dispose();
    expect(a!.mif).not.toEqual(b!.mif);
    const mean = (x: number[], y: number[]) => x.map((v, i) => (v + y[i]!) / 2);
    expect(r.methods[0]!.curves.noise!.mif).toEqual(mean(a!.mif, b!.mif));
    expect(r.methods[0]!.metrics['srg:noise']).toBe(srg(mean(a!.mif, b!.mif), mean(a!.lif, b!.lif)));
    await expect(
      evaluateMethods(model, images, methods, { settings: [{ ...setting, seeds: 0 }] }),
    ).rejects.toThrow('the flipping setting "noise": seeds must be an integer ≥ 1, got 0');
  });

  it('drops localisation without masks and refuses an unknown metric, leaking nothing', async () => {
    const r = await evaluateMethods(model, images, methods.slice(0, 1), {
      metrics: ['sparseness', 'localisation'],
    });
    expect(r.metrics).toEqual(['sparseness']);
    const before = tf.memory().numTensors;
    await expect(
      evaluateMethods(model, images, methods, { metrics: ['srg', 'faithfulness' as never] }),
    ).rejects.toThrow(MetricValueError);
    await expect(
      evaluateMethods(model, images, methods, { metrics: ['faithfulness' as never] }),
    ).rejects.toThrow(/unknown metric "faithfulness"; use srg, aopc/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('disposes what a method built even when the method fails midway', async () => {
    const before = tf.memory().numTensors;
    let disposed = 0;
    const failing: EvaluationMethod = {
      name: 'failing',
      make: (m) => {
        const g = new Gradient(m);
        return {
          name: 'failing',
          explain: () => {
            throw new Error('no map today');
          },
          dispose: () => {
            disposed++;
            g.dispose();
          },
        } as never;
      },
    };
    await expect(
      evaluateMethods(model, images, [methods[0]!, failing], { metrics: ['srg'] }),
    ).rejects.toThrow('no map today');
    expect(disposed).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });
});
