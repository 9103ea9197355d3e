import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { analyze, TopNFeatures } from '@xai-ts/base';
import { CRP } from '@xai-ts/crp';
import { GradCAM, Gradient } from '@xai-ts/gradients';
import { heatmap, overlay, tensorToImages } from '@xai-ts/heatmap';
import { decodePNG, encodePNG } from '@xai-ts/heatmap/node';
import { EpsilonGammaBox, EpsilonPlusFlat, LRP } from '@xai-ts/lrp';
import { demoDataset, loadDemoModel } from '@xai-ts/zoo';
import { fileSystem } from '@xai-ts/zoo/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir, xai } from './helpers.js';

const dir = tempDir('explain');
const cross = join(dir, 'cross.png'); // demoDataset({ n: 2, seed: 0 }): a cross, then a circle
const circle = join(dir, 'circle.png');
let model: tf.LayersModel;
/** The inputs the command sees: the PNGs' 8-bit values / 255. */
let inputs: tf.Tensor4D;

beforeAll(async () => {
  const { images, masks, labels } = demoDataset({ n: 2, seed: 0 });
  expect(labels).toEqual([3, 0]);
  const [a, b] = tensorToImages(images, { range: [0, 1] });
  writeFileSync(cross, encodePNG(a!));
  writeFileSync(circle, encodePNG(b!));
  images.dispose();
  masks.dispose();
  const bytes = [a!, b!].flatMap((img) =>
    Array.from({ length: 32 * 32 * 3 }, (_, i) => img.data[Math.floor(i / 3) * 4 + (i % 3)]!),
  );
  inputs = tf.tensor4d(bytes, [2, 32, 32, 3]).div(255) as tf.Tensor4D;
  model = await loadDemoModel();
});

function png(path: string) {
  expect(existsSync(path), path).toBe(true);
  return decodePNG(readFileSync(path));
}

function sample(i: number): tf.Tensor4D {
  return inputs.slice([i], [1]) as tf.Tensor4D;
}

describe('xai explain on the demo model', () => {
  it('prints the top predictions with the class names and writes one PNG per image and method', async () => {
    const out = join(dir, 'several');
    const run = await xai(
      'explain',
      cross,
      circle,
      '--method',
      'lrp,gradient,inputxgradient,gradcam',
      '--out',
      out,
      '--backend',
      'cpu',
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/cross\.png\n\s+3\s+\d+\.\d %\s+cross\n/);
    expect(run.stdout).toMatch(/circle\.png\n\s+0\s+\d+\.\d %\s+circle\n/);
    const files = [
      'cross_lrp-epsilonplusflat_c3.png',
      'cross_gradient_c3.png',
      'cross_inputtimesgradient_c3.png',
      'cross_gradcam-conv3_c3.png',
      'circle_lrp-epsilonplusflat_c0.png',
      'circle_gradient_c0.png',
      'circle_inputtimesgradient_c0.png',
      'circle_gradcam-conv3_c0.png',
    ];
    expect(run.stdout).toContain('wrote 8 heatmaps');
    for (const f of files) {
      expect(run.stdout).toContain(join(out, f));
      const img = png(join(out, f));
      expect([img.width, img.height]).toEqual([32, 32]);
    }
  });

  it('writes exactly the heatmaps of the analyzers, at the predicted class by default', async () => {
    const out = join(dir, 'exact');
    const run = await xai(
      'explain',
      circle,
      '--method',
      'lrp,gradient,gradcam',
      '--out',
      out,
      '--backend',
      'cpu',
    );
    expect(run.code).toBe(0);
    const x = sample(1);
    const lrp = new LRP(model, new EpsilonPlusFlat());
    const cases = [
      ['circle_lrp-epsilonplusflat_c0.png', analyze(x, lrp)],
      ['circle_gradient_c0.png', analyze(x, new Gradient(model))],
    ] as const;
    for (const [file, expl] of cases) {
      expect(png(join(out, file)).data).toEqual(heatmap(expl)[0]!.data);
      expl.dispose();
    }
    // Grad-CAM is laid over the image by default
    const cam = analyze(x, new GradCAM(model, { layer: 'conv3' }));
    const [image] = tensorToImages(x, { range: [0, 1] });
    expect(png(join(out, 'circle_gradcam-conv3_c0.png')).data).toEqual(
      overlay(heatmap(cam, { overlay: false })[0]!, image!).data,
    );
    cam.dispose();
    lrp.dispose();
    x.dispose();
  });

  it('explains --class and the --top classes, with a composite, a colormap and overlays', async () => {
    const out = join(dir, 'classes');
    let run = await xai(
      'explain',
      cross,
      '--composite',
      'epsilongammabox',
      '--class',
      '1',
      '--overlay',
      '--colormap',
      'RdBu_r',
      '--out',
      out,
      '--backend',
      'cpu',
    );
    expect(run.code).toBe(0);
    const x = sample(0);
    const lrp = new LRP(model, new EpsilonGammaBox({ low: 0, high: 1 }));
    const expl = analyze(x, lrp, 1);
    const [image] = tensorToImages(x, { range: [0, 1] });
    expect(png(join(out, 'cross_lrp-epsilongammabox_c1.png')).data).toEqual(
      overlay(heatmap(expl, { colormap: 'RdBu_r' })[0]!, image!).data,
    );
    expl.dispose();
    lrp.dispose();
    x.dispose();

    run = await xai(
      'explain',
      cross,
      '--top',
      '3',
      '--method',
      'gradcam',
      '--no-overlay',
      '--out',
      out,
      '--backend',
      'cpu',
    );
    expect(run.code).toBe(0);
    const classes = [...run.stdout.matchAll(/cross_gradcam-conv3_c(\d)\.png/g)].map((m) => Number(m[1]));
    const printed = [...run.stdout.matchAll(/^\s+(\d)\s+\d+\.\d %/gm)].map((m) => Number(m[1]));
    expect(classes).toEqual(printed); // the three most likely, most likely first
    expect(classes[0]).toBe(3);
  });

  it('writes one CRP map per chosen feature, named by its channel', async () => {
    const out = join(dir, 'crp');
    let run = await xai(
      'explain',
      cross,
      '--method',
      'crp',
      '--top-features',
      '2',
      '--out',
      out,
      '--backend',
      'cpu',
    );
    expect(run.code).toBe(0);
    const x = sample(0);
    const lrp = new LRP(model, new EpsilonPlusFlat());
    const expl = analyze(x, new CRP(lrp, 'conv3', new TopNFeatures(2)));
    const features = (expl.extras as { features: number[][] }).features[0]!;
    const maps = heatmap(expl);
    for (const [k, f] of features.entries())
      expect(png(join(out, `cross_crp-epsilonplusflat-conv3_f${f}_c3.png`)).data).toEqual(maps[k]!.data);
    expl.dispose();
    lrp.dispose();
    x.dispose();

    run = await xai(
      'explain',
      cross,
      '--method',
      'crp',
      '--layer',
      'conv2',
      '--features',
      '5,9',
      '--out',
      out,
      '--backend',
      'cpu',
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('cross_crp-epsilonplusflat-conv2_f5_c3.png');
    expect(run.stdout).toContain('cross_crp-epsilonplusflat-conv2_f9_c3.png');
  });

  it('preprocesses as asked: torchvision normalisation feeds ZBox per-channel bounds', async () => {
    const out = join(dir, 'torchvision');
    const run = await xai(
      'explain',
      circle,
      '--preprocess',
      'torchvision',
      '--composite',
      'EpsilonGammaBox',
      '--out',
      out,
      '--backend',
      'cpu',
    );
    expect(run.code).toBe(0);
    const x = tf.tidy(() =>
      sample(1)
        .sub(tf.tensor1d([0.485, 0.456, 0.406]))
        .div(tf.tensor1d([0.229, 0.224, 0.225])),
    );
    const low = tf.tensor1d([-0.485 / 0.229, -0.456 / 0.224, -0.406 / 0.225]);
    const high = tf.tensor1d([0.515 / 0.229, 0.544 / 0.224, 0.594 / 0.225]);
    const lrp = new LRP(model, new EpsilonGammaBox({ low, high }));
    const expl = analyze(x, lrp);
    const top = (model.predict(x) as tf.Tensor).argMax(-1).dataSync()[0];
    expect(png(join(out, `circle_lrp-epsilongammabox_c${top}.png`)).data).toEqual(heatmap(expl)[0]!.data);
    tf.dispose([x, low, high]);
    expl.dispose();
    lrp.dispose();
  });

  it('runs SmoothGrad and Integrated Gradients with --samples', async () => {
    const out = join(dir, 'noise');
    const run = await xai(
      'explain',
      circle,
      '--method',
      'smoothgrad,ig',
      '--samples',
      '3',
      '--out',
      out,
      '--backend',
      'cpu',
    );
    expect(run.code).toBe(0);
    expect(png(join(out, 'circle_smoothgrad_c0.png')).width).toBe(32);
    expect(png(join(out, 'circle_integratedgradients_c0.png')).width).toBe(32);
  });
});

describe('xai explain on a model.json', () => {
  it('gives the same heatmaps as the demo model it was saved from, with numbered classes', async () => {
    const saved = join(dir, 'saved');
    await model.save(fileSystem(saved));
    const out = join(dir, 'from-file');
    const run = await xai(
      'explain',
      circle,
      '--model',
      join(saved, 'model.json'),
      '--out',
      out,
      '--backend',
      'cpu',
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/circle\.png\n\s+0\s+\d+\.\d %\n/); // no names: a plain model has none
    const reference = join(dir, 'exact', 'circle_lrp-epsilonplusflat_c0.png');
    expect(readFileSync(join(out, 'circle_lrp-epsilonplusflat_c0.png'))).toEqual(readFileSync(reference));
    // a directory works as well
    const again = await xai('explain', circle, '--model', saved, '--out', out, '--backend', 'cpu');
    expect(again.code).toBe(0);
  });

  it('removes a final softmax and says so', async () => {
    const input = tf.input({ shape: [32, 32, 3] });
    const conv = tf.layers
      .conv2d({ filters: 4, kernelSize: 3, activation: 'relu' })
      .apply(input) as tf.SymbolicTensor;
    const flat = tf.layers.flatten().apply(conv) as tf.SymbolicTensor;
    const probs = tf.layers.dense({ units: 3, activation: 'softmax' }).apply(flat) as tf.SymbolicTensor;
    const m = tf.model({ inputs: input, outputs: probs });
    const saved = join(dir, 'softmax');
    await m.save(fileSystem(saved));
    m.dispose();
    const run = await xai(
      'explain',
      circle,
      '--model',
      saved,
      '--out',
      join(dir, 'softmax-out'),
      '--backend',
      'cpu',
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('removed the final softmax');
  });
});
