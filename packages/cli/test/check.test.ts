import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { fileSystem } from '@xai-ts/zoo/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir, xai } from './helpers.js';

const dir = tempDir('check');

beforeAll(async () => {
  // fused tanh: LRP supports linear, relu, gelu and swish only
  const m = tf.sequential({
    layers: [
      tf.layers.conv2d({
        name: 'tanh_conv',
        inputShape: [8, 8, 3],
        filters: 2,
        kernelSize: 3,
        activation: 'tanh',
      }),
      tf.layers.flatten({ name: 'flat' }),
      tf.layers.dense({ name: 'out', units: 2 }),
    ],
  });
  await m.save(fileSystem(join(dir, 'tanh')));
  m.dispose();
});

describe('xai check', () => {
  it('prints that the demo model passes and its layer => rule table', async () => {
    const run = await xai('check', 'demo', '--backend', 'cpu');
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('model check of demo: passed, 10 layers');
    expect(lines[1]).toBe('rules of EpsilonPlusFlat:');
    expect(run.stdout).toMatch(/ 0 {2}conv1 +Conv2D +=> FlatRule\(\)/);
    expect(run.stdout).toMatch(/ 2 {2}conv2 +Conv2D +=> ZPlusRule\(\)/);
    expect(run.stdout).toMatch(/ 5 {2}pool3 +MaxPooling2D +=> ZeroRule\(\)/);
    expect(run.stdout).toMatch(/ 9 {2}logits +Dense +=> EpsilonRule\(epsilon=1e-6\)/);
    expect(lines.filter((l) => l.includes('=>'))).toHaveLength(10);
  });

  it('shows the rules of the composite asked for, ZBox with the input range of the demo', async () => {
    const run = await xai('check', 'demo', '--composite', 'EpsilonGammaBox', '--backend', 'cpu');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('rules of EpsilonGammaBox:');
    expect(run.stdout).toMatch(/conv1 +Conv2D +=> ZBoxRule\(low=0, high=1\)/);
    expect(run.stdout).toMatch(/conv3 +Conv2D +=> GammaRule\(gamma=0\.25\)/);
  });

  it('bounds ZBox per channel for ImageNet-normalised inputs', async () => {
    const run = await xai('check', 'demo', '--composite', 'EpsilonGammaBox', '--preprocess', 'torchvision');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/conv1 +Conv2D +=> ZBoxRule\(low=tensor\[3\], high=tensor\[3\]\)/);
  });

  it('lists the problems of a model LRP cannot explain and exits 1', async () => {
    const run = await xai('check', join(dir, 'tanh', 'model.json'), '--backend', 'cpu');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^model check of .*tanh.*: FAILED, 1 problem\n/);
    expect(run.stdout).toContain(`layer 0 "tanh_conv": the fused activation 'tanh' has no LRP rule`);
  });

  it('explaining that model with LRP is an input error: one line, exit 2', async () => {
    const run = await xai('explain', 'x.png', '--model', join(dir, 'tanh'), '--out', dir, '--backend', 'cpu');
    // the image is read first
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('xai: no image at x.png\n');
  });
});
