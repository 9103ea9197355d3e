import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { encodePNG } from '@xai-ts/heatmap/node';
import { DownloadError, WeightsNotFoundError } from '@xai-ts/zoo';
import { describe, expect, it } from 'vitest';
import { CliError, exitCodeOf, oneLine } from '../src/errors.js';
import { prepareImage, readImage } from '../src/images.js';
import type { LoadedModel } from '../src/models.js';
import { topPredictions } from '../src/predictions.js';
import { progressBar } from '../src/progress.js';
import { tempDir } from './helpers.js';

const dir = tempDir('units');

function fakeModel(
  inputSize: [number, number, number],
  preprocessing: LoadedModel['preprocessing'],
): LoadedModel {
  return {
    model: null as unknown as tf.LayersModel,
    label: 'test',
    classNames: undefined,
    numClasses: 2,
    task: 'classification',
    inputSize,
    preprocessing,
    inputRange: { low: [0], high: [1] },
    lastConvLayer: undefined,
    notes: [],
  };
}

/** A w×h RGBA image whose columns x in [from, to) have `inside`, the rest `outside`. */
function striped(w: number, h: number, from: number, to: number, inside: number[], outside: number[]) {
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const c = x >= from && x < to ? inside : outside;
      data.set([...c, 255], (y * w + x) * 4);
    }
  return { width: w, height: h, data };
}

describe('topPredictions', () => {
  it('ranks by logit, breaks ties by index, and gives softmax probabilities', () => {
    const logits = tf.tensor2d([
      [1, 3, 2],
      [0, 0, 0],
    ]);
    const [a, b] = topPredictions(logits, 2, ['x', 'y', 'z']);
    const z = Math.exp(1) + Math.exp(3) + Math.exp(2);
    expect(a!.map((p) => [p.index, p.name, p.logit])).toEqual([
      [1, 'y', 3],
      [2, 'z', 2],
    ]);
    expect(a![0]!.probability).toBeCloseTo(Math.exp(3) / z, 6);
    expect(a![1]!.probability).toBeCloseTo(Math.exp(2) / z, 6);
    expect(b!.map((p) => [p.index, p.probability])).toEqual([
      [0, 1 / 3],
      [1, 1 / 3],
    ]);
    expect(topPredictions(logits, 9, [])[0]!.map((p) => p.name)).toEqual(['class 1', 'class 2', 'class 0']);
    logits.dispose();
  });
});

describe('prepareImage', () => {
  it('crops the centre of a wide image to the square input and scales to [0, 1]', async () => {
    const path = join(dir, 'wide.png');
    // 96×32: the shorter side is already 32, so the crop is columns 32..63, exactly
    writeFileSync(path, encodePNG(striped(96, 32, 32, 64, [255, 51, 0], [0, 0, 255])));
    const before = tf.memory().numTensors;
    const { input, display } = prepareImage(await readImage(path), fakeModel([32, 32, 3], 'unit'));
    expect(input.shape).toEqual([1, 32, 32, 3]);
    const values = await input.data();
    for (let p = 0; p < 32 * 32; p++)
      expect([values[3 * p], values[3 * p + 1], values[3 * p + 2]]).toEqual([1, Math.fround(0.2), 0]);
    expect([display.width, display.height]).toEqual([32, 32]);
    expect(Array.from(display.data.slice(0, 4))).toEqual([255, 51, 0, 255]);
    input.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps 0..255 for raw, averages the channels for a grey model', async () => {
    const image = striped(8, 8, 0, 8, [30, 60, 90], [0, 0, 0]);
    const raw = prepareImage(image, fakeModel([8, 8, 3], 'raw'));
    expect(Array.from((await raw.input.data()).slice(0, 3))).toEqual([30, 60, 90]);
    const grey = prepareImage(image, fakeModel([8, 8, 1], 'unit'));
    expect(grey.input.shape).toEqual([1, 8, 8, 1]);
    expect((await grey.input.data())[0]).toBeCloseTo(60 / 255, 6);
    raw.input.dispose();
    grey.input.dispose();
  });

  it('stretches to a non-square input', () => {
    const { input } = prepareImage(
      striped(20, 10, 0, 20, [255, 255, 255], [0, 0, 0]),
      fakeModel([4, 6, 3], 'unit'),
    );
    expect(input.shape).toEqual([1, 4, 6, 3]);
    input.dispose();
  });
});

describe('oneLine', () => {
  it('joins a multi-line message and its list', () => {
    expect(oneLine(new Error('LRP cannot explain this model (2 problems):\n  - a\n  - b'))).toBe(
      'LRP cannot explain this model (2 problems): a; b',
    );
    expect(oneLine(new Error('first\nsecond'))).toBe('first; second');
    expect(oneLine('plain')).toBe('plain');
  });
});

describe('progressBar', () => {
  it('draws on a terminal and stays silent elsewhere', async () => {
    let tty = '';
    const bar = progressBar({ write: (s: string) => (tty += s), isTTY: true }, 'explaining', 2, 'LRP');
    await bar.tick('Gradient');
    await bar.tick();
    bar.stop();
    expect(tty).toContain('explaining [');
    expect(tty).toContain('1/2 Gradient');
    let pipe = '';
    const quiet = progressBar({ write: (s: string) => (pipe += s), isTTY: false }, 'explaining', 2);
    await quiet.tick('x');
    quiet.stop();
    expect(pipe).toBe('');
  });
});

describe('exitCodeOf', () => {
  it('is 2 for what the user gave, 1 for the rest', () => {
    expect(exitCodeOf(new CliError('unknown method'))).toBe(2);
    expect(exitCodeOf(new DownloadError('could not download'))).toBe(2);
    expect(exitCodeOf(new WeightsNotFoundError('no weights file'))).toBe(2);
    expect(exitCodeOf(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }))).toBe(2);
    expect(exitCodeOf(new TypeError('x is undefined'))).toBe(1);
    expect(exitCodeOf('a string')).toBe(1);
  });
});
