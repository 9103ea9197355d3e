import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { fileSystem, vgg16 } from '@xai-ts/zoo/node';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { tempDir, xai } from './helpers.js';

// the zoo's VGG builders, watched: `xai check` must build the architecture only
vi.mock('@xai-ts/zoo/node', async (original) => {
  const zoo = await original<typeof import('@xai-ts/zoo/node')>();
  return { ...zoo, vgg16: vi.fn(zoo.vgg16) };
});

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

describe('xai check of a VGG', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('lists the layers of vgg16 from the architecture alone: no download, no cache, no random weights', async () => {
    const cache = join(dir, 'weights-cache');
    vi.stubEnv('XAI_TS_CACHE', cache);
    const fetch = vi.spyOn(globalThis, 'fetch');
    const run = await xai('check', 'vgg16', '--backend', 'wasm');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe('model check of vgg16: passed, 24 layers');
    expect(run.stdout).toMatch(/ 0 {2}block1_conv1 +Conv2D +=> FlatRule\(\)/);
    expect(run.stdout).toMatch(/ 23 {2}predictions +Dense +=> EpsilonRule\(epsilon=1e-6\)/);
    // built once, without pretrained weights and with zeros, which cost no random numbers (a random VGG16 draws
    // 138 million); nothing was fetched and the weights cache was not touched
    expect(vi.mocked(vgg16)).toHaveBeenCalledTimes(1);
    expect(vi.mocked(vgg16).mock.calls[0]![0]).toMatchObject({ pretrained: false, init: 'zeros' });
    expect(fetch).not.toHaveBeenCalled();
    expect(existsSync(cache)).toBe(false);
  });
});
