// The atlas's Node side: the data check, the hashes and class ranking, and writeAtlas's files and refusals.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AtlasData,
  AtlasDataError,
  AtlasOutputError,
  checkAtlasData,
  classHash,
  conceptHash,
  parseRoute,
  rankConceptsForClass,
  writeAtlas,
} from '../src/atlas/node.js';
import { buildAtlasAssets, fixtureAtlas } from './atlas-fixture.js';

let data: AtlasData;
let tmp: string;
beforeAll(async () => {
  buildAtlasAssets();
  data = fixtureAtlas();
  tmp = await mkdtemp(join(tmpdir(), 'xai-atlas-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const edit = (f: (d: AtlasData) => void): AtlasData => {
  const copy = structuredClone(data);
  f(copy);
  return copy;
};

describe('checkAtlasData', () => {
  it('accepts the fixture', () => {
    expect(() => checkAtlasData(data)).not.toThrow();
  });

  it.each([
    ['a later version', (d: AtlasData) => ((d as { version: number }).version = 2), /version: is 2/],
    ['an unknown layer', (d: AtlasData) => (d.concepts[0]!.layer = 'conv9'), /concepts\[0\].*'conv9'/],
    [
      'a channel out of range',
      (d: AtlasData) => (d.concepts[0]!.channel = 16),
      /channel 16 of 'conv1'.*0\.\.15/,
    ],
    ['a repeated concept', (d: AtlasData) => d.concepts.push(d.concepts[0]!), /repeats a concept/],
    [
      'an unknown sample',
      (d: AtlasData) => (d.concepts[2]!.relMax[1]!.sample = 99),
      /relMax\[1\]: names sample 99/,
    ],
    [
      'an empty box',
      (d: AtlasData) => (d.concepts[2]!.actMax[0]!.box = [4, 4, 4, 9]),
      /empty box \[4, 4, 4, 9\)/,
    ],
    ['a NaN value', (d: AtlasData) => (d.concepts[1]!.relMax[0]!.value = Number.NaN), /has the value NaN/],
    ['an unknown class', (d: AtlasData) => (d.concepts[1]!.classes[0]!.class = 5), /names class 5/],
    [
      'a bad node id',
      (d: AtlasData) => (d.graphs[0]!.nodes[1]!.id = 'conv2-4'),
      /node ids are 'layer:channel'/,
    ],
    ['a dangling edge', (d: AtlasData) => (d.graphs[1]!.edges[0]!.to = 'conv2:31'), /edges\[0\]: joins/],
    ['a sample without image', (d: AtlasData) => (d.samples[0]!.image = ''), /samples\[0\]: has no image/],
  ])('names %s', (_, change, message) => {
    const bad = edit(change);
    expect(() => checkAtlasData(bad)).toThrow(AtlasDataError);
    expect(() => checkAtlasData(bad)).toThrow(message);
  });
});

describe('hashes and ranking', () => {
  it('round-trips the hashes, layer names with slashes included', () => {
    expect(conceptHash('block1/conv 2', 7)).toBe('#/concept/block1%2Fconv%202/7');
    expect(parseRoute(conceptHash('block1/conv 2', 7))).toEqual({
      view: 'concept',
      layer: 'block1/conv 2',
      channel: 7,
    });
    expect(parseRoute(classHash(3))).toEqual({ view: 'class', class: 3, by: 'mean' });
    expect(parseRoute(classHash(3, 'max'))).toEqual({ view: 'class', class: 3, by: 'max' });
    expect(parseRoute('#/concept/conv2/x')).toEqual({ view: 'home' });
    expect(parseRoute('')).toEqual({ view: 'home' });
  });

  it('ranks the concepts with statistics for the class by mean or max, largest first', () => {
    const byMean = rankConceptsForClass(data, 4);
    expect(byMean.some((r) => r.layer === 'conv3' && r.channel === 9)).toBe(false); // no statistics for class 4
    expect(byMean).toHaveLength(data.concepts.length - 1);
    for (let i = 1; i < byMean.length; i++)
      expect(byMean[i - 1]!.mean).toBeGreaterThanOrEqual(byMean[i]!.mean);
    const byMax = rankConceptsForClass(data, 4, 'max');
    for (let i = 1; i < byMax.length; i++) expect(byMax[i - 1]!.max).toBeGreaterThanOrEqual(byMax[i]!.max);
    const best = data.concepts
      .flatMap((c) => c.classes.filter((s) => s.class === 4).map((s) => ({ c, mean: s.mean })))
      .reduce((a, b) => (b.mean > a.mean ? b : a));
    expect([byMean[0]!.layer, byMean[0]!.channel]).toEqual([best.c.layer, best.c.channel]);
  });
});

describe('writeAtlas', () => {
  it('writes the site: pages, the data as a script, the bundled assets', async () => {
    const dir = join(tmp, 'new', 'atlas');
    const site = await writeAtlas(data, dir);
    expect(site.dir).toBe(dir);
    expect(site.index).toBe(join(dir, 'index.html'));
    expect(site.live).toBe(join(dir, 'live.html'));
    expect(site.files.sort()).toEqual(
      [
        'assets/atlas.css',
        'assets/atlas.js',
        'assets/live.js',
        'atlas-data.js',
        'index.html',
        'live.html',
      ].sort(),
    );
    const script = await readFile(join(dir, 'atlas-data.js'), 'utf8');
    expect(script.startsWith('window.XAI_ATLAS = ')).toBe(true);
    expect(JSON.parse(script.slice('window.XAI_ATLAS = '.length).replace(/;\n$/, ''))).toEqual(data);
    const html = await readFile(site.index, 'utf8');
    expect(html).toContain('<script src="atlas-data.js"></script>');
    expect(html).toContain('<script src="assets/atlas.js"></script>');
    expect(html).not.toMatch(/type="module"/); // module scripts across files do not load from file://
    expect(site.bytes).toBeGreaterThan(500_000); // TF.js and the demo CNN's weights are in live.js
  });

  it('leaves the live page out on request', async () => {
    const site = await writeAtlas(data, join(tmp, 'no-live'), { live: false });
    expect(site.live).toBeUndefined();
    expect((await readdir(site.dir)).sort()).toEqual(['assets', 'atlas-data.js', 'index.html']);
    expect(await readFile(site.index, 'utf8')).toContain('data-live="false"');
  });

  it('refuses a folder that holds files, unless asked to overwrite, and keeps the other files', async () => {
    const dir = join(tmp, 'busy');
    await mkdir(dir);
    await writeFile(join(dir, 'notes.txt'), 'mine');
    const refused = writeAtlas(data, dir);
    await expect(refused).rejects.toThrow(AtlasOutputError);
    await expect(refused).rejects.toMatchObject({ reason: 'not-empty' });
    await expect(refused).rejects.toThrow(/is not empty.*\{ overwrite: true \}/);
    expect(await readdir(dir)).toEqual(['notes.txt']);
    await writeAtlas(data, dir, { overwrite: true });
    expect((await readdir(dir)).sort()).toContain('live.html');
    const site = await writeAtlas(data, dir, { overwrite: true, live: false }); // live.html of the first is removed
    expect((await readdir(dir)).sort()).toEqual(['assets', 'atlas-data.js', 'index.html', 'notes.txt']);
    expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
    expect(site.files).not.toContain('live.html');
  });

  it('refuses a file as the folder, or under a file', async () => {
    const file = join(tmp, 'a-file');
    await writeFile(file, '');
    await expect(writeAtlas(data, file)).rejects.toMatchObject({ reason: 'not-a-folder' });
    await expect(writeAtlas(data, join(file, 'atlas'))).rejects.toMatchObject({ reason: 'not-a-folder' });
  });

  it('checks the data before it writes anything', async () => {
    const dir = join(tmp, 'bad-data');
    const bad = edit((d) => {
      d.graphs[0]!.sample = 1234;
    });
    await expect(writeAtlas(bad, dir)).rejects.toThrow(AtlasDataError);
    await expect(readdir(dir)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
