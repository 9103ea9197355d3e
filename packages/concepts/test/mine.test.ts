import * as tf from '@tensorflow/tfjs';
import { analyze, IndexedFeatures } from '@xai-ts/base';
import { CRP, type CRPExplanation } from '@xai-ts/crp';
import { EpsilonPlusFlat, LRP } from '@xai-ts/lrp';
import { expectNoLeaks } from '@xai-ts/testing';
import { loadDemoModel } from '@xai-ts/zoo';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ConceptLayerError,
  ConceptMiner,
  ConceptOptionError,
  DatasetError,
  defaultConceptLayers,
  demoConceptDataset,
  generatorDataset,
  type MiningResult,
  mine,
} from '../src/index.js';

let model: tf.LayersModel;
let result: MiningResult;
const N = 60;
const dataset = demoConceptDataset({ n: N, seed: 3 });

beforeAll(async () => {
  model = await loadDemoModel();
  result = await mine(model, dataset, { layers: ['conv2', 'conv3'], top: 8, shardSize: 25 });
});

describe('mining', () => {
  it('takes the last convolution of each block by default', async () => {
    const { readGraph } = await import('@xai-ts/canonize');
    expect(defaultConceptLayers(readGraph(model))).toEqual(['conv1', 'conv2', 'conv3']);
  });

  it("finds each channel's top samples as a brute-force CRP pass per sample does (featureRelevance, sorted)", async () => {
    const lrp = new LRP(model, new EpsilonPlusFlat());
    const { data } = {
      data: (await dataset.batch([...Array(N).keys()])).map((s) => s.input as Float32Array),
    };
    for (const [layer, channels] of [
      ['conv2', [0, 5, 17]],
      ['conv3', [2, 11, 30]],
    ] as const) {
      const found = result.findings.layers.find((l) => l.layer === layer)!;
      for (const channel of channels) {
        const crp = new CRP(lrp, layer, new IndexedFeatures(channel));
        const brute = data.map((input, sample) => {
          const x = tf.tensor4d(input, [1, 32, 32, 3]);
          const e = analyze(x, crp) as CRPExplanation;
          const value = e.extras.featureRelevance[0]![0]!;
          e.dispose();
          x.dispose();
          return { sample, value };
        });
        const expected = brute.sort((a, b) => b.value - a.value || a.sample - b.sample).slice(0, 8);
        const got = found.relMax[channel]!;
        const scale = Math.max(1e-6, Math.abs(expected[0]!.value));
        expect(got.map((e) => e.value)).toEqual(
          expected.map((e) => expect.closeTo(e.value, 1e-5 * scale + 1e-7)),
        );
        // the order is the brute force's wherever two values are not within float noise of each other
        for (let k = 0; k < got.length; k++)
          if (
            Math.abs(got[k]!.value - expected[k]!.value) < 1e-5 * scale &&
            (k === 0 || got[k - 1]!.value - got[k]!.value > 1e-5 * scale)
          )
            expect(got[k]!.sample).toBe(expected[k]!.sample);
      }
    }
    lrp.dispose();
  });

  it("ranks ActMax by the channel's largest activation and records where it peaks", async () => {
    const samples = await dataset.batch([...Array(N).keys()]);
    const x = tf.tensor4d(Float32Array.from(samples.flatMap((s) => [...(s.input as Float32Array)])), [
      N,
      32,
      32,
      3,
    ]);
    const conv3 = model.getLayer('conv3');
    const sub = tf.model({ inputs: model.inputs, outputs: conv3.output as tf.SymbolicTensor });
    const act = sub.predict(x) as tf.Tensor4D;
    const channel = 9;
    const maps = act.slice([0, 0, 0, channel], [N, 8, 8, 1]).reshape([N, 64]).arraySync() as number[][];
    const expected = maps
      .map((m, sample) => ({ sample, value: Math.max(...m), at: m.indexOf(Math.max(...m)) }))
      .sort((a, b) => b.value - a.value || a.sample - b.sample)
      .slice(0, 8);
    const got = result.findings.layers[1]!.actMax[channel]!;
    expect(got.map((e) => e.sample)).toEqual(expected.map((e) => e.sample));
    got.forEach((e, k) => {
      expect(e.value).toBeCloseTo(expected[k]!.value, 5);
      expect([e.y, e.x]).toEqual([Math.floor(expected[k]!.at / 8), expected[k]!.at % 8]);
    });
    tf.dispose([x, act]);
  });

  it('keeps per-class statistics of every sample: counts add up, means and maxima bound the top list', () => {
    for (const layer of result.findings.layers)
      for (let c = 0; c < layer.channels; c++) {
        const stats = [...layer.classes[c]!.values()];
        expect(stats.reduce((a, s) => a + s.count, 0)).toBe(N);
        const best = layer.relMax[c]![0]!.value;
        expect(Math.max(...stats.map((s) => s.max))).toBe(best);
      }
    const explained = result.samples.map((s) => s.explained);
    const perClass = new Map<number, number>();
    for (const e of explained) perClass.set(e, (perClass.get(e) ?? 0) + 1);
    const conv3 = result.findings.layers[1]!;
    for (const [cls, count] of perClass) expect(conv3.classes[0]!.get(cls)!.count).toBe(count);
  });

  it('predicts like the model and explains the predicted class by default', async () => {
    const samples = await dataset.batch([...Array(N).keys()]);
    const x = tf.tensor4d(Float32Array.from(samples.flatMap((s) => [...(s.input as Float32Array)])), [
      N,
      32,
      32,
      3,
    ]);
    const y = model.predict(x) as tf.Tensor;
    const predicted = Array.from(y.argMax(-1).dataSync());
    tf.dispose([x, y]);
    expect(result.samples.map((s) => s.predicted)).toEqual(predicted);
    expect(result.samples.map((s) => s.explained)).toEqual(predicted);
    expect(result.samples.map((s) => s.label)).toEqual(samples.map((s) => s.label));
  });

  it('explains the labels with target "label", and refuses samples without one', async () => {
    const labelled = await mine(model, demoConceptDataset({ n: 6, seed: 3 }), {
      layers: ['conv3'],
      top: 2,
      target: 'label',
    });
    expect(labelled.samples.map((s) => s.explained)).toEqual(labelled.samples.map((s) => s.label));
    const unlabelled = generatorDataset({
      name: 'ones',
      size: 2,
      inputShape: [32, 32, 3],
      sample: (i) => ({ id: `s${i}`, input: tf.fill([32, 32, 3], 0.5) }),
    });
    await expect(mine(model, unlabelled, { layers: ['conv3'], target: 'label' })).rejects.toThrow(
      DatasetError,
    );
    await expect(mine(model, unlabelled, { layers: ['conv3'] })).resolves.toBeDefined();
  });

  it('does not leave tensors behind', async () => {
    const miner = new ConceptMiner(model, { layers: ['conv2', 'conv3'], top: 4 });
    const x = tf.randomUniform([3, 32, 32, 3], 0, 1, 'float32', 1);
    expectNoLeaks(() => miner.mineBatch(x, [0, 1, 2], [null, null, null]), 'mineBatch');
    const data = x.dataSync() as Float32Array;
    expectNoLeaks(() => miner.mineArray(data, [32, 32, 3], [0, 1, 2], [null, null, null]), 'mineArray');
    miner.dispose();
    x.dispose();
  });

  it('says what is wrong with bad options and data', async () => {
    expect(() => new ConceptMiner(model, { top: 0 })).toThrow(ConceptOptionError);
    expect(() => new ConceptMiner(model, { layers: ['nope'] })).toThrow(/no layer named "nope"/);
    expect(() => new ConceptMiner(model, { layers: ['conv3', 'conv3'] })).toThrow(ConceptLayerError);
    const short = generatorDataset({
      name: 'short',
      size: 1,
      inputShape: [32, 32, 3],
      sample: () => ({ id: 'a', input: new Float32Array(10) }),
    });
    await expect(mine(model, short)).rejects.toThrow(/10 values.*needs 3072/);
    expect(() =>
      generatorDataset({
        name: 'x',
        size: 0,
        inputShape: [1, 1, 1],
        sample: () => ({ id: 'a', input: new Float32Array(1) }),
      }),
    ).toThrow(DatasetError);
  });
});
