import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { Explanation, type HeatmapPreset } from '@xai-ts/base';
import { loadCase } from '@xai-ts/testing';
import { describe, expect, it } from 'vitest';
import { heatmap } from '../src/index.js';
import { decodePNG, encodePNG } from '../src/node.js';

// Golden heatmaps of the cnn reference case (the fixtures of @xai-ts/testing), rendered with the
// defaults of each preset. Regenerate with `UPDATE_GOLDEN=1 pnpm --filter @xai-ts/heatmap test`, then look at
// the PNGs before committing them.
const golden = (name: string) => fileURLToPath(new URL(`./golden/${name}.png`, import.meta.url));
const update = process.env.UPDATE_GOLDEN === '1';
const stored = loadCase('cnn').tensors;

function referenceExplanation(attr: string, preset: HeatmapPreset): Explanation {
  const t = (name: string) => {
    const entry = stored.get(name);
    if (!entry) throw new Error(`${name} is not in the fixture`);
    return tf.tensor(entry.data, entry.shape);
  };
  const input = t('input');
  return new Explanation({
    val: t(attr),
    input,
    output: t('logits'),
    outputSelection: [0, 0],
    analyzer: attr,
    heatmap: preset,
  });
}

describe.each([
  ['lrp-EpsilonPlusFlat-max', 'attribution'],
  ['gradient-max', 'sensitivity'],
] as const)('golden heatmap of cnn %s (%s defaults)', (attr, preset) => {
  it('matches the committed PNGs pixel for pixel', () => {
    const expl = referenceExplanation(`attr/${attr}`, preset);
    const before = tf.memory().numTensors;
    const maps = heatmap(expl);
    expect(tf.memory().numTensors).toBe(before);
    const { input } = expl;
    expl.dispose();
    input.dispose();
    expect(maps).toHaveLength(2);
    maps.forEach((map, s) => {
      const path = golden(`cnn-${attr}-${s}`);
      if (update) writeFileSync(path, encodePNG(map));
      expect(existsSync(path), `${path} is missing; run with UPDATE_GOLDEN=1`).toBe(true);
      const want = decodePNG(readFileSync(path));
      expect([map.width, map.height]).toEqual([16, 16]);
      expect([want.width, want.height]).toEqual([16, 16]);
      expect(Buffer.from(map.data).equals(Buffer.from(want.data))).toBe(true);
    });
  });
});
