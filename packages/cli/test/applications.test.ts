import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tensorToImages } from '@xai-ts/heatmap';
import { encodePNG } from '@xai-ts/heatmap/node';
import { demoDataset } from '@xai-ts/zoo';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir, xai } from './helpers.js';

// The zoo's other models by name: the trained demo U-Net (segmentation, --region) and the Keras applications, whose
// architecture is checked without any weights (tests never download).

const dir = tempDir('applications');
const image = join(dir, 'shape.png');

beforeAll(() => {
  const { images, masks, labels } = demoDataset({ n: 1, seed: 3 });
  const [a] = tensorToImages(images, { range: [0, 1] });
  writeFileSync(image, encodePNG(a!));
  images.dispose();
  masks.dispose();
  expect(labels).toHaveLength(1);
});

describe('xai with the zoo models by name', () => {
  it('explains a region of the demo U-Net for the class that fills it, with the segmentation class names', async () => {
    const out = join(dir, 'unet');
    const run = await xai(
      'explain',
      image,
      '--model',
      'unet',
      '--region',
      '0,0,32,32',
      '--method',
      'lrp,gradient',
      '--out',
      out,
      '--backend',
      'cpu',
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    // the background fills most of the image: it leads the region's classes
    expect(run.stdout).toMatch(
      /shape\.png, region x 0\.\.31, y 0\.\.31\n\s+0\s+\d+\.\d % of the region .* background\n/,
    );
    expect(existsSync(join(out, 'shape_lrp-epsilonplusflat_c0_r0-0-32-32.png'))).toBe(true);
    expect(existsSync(join(out, 'shape_gradient_c0_r0-0-32-32.png'))).toBe(true);
  });

  it.each([
    ['resnet50', /model check of resnet50: passed, \d+ layers \(BatchNorm folded/],
    ['efficientnetb0', /model check of efficientnetb0: passed/],
  ])(
    'checks %s from its architecture alone',
    async (name, expected) => {
      const run = await xai('check', name, '--backend', 'cpu');
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(expected);
    },
    120_000,
  );

  it('names a missing weights file of a Keras application before building it, and lists the models it knows', async () => {
    const missing = await xai(
      'explain',
      image,
      '--model',
      'densenet121',
      '--weights',
      join(dir, 'nope.h5'),
      '--out',
      join(dir, 'x'),
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /no weights file at .*nope\.h5: give Keras's ImageNet \.h5 file of DenseNet121/,
    );
    const unknown = await xai('explain', image, '--model', 'resnet51', '--out', join(dir, 'y'));
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /unknown model 'resnet51': use demo, unet, .*resnet50, resnet50v2, mobilenetv2, inceptionv3, efficientnetb0, densenet121/,
    );
  });
});
