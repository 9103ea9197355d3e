import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { analyze } from '@xai-ts/base';
import { decodePNG } from '@xai-ts/heatmap/node';
import { EpsilonPlusFlat, LRP } from '@xai-ts/lrp';
import { localizationMetrics } from '@xai-ts/metrics';
import { DEMO_CLASS_NAMES, demoDataset, loadDemoModel } from '@xai-ts/zoo';
import { chromium } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SEED, type DemoResult, runDemo } from '../src/index.js';
import { type Run, tempDir, xai } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && process.env.CI)
  throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium (apt-get install -y chromium)`);

const ANALYZERS = [
  'EpsilonGammaBox',
  'EpsilonPlus',
  'EpsilonAlpha2Beta1',
  'EpsilonPlusFlat',
  'EpsilonAlpha2Beta1Flat',
  'CRP conv3 #1',
  'CRP conv3 #2',
  'Gradient',
  'InputTimesGradient',
  'SmoothGrad',
  'IntegratedGradients',
  'GradCAM',
];

describe('xai demo', () => {
  const out = tempDir('demo');
  let run: Run;
  beforeAll(async () => {
    run = await xai('demo', '--out', out); // the default backend: wasm here
  });

  it('exits 0 and says where it wrote', () => {
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`wrote ${join(out, 'montage.png')}`);
    expect(run.stdout).toContain(join(out, 'index.html'));
    expect(run.stdout).toContain('backend wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('writes a montage of 8 rows of images and 13 columns (the input and 12 maps) of 128-pixel tiles', () => {
    const png = decodePNG(readFileSync(join(out, 'montage.png')));
    const [, size] = /montage\.png \((\d+)×(\d+)\)/.exec(run.stdout) ?? [];
    expect(size).toBeDefined();
    expect(`${png.width}`).toBe(/\((\d+)×/.exec(run.stdout)?.[1]);
    expect(png.width).toBeGreaterThanOrEqual(13 * 128);
    expect(png.width).toBeLessThan(13 * 128 + 13 * 8 + 120); // padding and the row-label band
    expect(png.height).toBeGreaterThanOrEqual(8 * 128);
    expect(png.height).toBeLessThan(8 * 128 + 8 * 8 + 40);
    const colours = new Set<number>();
    for (let i = 0; i < png.data.length; i += 4)
      colours.add((png.data[i]! << 16) | (png.data[i + 1]! << 8) | png.data[i + 2]!);
    expect(colours.size).toBeGreaterThan(2000);
  });

  it('writes index.html with every analyzer, the classes, the scores and the random baseline', () => {
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    // column heads may wrap at the capitals of a name
    for (const name of ANALYZERS) expect(html.replaceAll('<wbr>', '')).toContain(`<th>${name}</th>`);
    for (const name of DEMO_CLASS_NAMES) expect(html).toContain(`<td>${name}</td>`);
    expect(html).toContain('random attribution (baseline)');
    expect(html).toContain('relevance mass accuracy');
    expect(html.match(/<img class="tile" src="data:image\/png;base64,/g)).toHaveLength(8 * 13);
    expect(html).toContain('src="montage.png"');
    // the summary's scores are the report's
    const lines = run.stdout.split('\n').filter((l) => /^\s+(Eps|CRP|Grad|Smooth|Int|Input)/.test(l));
    expect(lines).toHaveLength(12);
    for (const line of lines) {
      const [mass] = line
        .trim()
        .split(/\s{2,}/)
        .slice(1);
      expect(html).toContain(`<td>${mass}</td>`);
    }
  });

  it.skipIf(!hasChromium)(
    'lays out index.html at 360 and 1400 pixels wide in Chromium: no column head over an image or a neighbour, no sideways page scroll, no console errors',
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
        for (const width of [360, 1400]) {
          await page.setViewportSize({ width, height: 900 });
          await page.goto(pathToFileURL(join(out, 'index.html')).href);
          const seen = await page.evaluate(() => {
            type Box = { left: number; right: number; top: number; bottom: number };
            const overlap = (a: Box, b: Box) =>
              a.left < b.right - 0.5 &&
              b.left < a.right - 0.5 &&
              a.top < b.bottom - 0.5 &&
              b.top < a.bottom - 0.5;
            const textBoxes = (el: Element): Box[] => {
              const range = document.createRange();
              range.selectNodeContents(el);
              return [...range.getClientRects()];
            };
            const heads = [...document.querySelectorAll('.grid thead th')];
            const tiles = [...document.querySelectorAll('.grid img.tile')].map((i) =>
              i.getBoundingClientRect(),
            );
            const first = document.querySelector('.grid img.tile') as HTMLImageElement;
            const header = [...document.querySelectorAll('h1, h2, p.note, .grid thead, .grid thead *')];
            return {
              first: { width: first.getBoundingClientRect().width, decoded: first.naturalWidth },
              // any element of the page's header or the grid's head, or its text, over the first image
              overFirst: header
                .filter((el) =>
                  [el.getBoundingClientRect(), ...textBoxes(el)].some((b) => overlap(b, tiles[0]!)),
                )
                .map((el) => el.textContent),
              // a column head's text over any tile, or outside its own cell (over its neighbour)
              overTiles: heads.filter((h) => textBoxes(h).some((b) => tiles.some((t) => overlap(b, t))))
                .length,
              spilling: heads
                .filter((h) => {
                  const cell = h.getBoundingClientRect();
                  return textBoxes(h).some((b) => b.left < cell.left - 0.5 || b.right > cell.right + 0.5);
                })
                .map((h) => h.textContent),
              pageWidth: document.documentElement.scrollWidth,
            };
          });
          expect(seen.first, `${width} px`).toEqual({ width: 96, decoded: 32 });
          expect(seen.overFirst, `${width} px`).toEqual([]);
          expect(seen.overTiles, `${width} px`).toBe(0);
          expect(seen.spilling, `${width} px`).toEqual([]);
          // the grid scrolls sideways in its own box; the page keeps the window's width
          expect(seen.pageWidth, `${width} px`).toBeLessThanOrEqual(width);
        }
        expect(errors).toEqual([]);
      } finally {
        await browser.close();
        await rm(profile, { recursive: true, force: true });
      }
    },
    60_000,
  );
});

describe('runDemo', () => {
  const out = tempDir('rundemo');
  let result: DemoResult;
  beforeAll(async () => {
    await tf.setBackend('wasm');
    result = await runDemo({
      out,
      samples: 4,
      io: { stdout: { write: () => true }, stderr: { write: () => true } },
    });
  });

  it('covers every class with its default seed, and the model gets them right', () => {
    expect(new Set(result.rows.map((r) => r.label))).toEqual(new Set(DEMO_CLASS_NAMES));
    expect(result.rows.filter((r) => r.predicted === r.label).length).toBeGreaterThanOrEqual(7);
  });

  it('has one column per analyzer, one map of 32×32 per image', () => {
    expect(result.columns.map((c) => c.name)).toEqual(ANALYZERS);
    for (const c of result.columns) {
      expect(c.maps).toHaveLength(8);
      for (const m of c.maps) expect([m.width, m.height]).toEqual([32, 32]);
    }
    const crp = result.columns.filter((c) => c.name.startsWith('CRP'));
    for (const c of crp) expect(c.features).toHaveLength(8);
    // the two CRP columns show different channels of each image
    for (let i = 0; i < 8; i++) expect(crp[0]!.features![i]).not.toBe(crp[1]!.features![i]);
  });

  it('scores LRP exactly as localizationMetrics does on the predicted class', async () => {
    const model = await loadDemoModel();
    const { images, masks } = demoDataset({ n: 8, seed: DEMO_SEED });
    const lrp = new LRP(model, new EpsilonPlusFlat());
    const expl = analyze(images, lrp);
    const expected = localizationMetrics(expl, masks);
    const column = result.columns.find((c) => c.name === 'EpsilonPlusFlat')!;
    expect(column.scores.relevanceMassAccuracy.perSample).toEqual(expected.relevanceMassAccuracy.perSample);
    expect(column.scores.pointingGame.perSample).toEqual(expected.pointingGame.perSample);
    expl.dispose();
    lrp.dispose();
    model.dispose();
    images.dispose();
    masks.dispose();
  });

  it('every analyzer puts more relevance on the objects than a random attribution', () => {
    const random = result.baseline.relevanceMassAccuracy.mean;
    expect(random).toBeGreaterThan(0.1);
    expect(random).toBeLessThan(0.3);
    for (const c of result.columns) expect(c.scores.relevanceMassAccuracy.mean).toBeGreaterThan(random + 0.1);
  });

  it('frees every tensor it makes', async () => {
    const before = tf.memory().numTensors;
    await runDemo({
      out,
      n: 2,
      samples: 2,
      io: { stdout: { write: () => true }, stderr: { write: () => true } },
    });
    // EpsilonGammaBox's ZBox bounds are numbers here, so nothing is kept
    expect(tf.memory().numTensors).toBe(before);
  });
});
