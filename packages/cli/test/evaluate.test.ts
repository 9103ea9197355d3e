import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { tensorToImages } from '@xai-ts/heatmap';
import { encodePNG } from '@xai-ts/heatmap/node';
import { demoDataset } from '@xai-ts/zoo';
import { chromium } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Run, tempDir, xai } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && process.env.CI)
  throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium (apt-get install -y chromium)`);

const METHODS = ['EpsilonPlusFlat', 'Gradient', 'GradCAM', 'SmoothDiff'];

interface Results {
  model: string;
  data: string;
  n: number;
  seed: number;
  quick: boolean;
  settings: { name: string }[];
  methods: ({ method: string } & Record<string, number>)[];
  curves: Record<string, Record<string, { occlusion: number[]; mif: number[]; lif: number[] }>>;
  randomisation: Record<string, { layer: string; spearman: number }[]>;
}

describe('xai evaluate', () => {
  const dir = tempDir('evaluate');
  const out = join(dir, 'run');
  let run: Run;
  let results: Results;
  beforeAll(async () => {
    run = await xai('evaluate', '--quick', '--n', '12', '--methods', METHODS.join(','), '--out', out);
    results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
  }, 240_000);

  it('exits 0, prints the table and writes results.json, results.csv and index.html', () => {
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['index.html', 'results.csv', 'results.json']);
    expect(readdirSync(dir)).toEqual(['run']); // no partial folder left beside it
    expect(run.stdout).toContain('evaluation of demo on demo (n = 12, seed 7) (quick)');
    for (const m of [...METHODS, 'random', 'edges']) expect(run.stdout).toMatch(new RegExp(`^${m}\\s`, 'm'));
  });

  it('has every metric of every method, and the random and edge-detector controls', () => {
    expect(results).toMatchObject({ model: 'demo', n: 12, seed: 7, quick: true });
    expect(results.settings.map((s) => s.name)).toEqual(['pixelflipper', 'patch2-mean']);
    expect(results.methods.map((m) => m.method)).toEqual([...METHODS, 'random', 'edges']);
    const keys = [
      'srg',
      'srg:patch2-mean',
      'aopc',
      'aopc:patch2-mean',
      'randomisation',
      'sensitivity',
      'sparseness',
      'entropy',
      'relevanceMass',
      'relevanceRank',
      'pointingGame',
    ];
    for (const m of results.methods.slice(0, METHODS.length)) {
      expect(Object.keys(m).sort()).toEqual(['method', ...keys].sort());
      for (const k of keys) expect(Number.isFinite(m[k])).toBe(true);
    }
    const random = results.methods.find((m) => m.method === 'random')!;
    for (const m of results.methods.slice(0, METHODS.length)) {
      // every method is more faithful than a random attribution
      expect(m.srg).toBeGreaterThan(random.srg! + 0.01);
      expect(m['srg:patch2-mean']).toBeGreaterThan(random['srg:patch2-mean']! + 0.1);
      // and fails to survive the randomisation of the model (the edge detector does)
      expect(m.randomisation).toBeLessThan(0.6);
      expect(results.curves[m.method]!.pixelflipper!.mif).toHaveLength(26);
    }
    expect(results.methods.find((m) => m.method === 'edges')!.randomisation).toBeCloseTo(1, 6);
    const layers = results.randomisation.Gradient!.map((s) => s.layer);
    expect(layers[0]).toBe('logits');
    expect(layers).toHaveLength(new Set(layers).size);
  });

  it('writes the same numbers to the CSV as to the JSON', () => {
    const [header, ...lines] = readFileSync(join(out, 'results.csv'), 'utf8').trim().split('\n');
    const columns = header!.split(',');
    expect(columns[0]).toBe('method');
    expect(lines).toHaveLength(results.methods.length);
    lines.forEach((line, i) => {
      const cells = line.split(',');
      const row = results.methods[i]!;
      expect(cells[0]).toBe(row.method);
      columns.slice(1).forEach((c, k) => {
        expect(cells[k + 1]).toBe(row[c] === undefined ? '' : String(row[c]));
      });
    });
  });

  it.skipIf(!hasChromium)(
    'renders a page with curves, the randomisation plot, the table and examples, without errors in Chromium',
    async () => {
      const profile = await mkdtemp(join(tmpdir(), 'xai-chromium-'));
      const browser = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--no-first-run',
          '--disable-background-networking',
        ],
      });
      try {
        const page = browser.pages()[0] ?? (await browser.newPage());
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        page.on('console', (m) => {
          if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
        });
        await page.goto(pathToFileURL(join(out, 'index.html')).href);
        const seen = await page.evaluate(() => ({
          curves: document.querySelectorAll('svg.curves').length,
          paths: [...document.querySelectorAll('svg.curves')].map((s) => s.querySelectorAll('path').length),
          randomisation: document.querySelectorAll('#randomisation path').length,
          rows: document.querySelectorAll('#scores tbody tr').length,
          tiles: [...document.querySelectorAll('img.tile')].map((i) => (i as HTMLImageElement).naturalWidth),
          width: document.querySelector('#randomisation')?.getBoundingClientRect().width ?? 0,
        }));
        expect(errors).toEqual([]);
        // one panel per method and the random attribution, in each of the two settings
        expect(seen.curves).toBe((METHODS.length + 1) * 2);
        // a panel's area, MIF and LIF, and the random curves beside every method's
        expect(seen.paths.filter((p) => p === 5)).toHaveLength(METHODS.length * 2);
        expect(seen.randomisation).toBe(METHODS.length + 1);
        expect(seen.rows).toBe(METHODS.length + 2);
        // four images and each method's map of each, all decoded
        expect(seen.tiles).toHaveLength(4 * (METHODS.length + 1));
        for (const w of seen.tiles) expect(w).toBe(32);
        expect(seen.width).toBeGreaterThan(300);
      } finally {
        await browser.close();
        await rm(profile, { recursive: true, force: true });
      }
    },
    60_000,
  );
});

describe('xai evaluate, other inputs', () => {
  const dir = tempDir('evaluate-more');

  it('gives the same results for the same seed, and takes a folder of images (without localisation)', async () => {
    const args = ['--quick', '--n', '6', '--methods', 'Gradient', '--metrics', 'srg,sparseness'];
    const a = await xai('evaluate', ...args, '--out', join(dir, 'a'));
    const b = await xai('evaluate', ...args, '--out', join(dir, 'b'));
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(readFileSync(join(dir, 'a', 'results.json'), 'utf8')).toBe(
      readFileSync(join(dir, 'b', 'results.json'), 'utf8'),
    );
    // the same images as 8-bit PNG files: close to the same scores
    const images = join(dir, 'images');
    mkdirSync(images);
    const { images: x, masks } = demoDataset({ n: 6, seed: 7 });
    tensorToImages(x, { range: [0, 1] }).forEach((img, i) => {
      writeFileSync(join(images, `img${i}.png`), encodePNG(img));
    });
    tf.dispose([x, masks]);
    writeFileSync(join(images, 'notes.txt'), 'not an image');
    const c = await xai('evaluate', ...args, '--data', images, '--out', join(dir, 'c'));
    expect(c.stderr).toBe('');
    expect(c.code).toBe(0);
    const fromFiles = JSON.parse(readFileSync(join(dir, 'c', 'results.json'), 'utf8')) as Results;
    const fromDemo = JSON.parse(readFileSync(join(dir, 'a', 'results.json'), 'utf8')) as Results;
    expect(fromFiles.data).toBe(`${images} (6 images)`);
    expect(fromFiles.methods.map((m) => m.method)).toEqual(['Gradient', 'random']);
    // the maps barely change (sparseness); pixel-flipping curves of six images are too jumpy to compare closely, but
    // the method still beats the random attribution, whose scores hardly move
    expect(fromFiles.methods[0]!.sparseness).toBeCloseTo(fromDemo.methods[0]!.sparseness!, 2);
    expect(fromFiles.methods[1]!.srg).toBeCloseTo(fromDemo.methods[1]!.srg!, 2);
    expect(fromFiles.methods[0]!.srg).toBeGreaterThan(fromFiles.methods[1]!.srg! + 0.01);
    const d = await xai(
      'evaluate',
      '--quick',
      '--n',
      '6',
      '--methods',
      'Gradient',
      '--metrics',
      'localisation',
      '--data',
      images,
      '--out',
      join(dir, 'd'),
    );
    expect(d.code).toBe(2);
    expect(d.stderr).toBe(
      'xai: localisation needs object masks, and only --data demo has them; leave localisation out\n',
    );
  }, 120_000);

  it('names what is wrong with bad arguments, exits 2 and writes nothing', async () => {
    mkdirSync(join(dir, 'full'));
    writeFileSync(join(dir, 'full', 'keep.txt'), 'mine');
    mkdirSync(join(dir, 'empty'));
    const cases: [string[], string][] = [
      [['--methods', 'Gradient,Saliency'], 'unknown method "Saliency"; use EpsilonGammaBox'],
      [['--metrics', 'srg,accuracy'], 'unknown metric "accuracy"; use srg, aopc, randomisation'],
      [['--methods', ' , '], '--methods is empty'],
      [['--data', join(dir, 'nowhere')], `no data folder at ${join(dir, 'nowhere')}`],
      [['--data', join(dir, 'empty')], `the folder ${join(dir, 'empty')} holds no PNG or JPEG images`],
      [['--n', '1'], '--n must be an integer ≥ 2'],
      [['--out', join(dir, 'full')], 'is not empty and holds no earlier evaluation'],
      [['--out', join(dir, 'no', 'such', 'place')], 'does not exist'],
      [['--model', join(dir, 'missing.json')], 'missing.json'],
    ];
    for (const [args, message] of cases) {
      const withOut = args.includes('--out') ? args : [...args, '--out', join(dir, 'never')];
      const r = await xai('evaluate', '--quick', ...withOut);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(message);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stdout).toBe('');
    }
    expect(existsSync(join(dir, 'never'))).toBe(false);
    expect(readdirSync(join(dir, 'full'))).toEqual(['keep.txt']);
    const missing = await xai('evaluate');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '-o, --out <dir>' not specified");
  }, 60_000);

  it('leaves no output behind when interrupted', async () => {
    const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
    const target = join(dir, 'interrupted');
    // a full run takes minutes: the interrupt always comes before the results are written
    const child = spawn(process.execPath, [bin, 'evaluate', '--out', target], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (s: Buffer) => {
      stdout += s.toString();
    });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    child.kill('SIGINT');
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
      child.on('exit', (c, s) => resolve([c, s])),
    );
    expect(signal === 'SIGINT' || code === 130).toBe(true);
    expect(stdout).toBe('');
    expect(readdirSync(dir).filter((f) => f.startsWith('interrupted'))).toEqual([]);
  }, 60_000);
});
