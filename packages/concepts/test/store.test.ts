import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type * as tf from '@tensorflow/tfjs';
import { loadDemoModel } from '@xai-ts/zoo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAtlasData } from '../src/atlas/index.js';
import { atlasData, ConceptStore, demoConceptDataset, receptiveField, StoreError } from '../src/index.js';
import { type MineToStoreOptions, mineToStore, openStoreFile } from '../src/node/index.js';

const dir = mkdtempSync(join(tmpdir(), 'xai-concepts-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let model: tf.LayersModel;
beforeAll(async () => {
  model = await loadDemoModel();
});

// the same run as test/fixtures/mine-child.mjs
const N = 60;
const SHARD = 10;
const options = (out: string, extra: Partial<MineToStoreOptions> = {}): MineToStoreOptions => ({
  model,
  modelName: 'demo',
  dataset: demoConceptDataset({ n: N, seed: 11 }),
  out,
  layers: ['conv2', 'conv3'],
  top: 6,
  shardSize: SHARD,
  ...extra,
});

let reference: string;

async function dumpOf(out: string): Promise<string> {
  const store = await openStoreFile(out);
  const text = store.dump();
  store.close();
  return text;
}

/** Runs the child miner; `onLine` sees each line and may kill it. Resolves when it has exited. */
function child(
  out: string,
  pauseAfter: number | undefined,
  onLine: (line: string, p: ChildProcess) => void,
): Promise<void> {
  const script = fileURLToPath(new URL('./fixtures/mine-child.mjs', import.meta.url));
  const args = [
    script,
    out,
    String(N),
    String(SHARD),
    ...(pauseAfter === undefined ? [] : [String(pauseAfter)]),
  ];
  const p = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  createInterface({ input: p.stdout! }).on('line', (line) => onLine(line, p));
  return new Promise((resolve) => p.on('exit', () => resolve()));
}

describe('the store', () => {
  it('holds an uninterrupted run, the same after a save and a reopen', async () => {
    const out = join(dir, 'reference.sqlite');
    const lines: string[] = [];
    const { store, minedShards, skippedShards } = await mineToStore(
      options(out, { progress: { write: (s: string) => lines.push(s), isTTY: false } }),
    );
    expect([minedShards, skippedShards]).toEqual([6, 0]);
    expect(store.shardsDone()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(lines.map((l) => JSON.parse(l).shardsDone)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({
      event: 'shard',
      samplesDone: N,
      samples: N,
      etaSeconds: 0,
    });
    reference = store.dump();
    store.close();
    expect(await dumpOf(out)).toBe(reference);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('resumes a run killed (SIGKILL) after half its shards and ends equal to the uninterrupted one', async () => {
    const out = join(dir, 'killed.sqlite');
    let seen = 0;
    await child(out, 3, (line, p) => {
      if (line.startsWith('{')) seen = JSON.parse(line).shardsDone;
      if (seen === 3) p.kill('SIGKILL');
    });
    const killed = await openStoreFile(out);
    expect(killed.shardsDone()).toEqual([0, 1, 2]);
    expect(killed.samples()).toHaveLength(30);
    killed.close();
    const { store, minedShards, skippedShards } = await mineToStore(options(out));
    expect([minedShards, skippedShards]).toEqual([3, 3]);
    expect(store.dump()).toBe(reference);
    store.close();
  });

  it('resumes a run killed while it mines and writes, wherever the kill lands', async () => {
    const out = join(dir, 'killed-anywhere.sqlite');
    await child(out, undefined, (line, p) => {
      if (line.startsWith('{') && JSON.parse(line).shardsDone === 2) p.kill('SIGKILL');
    });
    const { store } = await mineToStore(options(out));
    expect(store.dump()).toBe(reference);
    store.close();
  });

  it('is the same with one or two worker threads as in this thread (same backend)', async () => {
    for (const workers of [1, 2]) {
      const out = join(dir, `workers-${workers}.sqlite`);
      const { store } = await mineToStore(options(out, { workers, backend: 'cpu' }));
      expect(store.dump(), `${workers} workers`).toBe(reference);
      store.close();
    }
  });

  it('refuses to resume with other settings, and a shard twice', async () => {
    const out = join(dir, 'reference.sqlite');
    await expect(mineToStore(options(out, { top: 5 }))).rejects.toThrow(
      /mined with top 6, this run asks for 5/,
    );
    await expect(mineToStore(options(out, { layers: ['conv3'] }))).rejects.toThrow(StoreError);
    const store = await openStoreFile(out);
    const f = store.findings();
    expect(() => store.commitShard({ index: 2, first: 20, count: 10 }, f, [])).toThrow(
      /already in the store/,
    );
    store.close();
    await expect(ConceptStore.open(new Uint8Array([1, 2, 3]))).rejects.toThrow(StoreError);
  });

  it("gives the atlas its data: layers, pictures, top lists with the peak unit's receptive field, classes", async () => {
    const store = await openStoreFile(join(dir, 'reference.sqlite'));
    const data = atlasData(store);
    expect(data.version).toBe(1);
    expect(data.model).toBe('demo');
    expect(data.classNames).toEqual(['circle', 'square', 'triangle', 'cross', 'ring']);
    expect(data.layers).toEqual([
      { name: 'conv2', channels: 32 },
      { name: 'conv3', channels: 32 },
    ]);
    expect(data.samples).toHaveLength(N);
    expect(data.samples[0]!.image).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
    expect(data.concepts).toHaveLength(64);
    const findings = store.findings();
    for (const concept of data.concepts.filter((_, i) => i % 7 === 0)) {
      const layer = findings.layers.find((l) => l.layer === concept.layer)!;
      const entries = layer.relMax[concept.channel]!;
      expect(concept.relMax.map((e) => e.sample)).toEqual(entries.map((e) => e.sample));
      for (const [k, e] of concept.relMax.entries())
        expect(e.box).toEqual(receptiveField(model, concept.layer, [entries[k]!.y, entries[k]!.x]));
      expect(concept.classes.reduce((a, c) => a + c.count, 0)).toBe(N);
      for (let k = 1; k < concept.classes.length; k++)
        expect(concept.classes[k - 1]!.mean).toBeGreaterThanOrEqual(concept.classes[k]!.mean);
    }
    expect(data.graphs).toEqual([]);
    expect(() => checkAtlasData(data)).not.toThrow();
    store.close();
    expect(existsSync(join(dir, 'reference.sqlite'))).toBe(true);
  });

  it('adds the attribution graph of each concept on its top sample through the mined layers below, once', async () => {
    const out = join(dir, 'graphs.sqlite');
    copyFileSync(join(dir, 'reference.sqlite'), out);
    const { store, minedShards } = await mineToStore(options(out, { graphs: { depth: 1, width: 2 } }));
    expect(minedShards).toBe(0);
    const data = atlasData(store);
    expect(data.graphs).toHaveLength(32); // conv3's channels; conv2 is the lowest mined layer
    const conv3 = store.findings().layers[1]!;
    for (const g of data.graphs) {
      expect(g.layer).toBe('conv3');
      expect(g.sample).toBe(conv3.relMax[g.channel]![0]!.sample);
      expect(g.nodes[0]).toMatchObject({
        id: `conv3:${g.channel}`,
        relevance: expect.closeTo(conv3.relMax[g.channel]![0]!.value, 4),
      });
      expect(g.edges).toHaveLength(2);
      expect(g.nodes.slice(1).every((n) => n.layer === 'conv2')).toBe(true);
    }
    expect(() => checkAtlasData(data)).not.toThrow();
    const before = store.dump();
    store.close();
    const again = await mineToStore(options(out, { graphs: { depth: 1, width: 2 } }));
    expect(again.store.dump()).toBe(before);
    again.store.close();
  });
});
