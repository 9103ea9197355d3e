// Drives the built page (dist/) in Debian's Chromium with playwright-core: pick a demo image and an analyzer, draw,
// and check the heatmap canvas's pixels against the same explanation computed here in Node.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { analyze } from '@xai-ts/base';
import { heatmap } from '@xai-ts/heatmap';
import { EpsilonPlusFlat, LRP } from '@xai-ts/lrp';
import { demoDataset, loadDemoModel } from '@xai-ts/zoo';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLES } from '../src/samples.js';
import { hasChromium, type OpenPage, openPage, shots } from './browser.js';

interface Pixels {
  width: number;
  height: number;
  data: number[];
}

describe.skipIf(!hasChromium)('browser demo (Chromium)', () => {
  let opened: OpenPage;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    opened = await openPage('');
    ({ page, errors } = opened);
    await mkdir(shots, { recursive: true });
  });

  afterAll(async () => {
    await opened?.close();
  });

  /** Selects an analyzer (or clicks something) and waits for the new heatmap. */
  async function run(action: () => Promise<unknown>, analyzer: string): Promise<Pixels> {
    await page.evaluate(() => {
      document.getElementById('heatmap')!.dataset.state = 'stale';
    });
    await action();
    await page.waitForSelector(`#heatmap[data-state="done"][data-analyzer="${analyzer}"]`, {
      timeout: 60_000,
    });
    return page.evaluate(() => {
      const c = document.getElementById('heatmap') as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height);
      return { width: d.width, height: d.height, data: Array.from(d.data) };
    });
  }

  const distinctColours = (p: Pixels) => {
    const set = new Set<number>();
    for (let i = 0; i < p.data.length; i += 4)
      set.add((p.data[i]! << 16) | (p.data[i + 1]! << 8) | p.data[i + 2]!);
    return set.size;
  };
  const isRed = (p: Pixels, i: number) =>
    p.data[4 * i]! > 200 && p.data[4 * i + 1]! < 140 && p.data[4 * i + 2]! < 140;

  it('loads the demo model on the wasm backend, served by the page itself', async () => {
    expect(await page.getAttribute('body', 'data-backend')).toBe('wasm');
    expect(await page.locator('.sample').count()).toBe(SAMPLES.n);
    // the first explanation runs on load
    await page.waitForSelector('#heatmap[data-state="done"]');
    expect(errors).toEqual([]);
  });

  it('LRP on a demo image: red on the object, and the same heatmap as in Node', async () => {
    const index = 3;
    await page.selectOption('#analyzer', 'Gradient');
    await page.waitForSelector('#heatmap[data-state="done"][data-analyzer="Gradient"]');
    const pixels = await run(async () => {
      await page.click(`.sample[data-index="${index}"]`);
      await page.selectOption('#analyzer', 'EpsilonPlusFlat');
    }, 'EpsilonPlusFlat');
    expect([pixels.width, pixels.height]).toEqual([32, 32]);
    expect(distinctColours(pixels)).toBeGreaterThan(20);

    // The same image, analyzer and colours computed here on the cpu backend.
    await tf.setBackend('cpu');
    const model = await loadDemoModel();
    const { images, masks } = demoDataset(SAMPLES);
    const x = tf.slice(images, [index, 0, 0, 0], [1, -1, -1, -1]);
    const lrp = new LRP(model, new EpsilonPlusFlat());
    const expl = analyze(x, lrp);
    const [expected] = heatmap(expl);
    const mask = Array.from(tf.slice(masks, [index, 0, 0, 0], [1, -1, -1, -1]).dataSync());
    expect(await page.getAttribute('#heatmap', 'data-explained')).toBe(String(expl.outputSelection[0]));
    expl.dispose();
    lrp.dispose();
    model.dispose();
    tf.dispose([images, masks, x]);

    let sum = 0;
    let max = 0;
    for (let i = 0; i < pixels.data.length; i++) {
      const d = Math.abs(pixels.data[i]! - expected!.data[i]!);
      sum += d;
      max = Math.max(max, d);
    }
    expect(sum / pixels.data.length).toBeLessThan(1); // wasm and cpu round differently, rarely by more than 1
    expect(max).toBeLessThan(24);

    // Positive relevance (red) lies mostly on the object.
    const red = mask.map((_, i) => isRed(pixels, i));
    const redCount = red.filter(Boolean).length;
    const onObject = red.filter((r, i) => r && mask[i]! > 0.5).length;
    const share = mask.filter((m) => m > 0.5).length / mask.length;
    expect(redCount).toBeGreaterThan(10);
    expect(onObject / redCount).toBeGreaterThan(Math.min(0.9, 2 * share));
    await page.screenshot({ path: join(shots, 'e2e-lrp.png'), fullPage: true });
  });

  it('Gradient, Grad-CAM and CRP draw their own maps', async () => {
    const gradient = await run(() => page.selectOption('#analyzer', 'Gradient'), 'Gradient');
    expect(distinctColours(gradient)).toBeGreaterThan(20);
    // inferno: dark where the gradient is small, never the attribution's white
    expect(gradient.data.some((v, i) => i % 4 === 0 && v < 40)).toBe(true);

    const cam = await run(() => page.selectOption('#analyzer', 'GradCAM'), 'GradCAM');
    expect(distinctColours(cam)).toBeGreaterThan(20);

    await run(() => page.selectOption('#analyzer', 'CRP'), 'CRP');
    expect(await page.locator('#concepts canvas').count()).toBe(4);
    const captions = await page.locator('#concepts figcaption').allTextContents();
    expect(captions.every((c) => /^channel \d+: -?\d\.\d{3}$/.test(c))).toBe(true);
    await page.screenshot({ path: join(shots, 'e2e-crp.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('explains a drawing, for a class chosen by hand', async () => {
    await page.selectOption('#analyzer', 'EpsilonPlus');
    await page.waitForSelector('#heatmap[data-state="done"][data-analyzer="EpsilonPlus"]');
    await page.selectOption('#target', '4'); // ring
    await page.waitForSelector('#heatmap[data-state="done"][data-explained="4"]');
    const box = (await page.locator('#draw').boundingBox())!;
    const pixels = await run(async () => {
      await page.click('#clear');
      // a ring: a circle of radius 70 around the centre
      const cx = box.x + box.width / 2;
      const cy = box.y + box.height / 2;
      await page.mouse.move(cx + 70, cy);
      await page.mouse.down();
      for (let k = 1; k <= 48; k++) {
        const a = (2 * Math.PI * k) / 48;
        await page.mouse.move(cx + 70 * Math.cos(a), cy + 70 * Math.sin(a));
      }
      await page.mouse.up();
      await page.click('#use-drawing');
    }, 'EpsilonPlus');
    expect(await page.getAttribute('#heatmap', 'data-explained')).toBe('4');
    expect(await page.textContent('#status')).toContain('your drawing');
    expect(distinctColours(pixels)).toBeGreaterThan(20);
    // the stroke runs through pixel rows 7..24 of the 32×32 input: relevance sits there, not in the corners
    const reds = [];
    for (let i = 0; i < 32 * 32; i++) if (isRed(pixels, i)) reds.push(i);
    expect(reds.length).toBeGreaterThan(10);
    const corner = reds.filter((i) => Math.hypot((i % 32) - 15.5, Math.floor(i / 32) - 15.5) > 14).length;
    expect(corner / reds.length).toBeLessThan(0.2);
    await page.screenshot({ path: join(shots, 'e2e-drawing.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});
