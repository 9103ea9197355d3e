// Drives the pool page (dist/pool.html) in Debian's Chromium: LRPWebWorkerPool with real Web Workers on the wasm
// backend against LRP on the page, and the pool's failures. XAI_POOL_BENCH=1 also times it (slow: a minute or two).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, type OpenPage, openPage, shots } from './browser.js';

describe.skipIf(!hasChromium)('LRPWebWorkerPool in Chromium (pool page)', () => {
  let opened: OpenPage;
  let page: Page;

  beforeAll(async () => {
    opened = await openPage('pool.html');
    page = opened.page;
    await mkdir(shots, { recursive: true });
  });

  afterAll(async () => {
    await opened?.close();
  });

  it('2 Web Workers on wasm give the relevance of LRP on the page, for a batch of 5', async () => {
    expect(await page.getAttribute('body', 'data-backend')).toBe('wasm');
    const r = await page.evaluate(() => window.poolDemo.compare(2, 5));
    expect(r.workers).toBe(2);
    expect(r.poolBackend).toBe('wasm');
    expect(r.pageBackend).toBe('wasm');
    expect(r.shape).toEqual([5, 32, 32, 3]);
    expect(r.selection).toEqual(r.pageSelection);
    expect(r.relevanceRelDiff).toBeLessThanOrEqual(1e-5);
    expect(r.outputRelDiff).toBeLessThanOrEqual(1e-5);
    // not trivially zero: each sample keeps most of its output relevance of 1
    for (const s of r.sums) expect(Math.abs(s)).toBeGreaterThan(0.1);
    expect(r.leakedTensors).toBe(0);
    expect(opened.errors).toEqual([]);
  });

  it('the page explains 8 images in the pool and draws them', async () => {
    await page.fill('#workers', '2');
    await page.click('#run');
    await page.waitForSelector('#status[data-state="done"]:has-text("2 workers")', { timeout: 60_000 });
    expect(await page.locator('#maps canvas').count()).toBe(16);
    const text = (await page.textContent('#status'))!;
    const diff = Number(/largest relative difference (\S+)\.$/.exec(text)![1]);
    expect(diff).toBeLessThanOrEqual(1e-5);
    await page.screenshot({ path: join(shots, 'e2e-pool.png'), fullPage: true });
  });

  it('worker failures reject with WorkerPoolErrors, and nothing hangs', async () => {
    const f = await page.evaluate(() => window.poolDemo.failures());
    expect(f.crash).toMatchObject({ kind: 'WorkerPoolError', name: 'WorkerPoolError' });
    expect(f.crash!.message).toMatch(
      /^worker [01] crashed: (Uncaught )?Error: crash requested by the pool page; the pool is closed, create a new LRPWebWorkerPool$/,
    );
    expect(f.closedAfterCrash).toBe(true);
    expect(f.afterCrash).toEqual(f.crash);
    expect(f.missingScript).toMatchObject({ kind: 'WorkerPoolError' });
    expect(f.missingScript!.message).toMatch(
      /^worker [01] crashed while starting: its script failed to load/,
    );
    expect(f.missingBackend).toMatchObject({ kind: 'WorkerPoolError', worker: 0, remoteName: 'Error' });
    expect(f.missingBackend!.message).toMatch(/the "webgpu" backend is not registered in this worker/);
    expect(f.closedWhilePending).toMatchObject({
      kind: 'WorkerPoolError',
      worker: -1,
      message: 'the pool is closed; create a new LRPWebWorkerPool',
    });
    expect(f.customSelector).toMatchObject({ kind: 'OutputSelectionError' });
    expect(f.leakedTensors).toBe(0);
  });

  // Not a test but the measurement behind the browser-pool figures in docs/backends-performance.md: it asserts
  // nothing and runs only when asked (XAI_POOL_BENCH=1), since speed is measured on request, never in the suite.
  it.runIf(process.env.XAI_POOL_BENCH)(
    'times 1 and 2 workers against the page',
    async () => {
      for (const which of ['demo', 'large'] as const) {
        const t = await page.evaluate((w) => window.poolDemo.bench(w, [1, 2], 5, 3), which);
        console.log(JSON.stringify(t));
      }
    },
    600_000,
  );
});
