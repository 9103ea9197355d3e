// The written atlas in Debian's Chromium (playwright-core), opened from file:// as a user would: every mined channel
// on its layer's page, the class search's ranking, clicking through the attribution graph with back and forward,
// the live page explaining an uploaded PNG like CRP does here in Node, the layout at 360 and 1400 px, and no
// console errors. Every wait is on a DOM condition the page sets.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { analyze, TopNFeatures } from '@xai-ts/base';
import { CRP, type CRPExplanation } from '@xai-ts/crp';
import { EpsilonPlusFlat, LRP } from '@xai-ts/lrp';
import { demoDataset, loadDemoModel } from '@xai-ts/zoo';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AtlasData, type AtlasSite, writeAtlas } from '../src/atlas/node.js';
import { buildAtlasAssets, fixtureAtlas, minedAtlas, samplePng, UNMINED_CONV2 } from './atlas-fixture.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && process.env.CI)
  throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium (apt-get install -y chromium)`);
if (!hasChromium)
  console.warn(
    `SKIPPING the atlas's Chromium tests: ${CHROMIUM} is not installed (apt-get install -y chromium)`,
  );

/** Pairs of the matched elements whose boxes overlap, as their text; the page's width beyond the viewport. */
async function layoutFaults(
  page: Page,
  selectors: string[],
): Promise<{ overlaps: string[]; overflow: number }> {
  return page.evaluate((selectors) => {
    const overlaps: string[] = [];
    for (const selector of selectors) {
      const els = [...document.querySelectorAll(selector)].filter(
        (e) => (e as HTMLElement).offsetParent !== null,
      );
      const boxes = els.map((e) => e.getBoundingClientRect());
      for (let i = 0; i < boxes.length; i++)
        for (let j = i + 1; j < boxes.length; j++) {
          const a = boxes[i]!;
          const b = boxes[j]!;
          if (
            a.left < b.right - 0.5 &&
            b.left < a.right - 0.5 &&
            a.top < b.bottom - 0.5 &&
            b.top < a.bottom - 0.5
          )
            overlaps.push(
              `${selector}: '${els[i]!.textContent?.slice(0, 30)}' × '${els[j]!.textContent?.slice(0, 30)}'`,
            );
        }
    }
    return { overlaps, overflow: document.documentElement.scrollWidth - window.innerWidth };
  }, selectors);
}

describe.skipIf(!hasChromium)('the concept atlas in Chromium, from file://', () => {
  let data: AtlasData;
  let site: AtlasSite;
  let tmp: string;
  let context: BrowserContext;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    buildAtlasAssets();
    data = fixtureAtlas();
    tmp = await mkdtemp(join(tmpdir(), 'xai-atlas-browser-'));
    site = await writeAtlas(data, join(tmp, 'atlas'));
    context = await chromium.launchPersistentContext(join(tmp, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
      ],
      viewport: { width: 1400, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
  });

  afterAll(async () => {
    await context?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  const url = (hash: string, file = 'index.html') => `${pathToFileURL(join(site.dir, file)).href}${hash}`;
  /** Opens a hash of the atlas (a fresh load) and waits until the view and its images are drawn. */
  async function open(hash: string): Promise<void> {
    await page.goto(url(hash));
    await shown(hash);
  }
  async function shown(hash: string): Promise<void> {
    await page.waitForFunction((h) => document.body.dataset.route === h, hash);
    await page.waitForSelector('body:not([data-images="pending"])');
  }

  it('shows every mined channel on its layer page, with its RelMax and ActMax crops cut to the box', async () => {
    for (const layer of data.layers) {
      await open(`#/layer/${layer.name}`);
      const mined = data.concepts.filter((c) => c.layer === layer.name);
      const channels = await page.$$eval(`.concept-card[data-layer="${layer.name}"]`, (cards) =>
        cards.map((c) => Number((c as HTMLElement).dataset.channel)),
      );
      expect(channels, layer.name).toEqual(mined.map((c) => c.channel).sort((a, b) => a - b));
      expect(channels.length).toBeGreaterThan(0);
    }
    await open('#/layer/conv2');
    expect(await page.locator('.concept-card[data-layer="conv2"]').count()).toBe(32 - UNMINED_CONV2.length);

    await open('#/layer/conv3');
    const c = data.concepts.find((x) => x.layer === 'conv3' && x.channel === 2)!;
    const card = page.locator('.concept-card[data-channel="2"]');
    const crops = (tab: string) =>
      card
        .locator(`[role="tabpanel"][data-tab="${tab}"] canvas.crop`)
        .evaluateAll((cs) =>
          cs.map((x) => [
            (x as HTMLCanvasElement).width,
            (x as HTMLCanvasElement).height,
            x.checkVisibility(),
          ]),
        );
    const size = (b: number[]) => [b[3]! - b[1]!, b[2]! - b[0]!];
    expect(await crops('RelMax')).toEqual(c.relMax.slice(0, 6).map((t) => [...size(t.box), true]));
    await card.locator('button[data-tab="ActMax"]').click();
    expect(await crops('ActMax')).toEqual(c.actMax.slice(0, 6).map((t) => [...size(t.box), true]));
    expect((await crops('RelMax')).every(([, , visible]) => !visible)).toBe(true);
  });

  it("shows a concept's entry: its top samples, its bars per class, its attribution graph", async () => {
    await open('#/concept/conv3/1');
    const c = data.concepts.find((x) => x.layer === 'conv3' && x.channel === 1)!;
    expect(await page.textContent('section.concept h2')).toBe('conv3 #1');
    const samples = await page.$$eval('ol.tops.large[data-tab="RelMax"] > li', (lis) =>
      lis.map((li) => Number((li as HTMLElement).dataset.sample)),
    );
    expect(samples).toEqual(c.relMax.map((t) => t.sample));
    expect(await page.locator('svg.class-chart .class-row rect.bar').count()).toBe(c.classes.length);
    const graph = data.graphs.find((g) => g.layer === 'conv3' && g.channel === 1)!;
    const nodes = await page.$$eval('svg.graph .graph-node', (ns) =>
      ns.map((n) => n.getAttribute('data-node')),
    );
    expect(nodes.sort()).toEqual(graph.nodes.map((n) => n.id).sort());
    expect(await page.locator('svg.graph path.edge').count()).toBe(graph.edges.length);
    // channel 5 of conv2 was not mined: its node is drawn but links nowhere
    expect(await page.locator('svg.graph g.graph-node.unmined[data-node="conv2:5"]').count()).toBe(1);
    expect(await page.locator('svg.graph a[data-node="conv2:5"]').count()).toBe(0);
  });

  it('opens the concept of a clicked graph node; back and forward follow the hash', async () => {
    await open('#/concept/conv3/0');
    const target = data.graphs
      .find((g) => g.layer === 'conv3' && g.channel === 0)!
      .nodes.find((n) => n.layer === 'conv1')!;
    await page.click(`svg.graph a.graph-node[data-node="${target.id}"]`);
    const hash = `#/concept/${target.layer}/${target.channel}`;
    await shown(hash);
    expect(new URL(page.url()).hash).toBe(hash);
    expect(await page.getAttribute('section.concept', 'data-layer')).toBe(target.layer);
    expect(await page.getAttribute('section.concept', 'data-channel')).toBe(String(target.channel));
    await page.goBack();
    await shown('#/concept/conv3/0');
    expect(await page.textContent('section.concept h2')).toBe('conv3 #0');
    await page.goForward();
    await shown(hash);
    expect(await page.textContent('section.concept h2')).toBe(`${target.layer} #${target.channel}`);
  });

  it('ranks the concepts for a class by mean and by max relevance, each linked to its entry', async () => {
    await open('#/');
    await page.selectOption('#class-search', '4');
    await shown('#/class/4');
    const expected = (by: 'mean' | 'max') =>
      data.concepts
        .flatMap((c) =>
          c.classes.filter((s) => s.class === 4).map((s) => ({ key: `${c.layer}:${c.channel}`, v: s[by] })),
        )
        .sort((a, b) => b.v - a.v)
        .map((r) => r.key);
    const listed = () =>
      page.$$eval('ol.ranking > li', (lis) =>
        lis.map((li) => {
          const a = li.querySelector('a')!;
          return {
            key: `${(li as HTMLElement).dataset.layer}:${(li as HTMLElement).dataset.channel}`,
            href: a.getAttribute('href'),
          };
        }),
      );
    const byMean = await listed();
    expect(byMean.map((r) => r.key)).toEqual(expected('mean'));
    expect(byMean.map((r) => r.key)).not.toContain('conv3:9'); // no statistics for class 4
    for (const r of byMean) expect(r.href).toBe(`#/concept/${r.key.replace(':', '/')}`);
    await page.click('.rank-by a:text("max")');
    await shown('#/class/4/max');
    expect((await listed()).map((r) => r.key)).toEqual(expected('max'));
    await page.click('ol.ranking > li:first-child a');
    const [layer, channel] = expected('max')[0]!.split(':');
    await shown(`#/concept/${layer}/${channel}`);
    expect(await page.textContent('section.concept h2')).toBe(`${layer} #${channel}`);
  });

  it('explains an uploaded PNG live with the demo CNN and links the relevant channels to their entries', async () => {
    const { images, labels, masks } = demoDataset({ n: 4, seed: 99 });
    const png = samplePng(images, 2);
    // what the page should find, computed here with the same model, rule and CRP
    const model = await loadDemoModel();
    const lrp = new LRP(model, new EpsilonPlusFlat());
    const x = images.slice([2, 0, 0, 0], [1, 32, 32, 3]);
    const predicted = tf.tidy(() => (model.predict(x) as tf.Tensor).argMax(-1).dataSync()[0]!);
    const expected = data.layers.map((l) => {
      const e = analyze(x, new CRP(lrp, l.name, new TopNFeatures(5)), predicted) as CRPExplanation;
      const features = e.extras.features[0]!;
      e.dispose();
      return features;
    });
    lrp.dispose();
    model.dispose();
    tf.dispose([images, masks, x]);
    expect(predicted).toBe(labels[2]);

    await page.goto(url('', 'live.html'));
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.getAttribute('body', 'data-backend')).toBe('cpu');
    await page.setInputFiles('#upload', {
      name: 'sample.png',
      mimeType: 'image/png',
      buffer: Buffer.from(png),
    });
    await page.waitForSelector('#result[data-state="done"]');
    expect(await page.getAttribute('#result', 'data-predicted')).toBe(String(predicted));
    const layers = await page.$$eval('section.live-layer', (sections) =>
      sections.map((s) => ({
        layer: (s as HTMLElement).dataset.layer!,
        rows: [...s.querySelectorAll('ol.live-concepts > li')].map((li) => ({
          channel: Number((li as HTMLElement).dataset.channel),
          href: li.querySelector('a.concept-link')?.getAttribute('href') ?? null,
          map: [
            (li.querySelector('canvas.map') as HTMLCanvasElement).width,
            (li.querySelector('canvas.map') as HTMLCanvasElement).height,
          ],
        })),
      })),
    );
    expect(layers.map((l) => l.layer)).toEqual(data.layers.map((l) => l.name));
    layers.forEach((l, i) => {
      expect(
        l.rows.map((r) => r.channel),
        l.layer,
      ).toEqual(expected[i]);
      for (const r of l.rows) {
        const mined = data.concepts.some((c) => c.layer === l.layer && c.channel === r.channel);
        expect(r.href, `${l.layer} #${r.channel}`).toBe(
          mined ? `index.html#/concept/${l.layer}/${r.channel}` : null,
        );
        expect(r.map).toEqual([32, 32]);
      }
    });
    // a listed concept's link opens its entry in the atlas
    const first = layers[2]!.rows.find((r) => r.href !== null)!;
    await page.click(
      `section.live-layer[data-layer="conv3"] li[data-channel="${first.channel}"] a.concept-link`,
    );
    await shown(`#/concept/conv3/${first.channel}`);
    expect(await page.textContent('section.concept h2')).toBe(`conv3 #${first.channel}`);
  });

  it('lays out every view at 360 and 1400 px without overlaps or sideways scrolling', async () => {
    const parts = [
      'header > *',
      'header nav > *',
      'main > section > *',
      '.concept-card',
      'ol.tops > li',
      'ol.tops.large > li > *',
      'ol.ranking > li > *',
      'table.layers td',
      '.controls > *',
    ];
    for (const width of [360, 1400]) {
      await page.setViewportSize({ width, height: 900 });
      for (const hash of ['#/', '#/layer/conv2', '#/concept/conv3/2', '#/class/1']) {
        await open(hash);
        expect(await layoutFaults(page, parts), `${hash} at ${width} px`).toEqual({
          overlaps: [],
          overflow: 0,
        });
      }
      await page.goto(url('', 'live.html'));
      await page.waitForSelector('body[data-ready="true"]');
      await page.setInputFiles('#upload', {
        name: 'sample.png',
        mimeType: 'image/png',
        buffer: Buffer.from(samplePng(demoDataset({ n: 1, seed: 5 }).images, 0)),
      });
      await page.waitForSelector('#result[data-state="done"]');
      const live = ['.prediction > *', 'ol.live-concepts > li', 'ol.live-concepts > li > *', 'main > *'];
      expect(await layoutFaults(page, live), `live.html at ${width} px`).toEqual({
        overlaps: [],
        overflow: 0,
      });
    }
  });

  it('shows an atlas read from a really mined store: every channel, and its graphs click through', async () => {
    const mined = await minedAtlas(tmp);
    const real = await writeAtlas(mined, join(tmp, 'mined'));
    const at = (hash: string) => `${pathToFileURL(real.index).href}${hash}`;
    for (const layer of mined.layers) {
      await page.goto(at(`#/layer/${layer.name}`));
      await shown(`#/layer/${layer.name}`);
      // mining keeps every channel of a mined layer
      expect(await page.locator(`.concept-card[data-layer="${layer.name}"]`).count(), layer.name).toBe(
        layer.channels,
      );
    }
    expect(mined.graphs.length).toBe(2);
    for (const graph of mined.graphs) {
      await page.goto(at(`#/concept/conv3/${graph.channel}`));
      await shown(`#/concept/conv3/${graph.channel}`);
      expect(await page.locator('svg.graph .graph-node').count()).toBe(graph.nodes.length);
      const child = graph.nodes.find((n) => n.layer !== 'conv3')!;
      await page.click(`svg.graph a.graph-node[data-node="${child.id}"]`);
      await shown(`#/concept/${child.layer}/${child.channel}`);
      expect(await page.textContent('section.concept h2')).toBe(`${child.layer} #${child.channel}`);
    }
  });

  it('says on the live page when the atlas was not mined from the demo CNN, and explains nothing', async () => {
    const other = structuredClone(data);
    other.model = 'another_cnn';
    other.layers[1]!.channels = 64;
    other.layers[2]!.name = 'block5_conv3';
    for (const c of other.concepts) if (c.layer === 'conv3') c.layer = 'block5_conv3';
    for (const g of other.graphs) {
      g.layer = 'block5_conv3';
      for (const n of g.nodes) if (n.layer === 'conv3') n.layer = 'block5_conv3';
      for (const n of g.nodes) n.id = `${n.layer}:${n.channel}`;
      for (const e of g.edges) {
        e.from = e.from.replace('conv3:', 'block5_conv3:');
        e.to = e.to.replace('conv3:', 'block5_conv3:');
      }
    }
    const foreign = await writeAtlas(other, join(tmp, 'foreign'));
    await page.goto(pathToFileURL(foreign.live!).href);
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.getAttribute('body', 'data-live')).toBe('unavailable');
    expect(await page.isDisabled('#upload')).toBe(true);
    const status = await page.textContent('#status');
    expect(status).toContain('conv2 (64 channels here, 32 in the demo CNN)');
    expect(status).toContain('block5_conv3 (not in the demo CNN)');
  });

  it('logged no console errors and threw no page errors', () => {
    expect(errors).toEqual([]);
  });
});
