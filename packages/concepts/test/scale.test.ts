import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDemoModel } from '@xai-ts/zoo';
import { afterAll, describe, expect, it } from 'vitest';
import { compareEntries, demoConceptDataset } from '../src/index.js';
import { mineToStore } from '../src/node/index.js';

const dir = mkdtempSync(join(tmpdir(), 'xai-concepts-scale-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The run: the demo CNN on 500 demo samples, two layers, top 16 (its speed is measured by the bench, not here)
describe('mining the demo data', () => {
  it('n = 500, conv2 and conv3, top 16: every sample, every shard, full sorted top lists', async () => {
    const model = await loadDemoModel();
    const { store, minedShards } = await mineToStore({
      model,
      modelName: 'demo',
      dataset: demoConceptDataset({ n: 500 }),
      out: join(dir, 'demo.sqlite'),
      layers: ['conv2', 'conv3'],
      top: 16,
    });
    expect(minedShards).toBe(10);
    expect(store.samples().map((s) => s.index)).toEqual([...Array(500).keys()]);
    const accuracy = store.samples().filter((s) => s.label === s.predicted).length / 500;
    expect(accuracy).toBeGreaterThan(0.9); // the demo model is above 95 %
    for (const layer of store.findings().layers)
      for (const list of [...layer.relMax, ...layer.actMax]) {
        expect(list).toHaveLength(16);
        expect([...list].sort(compareEntries)).toEqual(list);
      }
    store.close();
    model.dispose();
  });
});
