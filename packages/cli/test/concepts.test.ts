import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStoreFile } from '@xai-ts/concepts/node';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

// `xai concepts` runs as a user runs it: the built bin, in its own process (turbo builds the package first)
const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const run = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });
const dir = tempDir('concepts');
const store = join(dir, 'demo.sqlite');
const mineArgs = [
  'concepts',
  'mine',
  'demo',
  '--model',
  'demo',
  '--layers',
  'conv2,conv3',
  '--top',
  '4',
  '--n',
  '40',
];

describe('xai concepts', () => {
  it('mines the demo data into a store, with JSON progress lines off a terminal', () => {
    const r = run(...mineArgs, '--shard-size', '10', '--backend', 'cpu', '--out', store);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.event, l.shardsDone, l.samplesDone])).toEqual([
      ['shard', 1, 10],
      ['shard', 2, 20],
      ['shard', 3, 30],
      ['shard', 4, 40],
    ]);
    expect(r.stdout).toMatch(
      /^.*demo\.sqlite: 40 samples of demo\(n=40,seed=0\), layers conv2, conv3, top 4; 4 shards mined now in [\d.]+ s, [\d.]+ samples\/s\n$/,
    );
  });

  it('continues a finished store without mining again, and refuses other settings', async () => {
    const again = run(...mineArgs, '--shard-size', '10', '--backend', 'cpu', '--out', store);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain('0 shards mined now, 4 found done');
    const other = run(...mineArgs, '--shard-size', '10', '--top', '5', '--backend', 'cpu', '--out', store);
    expect(other.status).toBe(2);
    expect(other.stderr).toBe(
      'xai: the store was mined with top 4, this run asks for 5; use the same settings to resume, or a new store\n',
    );
    const s = await openStoreFile(store);
    expect(s.shardsDone()).toEqual([0, 1, 2, 3]);
    // the graphs of conv3's channels through conv2, on their top samples
    expect(s.graphs().map((g) => [g.graph.layer, g.graph.channel, g.sample])).toEqual(
      s.findings().layers[1]!.relMax.map((top, c) => ['conv3', c, top[0]!.sample]),
    );
    expect(s.findings().layers.map((l) => l.relMax[0]!.length)).toEqual([4, 4]);
    s.close();
  });

  it("prints a concept's attribution graph on an image as JSON", async () => {
    const s = await openStoreFile(store);
    const image = join(dir, 'sample.png');
    writeFileSync(image, s.samples()[3]!.png);
    s.close();
    const r = run(
      'concepts',
      'graph',
      store,
      '--layer',
      'conv3',
      '--channel',
      '3',
      '--image',
      image,
      '--depth',
      '2',
      '--width',
      '2',
      '--backend',
      'cpu',
    );
    expect(r.status, r.stderr).toBe(0);
    const graph = JSON.parse(r.stdout);
    expect(graph.layer).toBe('conv3');
    expect(graph.nodes[0]).toMatchObject({ id: 'conv3:3', layer: 'conv3', channel: 3 });
    expect(graph.edges.filter((e: { from: string }) => e.from === 'conv3:3')).toHaveLength(2);
    expect(new Set(graph.nodes.map((n: { layer: string }) => n.layer))).toEqual(
      new Set(['conv3', 'conv2', 'conv1']),
    );
    const wrong = run('concepts', 'graph', store, '--layer', 'conv1', '--channel', '0', '--image', image);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toBe(`xai: ${store} has no concepts of layer "conv1"; it mined conv2, conv3\n`);
  });

  it('mines a folder of images with one subfolder per class (labels and class names from the folders)', async () => {
    const s = await openStoreFile(store);
    const pngs = s
      .samples()
      .slice(0, 6)
      .map((x) => x.png);
    s.close();
    const data = join(dir, 'images');
    for (const [k, cls] of ['alpha', 'beta'].entries()) {
      mkdirSync(join(data, cls), { recursive: true });
      for (let i = 0; i < 3; i++) writeFileSync(join(data, cls, `${i}.png`), pngs[k * 3 + i]!);
    }
    const out = join(dir, 'folder.sqlite');
    const r = run(
      'concepts',
      'mine',
      data,
      '--model',
      'demo',
      '--layers',
      'conv3',
      '--top',
      '2',
      '--backend',
      'cpu',
      '--out',
      out,
    );
    expect(r.status, r.stderr).toBe(0);
    const f = await openStoreFile(out);
    expect(f.config()!.classNames).toEqual(['alpha', 'beta']);
    expect(f.graphs()).toEqual([]); // one mined layer: no layer below it
    expect(f.samples().map((x) => [x.id, x.label])).toEqual([
      ['alpha/0.png', 0],
      ['alpha/1.png', 0],
      ['alpha/2.png', 0],
      ['beta/0.png', 1],
      ['beta/1.png', 1],
      ['beta/2.png', 1],
    ]);
    // the stored picture of a 32×32 PNG read back is the same PNG's pixels
    expect(f.samples()[0]!.png.length).toBeGreaterThan(100);
    f.close();
    const missing = run('concepts', 'mine', join(dir, 'nope'), '--model', 'demo', '--out', out);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/nope is not a folder/);
    expect(readFileSync(out).length).toBeGreaterThan(0);
  });
});
