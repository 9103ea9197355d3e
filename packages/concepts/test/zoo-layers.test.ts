import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { efficientNetB0 } from '@xai-ts/zoo';
import { afterAll, describe, expect, it } from 'vitest';
import { generatorDataset } from '../src/index.js';
import { mineToStore } from '../src/node/index.js';

// Worker threads rebuild the model from its saved artifacts: layer classes of the zoo's own (EfficientNet's
// Normalization, which TF.js lacks) must be known there too, or loading fails with "Unknown layer".
const dir = mkdtempSync(join(tmpdir(), 'xai-concepts-zoo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mining a zoo application in worker threads', () => {
  it('rebuilds EfficientNetB0 (its Normalization layer included) in a worker and mines it like this thread', async () => {
    const model = efficientNetB0({
      inputShape: [32, 32, 3],
      classes: 3,
      classifierActivation: null,
      seed: 1,
    });
    const dataset = generatorDataset({
      name: 'ramps',
      size: 4,
      inputShape: [32, 32, 3],
      sample: (i) => ({
        id: `s${i}`,
        input: new Float32Array(32 * 32 * 3).map((_, k) => (k * 7 + 31 * i) % 255),
      }),
    });
    const common = {
      model,
      modelName: 'efficientnetb0',
      dataset,
      layers: ['top_conv'],
      top: 2,
      shardSize: 2,
      graphs: false,
    } as const;
    const here = await mineToStore({ ...common, out: join(dir, 'here.sqlite'), workers: 0 });
    const there = await mineToStore({
      ...common,
      out: join(dir, 'worker.sqlite'),
      workers: 1,
      backend: 'cpu',
    });
    expect(there.minedShards).toBe(2);
    expect(there.store.dump()).toBe(here.store.dump());
    here.store.close();
    there.store.close();
    model.dispose();
  }, 120_000);
});
