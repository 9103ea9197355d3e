// The pool page: 8 demo images explained in a pool of Web Workers, drawn next to their inputs, with the time and
// the largest difference from the same LRP on the page.
import * as tf from '@tensorflow/tfjs';
import { analyze } from '@xai-ts/base';
import { drawHeatmap, heatmap, tensorToImages } from '@xai-ts/heatmap';
import { EpsilonPlusFlat, LRP } from '@xai-ts/lrp';
import type { LRPWebWorkerPool } from '@xai-ts/workers';
import { demoDataset, loadDemoModel } from '@xai-ts/zoo';
import { chooseBackend } from './backend.js';
import {
  bench,
  type Comparison,
  compare,
  type Failures,
  failures,
  startPool,
  type Timing,
} from './pool-checks.js';
import { SAMPLES } from './samples.js';

declare global {
  interface Window {
    /** The page's checks, for the end-to-end test. */
    poolDemo: {
      compare(workers: number, batch: number): Promise<Comparison>;
      failures(): Promise<Failures>;
      bench(which: 'demo' | 'large', sizes: number[], runs: number, warmups?: number): Promise<Timing>;
    };
  }
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $<HTMLParagraphElement>('status');
const setStatus = (state: 'busy' | 'done' | 'error', text: string) => {
  status.dataset.state = state;
  status.textContent = text;
};

const backend = await chooseBackend(new URLSearchParams(location.search).get('backend'));
$('backend').textContent = `TensorFlow.js backend on the page and in the workers: ${backend}.`;
document.body.dataset.backend = backend;

const model = await loadDemoModel();
const { images, masks } = demoDataset(SAMPLES);
masks.dispose();
const batch = (n: number) => tf.slice(images, [0, 0, 0, 0], [n, -1, -1, -1]);

window.poolDemo = {
  async compare(workers, n) {
    const x = batch(n);
    try {
      return await compare(model, x, workers);
    } finally {
      x.dispose();
    }
  },
  async failures() {
    const x = batch(2);
    try {
      return await failures(model, x);
    } finally {
      x.dispose();
    }
  },
  async bench(which, sizes, runs, warmups) {
    const x = batch(8);
    try {
      return await bench(which, model, x, sizes, runs, warmups);
    } finally {
      x.dispose();
    }
  },
};

let pool: LRPWebWorkerPool | undefined;
const runButton = $<HTMLButtonElement>('run');
runButton.addEventListener('click', async () => {
  runButton.disabled = true;
  const workers = Math.max(1, Math.min(8, Number($<HTMLInputElement>('workers').value) || 1));
  const x = batch(8);
  try {
    if (pool?.size !== workers) {
      await pool?.close();
      setStatus('busy', `Starting ${workers} workers…`);
      pool = await startPool(model, workers);
    }
    setStatus('busy', `Explaining 8 images in ${workers} workers…`);
    const t0 = performance.now();
    const expl = await pool.analyze(x);
    const ms = performance.now() - t0;
    const lrp = new LRP(model, new EpsilonPlusFlat());
    const t1 = performance.now();
    const page = analyze(x, lrp);
    await page.val.data();
    const pageMs = performance.now() - t1;
    const diff = tf.tidy(
      () => tf.sub(expl.val, page.val).abs().max().div(page.val.abs().max()).dataSync()[0]!,
    );
    const maps = heatmap(expl);
    const inputs = tensorToImages(x, { range: [0, 1] });
    const box = $('maps');
    box.replaceChildren();
    for (const img of [...inputs, ...maps]) {
      const canvas = document.createElement('canvas');
      drawHeatmap(canvas, img);
      box.append(canvas);
    }
    for (const d of [expl, page, lrp]) d.dispose();
    setStatus(
      'done',
      `${workers} workers: ${ms.toFixed(0)} ms; on the page: ${pageMs.toFixed(0)} ms; largest relative difference ${diff.toExponential(1)}.`,
    );
  } catch (e) {
    console.error(e);
    setStatus('error', `The pool failed: ${(e as Error).message}`);
  } finally {
    x.dispose();
    runButton.disabled = false;
  }
});

runButton.disabled = false;
setStatus('done', 'Ready: pick the number of workers and explain.');
document.body.dataset.ready = 'true';
