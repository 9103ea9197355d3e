import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { analyze, MaskSelector } from '@xai-ts/base';
import { Gradient } from '@xai-ts/gradients';
import { heatmap, tensorToImages } from '@xai-ts/heatmap';
import { decodePNG, encodePNG } from '@xai-ts/heatmap/node';
import { EpsilonPlusFlat, LRP } from '@xai-ts/lrp';
import { demoDataset } from '@xai-ts/zoo';
import { fileSystem } from '@xai-ts/zoo/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, xai } from './helpers.js';

// `xai explain --region` on a model with a per-pixel output: a saved model.json, so that nothing needs the zoo's
// shipped segmentation model; the heatmaps must be exactly those of the API with a MaskSelector.

const dir = tempDir('segmentation');
const image = join(dir, 'cross.png');
const saved = join(dir, 'segmenter');
let model: tf.LayersModel;
let x: tf.Tensor4D;

beforeAll(async () => {
  const { images, masks } = demoDataset({ n: 1, seed: 0 });
  const [a] = tensorToImages(images, { range: [0, 1] });
  writeFileSync(image, encodePNG(a!));
  const bytes = Array.from({ length: 32 * 32 * 3 }, (_, i) => a!.data[Math.floor(i / 3) * 4 + (i % 3)]!);
  x = tf.tensor4d(bytes, [1, 32, 32, 3]).div(255) as tf.Tensor4D;
  tf.dispose([images, masks]);
  const input = tf.input({ shape: [32, 32, 3] });
  const h = tf.layers
    .conv2d({
      filters: 4,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      name: 'features',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
    })
    .apply(input) as tf.SymbolicTensor;
  const logits = tf.layers
    .conv2d({
      filters: 3,
      kernelSize: 1,
      name: 'pixel_logits',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
    })
    .apply(h) as tf.SymbolicTensor;
  model = tf.model({ inputs: input, outputs: logits, name: 'segmenter' });
  await model.save(fileSystem(saved));
});

afterAll(() => {
  model.dispose();
  x.dispose();
});

function png(path: string) {
  expect(existsSync(path), path).toBe(true);
  return decodePNG(readFileSync(path));
}

function box(x0: number, y0: number, x1: number, y1: number): number[][] {
  return Array.from({ length: 32 }, (_, i) =>
    Array.from({ length: 32 }, (_, j) => (i >= y0 && i < y1 && j >= x0 && j < x1 ? 1 : 0)),
  );
}

describe('xai explain --region on a per-pixel output', () => {
  it('explains the region for a class: the heatmaps of a MaskSelector, and the region classes printed', async () => {
    const out = join(dir, 'region');
    const run = await xai(
      'explain',
      image,
      '--model',
      join(saved, 'model.json'),
      '--method',
      'lrp,gradient',
      '--region',
      '8,4,20,12',
      '--class',
      '2',
      '--out',
      out,
      '--backend',
      'cpu',
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/cross\.png, region x 8\.\.19, y 4\.\.11\n/);
    expect(run.stdout).toMatch(/\s+\d\s+\d+\.\d % of the region\s+mean logit\s+-?\d+\.\d\d/);
    const selector = new MaskSelector(box(8, 4, 20, 12), 2);
    const lrp = new LRP(model, new EpsilonPlusFlat());
    const cases = [
      ['cross_lrp-epsilonplusflat_c2_r8-4-20-12.png', analyze(x, lrp, selector)],
      ['cross_gradient_c2_r8-4-20-12.png', analyze(x, new Gradient(model), selector)],
    ] as const;
    for (const [file, expl] of cases) {
      expect(png(join(out, file)).data).toEqual(heatmap(expl)[0]!.data);
      // a 3×3 then a 1×1 convolution: nothing outside the region grown by one pixel gets relevance
      const outside = tf.tidy(() => {
        const grown = tf.tensor(box(7, 3, 21, 13)).reshape([1, 32, 32, 1]);
        return tf.sum(tf.abs(tf.mul(expl.val, tf.sub(1, grown)))).dataSync()[0]!;
      });
      expect(outside, file).toBe(0);
      expl.dispose();
    }
    selector.dispose();
    lrp.dispose();
  });

  it('without --class explains the class with the largest mean logit in the region; without --region the whole output', async () => {
    const out = join(dir, 'whole');
    const run = await xai('explain', image, '--model', saved, '--out', out, '--backend', 'cpu');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/cross\.png, region x 0\.\.31, y 0\.\.31\n\s+(\d)\s/);
    const top = Number(/region x 0\.\.31, y 0\.\.31\n\s+(\d)\s/.exec(run.stdout)![1]);
    const sums = tf.tidy(
      () =>
        tf
          .sum(model.predict(x) as tf.Tensor, [0, 1, 2])
          .argMax()
          .dataSync()[0]!,
    );
    expect(top).toBe(sums);
    expect(existsSync(join(out, `cross_lrp-epsilonplusflat_c${top}.png`))).toBe(true);
  });

  it('rejects a region outside the output, a malformed or empty one, and --region on a classifier', async () => {
    const outside = await xai(
      'explain',
      image,
      '--model',
      saved,
      '--region',
      '0,0,33,8',
      '--out',
      join(dir, 'r1'),
    );
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(/--region 0,0,33,8 reaches outside the output of .*32 wide and 32 high/);
    const malformed = await xai(
      'explain',
      image,
      '--model',
      saved,
      '--region',
      '1,2,3',
      '--out',
      join(dir, 'r2'),
    );
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/x0,y0,x1,y1/);
    const empty = await xai(
      'explain',
      image,
      '--model',
      saved,
      '--region',
      '4,4,4,9',
      '--out',
      join(dir, 'r3'),
    );
    expect(empty.stderr).toMatch(/is empty: x1 must exceed x0/);
    const classifier = await xai('explain', image, '--region', '0,0,4,4', '--out', join(dir, 'r4'));
    expect(classifier.code).toBe(2);
    expect(classifier.stderr).toMatch(/--region applies to models with a per-pixel output/);
  });
});
