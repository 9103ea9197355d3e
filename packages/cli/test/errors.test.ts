import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { tensorToImages } from '@xai-ts/heatmap';
import { encodePNG } from '@xai-ts/heatmap/node';
import { demoDataset } from '@xai-ts/zoo';
import { fileSystem } from '@xai-ts/zoo/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir, xai } from './helpers.js';

const dir = tempDir('errors');
const image = join(dir, 'shape.png');
const notImage = join(dir, 'notes.png');
const out = join(dir, 'out');

beforeAll(async () => {
  const { images, masks } = demoDataset({ n: 1, seed: 3 });
  writeFileSync(image, encodePNG(tensorToImages(images, { range: [0, 1] })[0]!));
  images.dispose();
  masks.dispose();
  writeFileSync(notImage, 'these are notes, not pixels');
  const tanh = tf.sequential({
    layers: [
      tf.layers.conv2d({
        name: 'tanh_conv',
        inputShape: [32, 32, 3],
        filters: 2,
        kernelSize: 3,
        activation: 'tanh',
      }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 2 }),
    ],
  });
  await tanh.save(fileSystem(join(dir, 'tanh')));
  const tabular = tf.sequential({ layers: [tf.layers.dense({ inputShape: [10], units: 2 })] });
  await tabular.save(fileSystem(join(dir, 'tabular')));
  writeFileSync(join(dir, 'graph.json'), JSON.stringify({ format: 'graph-model', modelTopology: {} }));
});

// [what, argv, what the one line says]
const cases: [string, string[], RegExp][] = [
  ['a missing image', ['explain', join(dir, 'missing.png')], /^xai: no image at .*missing\.png$/],
  [
    'an image that is neither PNG nor JPEG',
    ['explain', notImage],
    /^xai: cannot read the image .*notes\.png: .*neither PNG nor JPEG/,
  ],
  [
    'an unknown composite',
    ['explain', image, '--composite', 'EpsilonMinus'],
    /^xai: unknown composite 'EpsilonMinus': use EpsilonGammaBox, .*EpsilonAlpha2Beta1Flat$/,
  ],
  [
    'an unknown method',
    ['explain', image, '--method', 'lrp,occlusion'],
    /^xai: unknown method 'occlusion': use lrp, crp, gradient, /,
  ],
  [
    'a class out of range',
    ['explain', image, '--class', '5'],
    /^xai: class 5 is out of range: demo has 5 classes \(0 to 4/,
  ],
  [
    'a class that is not a number',
    ['explain', image, '--class', 'castle'],
    /^xai: option '--class <index>' argument 'castle' is invalid/,
  ],
  [
    '--top over the class count',
    ['explain', image, '--top', '6'],
    /^xai: --top 6 is more than the 5 classes of demo$/,
  ],
  [
    '--class with --top',
    ['explain', image, '--class', '1', '--top', '2'],
    /^xai: option '--top <k>' cannot be used with option '--class <index>'$/,
  ],
  [
    'an unknown model name',
    ['explain', image, '--model', 'resnet18'],
    /^xai: unknown model 'resnet18': use demo, unet, vgg11/,
  ],
  [
    'a missing model.json',
    ['explain', image, '--model', join(dir, 'nowhere', 'model.json')],
    /^xai: no model file at /,
  ],
  [
    'a graph model',
    ['explain', image, '--model', join(dir, 'graph.json')],
    /^xai: .*graph\.json is a TF\.js graph model; xai explains Keras layers models/,
  ],
  [
    'a model LRP cannot explain',
    ['explain', image, '--model', join(dir, 'tanh')],
    /^xai: LRP cannot explain this model as it is \(1 problem\): layer 0 "tanh_conv": the fused activation 'tanh' has no LRP rule/,
  ],
  [
    'a model that takes no images',
    ['explain', image, '--model', join(dir, 'tabular')],
    /^xai: .*tabular takes inputs of shape \[null, 10\]; xai explains image models/,
  ],
  [
    'an unknown CRP layer',
    ['explain', image, '--method', 'crp', '--layer', 'conv9'],
    /^xai: CRP concept layer: the model has no layer named "conv9"/,
  ],
  [
    'a feature id out of range',
    ['explain', image, '--method', 'crp', '--features', '99'],
    /^xai: feature id 99 is out of range: the layer has 32 features/,
  ],
  [
    'a Grad-CAM layer without spatial axes',
    ['explain', image, '--method', 'gradcam', '--layer', 'fc1'],
    /^xai: GradCAM needs a feature layer with spatial axes/,
  ],
  [
    '--composite without LRP or CRP',
    ['explain', image, '--method', 'gradient', '--composite', 'EpsilonPlus'],
    /^xai: --composite applies to --method lrp and crp only$/,
  ],
  [
    '--weights for the demo model',
    ['explain', image, '--weights', 'vgg16.h5'],
    /^xai: --weights is for VGG and the Keras applications/,
  ],
  [
    'a missing VGG weights file',
    ['explain', image, '--model', 'vgg16', '--weights', join(dir, 'vgg16.safetensors')],
    /^xai: no weights file at .*vgg16\.safetensors/,
  ],
  [
    'an unknown colormap',
    ['explain', image, '--colormap', 'rainbow'],
    /^xai: unknown colormap 'rainbow'; use one of seismic/,
  ],
  [
    'an unknown backend',
    ['explain', image, '--backend', 'webgl'],
    /^xai: option '--backend <name>' argument 'webgl' is invalid\. Allowed choices are tensorflow, wasm, cpu\.$/,
  ],
  ['an unknown option', ['explain', image, '--colour', 'red'], /^xai: unknown option '--colour'$/],
  ['an unknown command', ['explian', image], /^xai: unknown command 'explian'$/],
  ['a check of an unknown model', ['check', 'alexnet'], /^xai: unknown model 'alexnet'/],
];

describe('errors: one line on stderr, exit code 2, no stack trace', () => {
  for (const [what, argv, message] of cases)
    it(what, async () => {
      const backend = argv.includes('--backend') ? [] : ['--backend', 'cpu'];
      const output = argv[0] === 'explain' ? ['--out', out] : [];
      const run = await xai(...argv, ...output, ...backend);
      expect(run.code).toBe(2);
      expect(run.stderr.endsWith('\n')).toBe(true);
      const lines = run.stderr.trimEnd().split('\n');
      expect(lines, run.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    });

  it('a required option missing', async () => {
    const run = await xai('demo');
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("xai: required option '-o, --out <dir>' not specified\n");
  });

  it('--verbose adds the stack trace', async () => {
    const run = await xai('explain', image, '--class', '9', '--out', out, '--backend', 'cpu', '--verbose');
    expect(run.code).toBe(2);
    const [first, ...rest] = run.stderr.trimEnd().split('\n');
    expect(first).toMatch(/^xai: class 9 is out of range/);
    expect(rest[0]).toMatch(/^CliError: class 9 is out of range/);
    expect(rest.some((l) => /^\s+at /.test(l))).toBe(true);
  });

  it('help and version exit 0', async () => {
    const help = await xai('explain', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: xai explain [options] <images...>');
    for (const option of [
      '--model',
      '--method',
      '--composite',
      '--class',
      '--top',
      '--layer',
      '--features',
      '--top-features',
      '--overlay',
      '--colormap',
      '--out',
      '--backend',
    ])
      expect(help.stdout).toContain(option);
    const version = await xai('--version');
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
