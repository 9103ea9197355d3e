/**
 * `pnpm bench:smoothdiff`: the cost-versus-agreement curve of SmoothDiff and SmoothGrad on the demo model and data
 * (50 images of `demoDataset({ n: 50, seed: 7 })`): for each n, the time of one call on the batch as forward passes
 * of the batch (timed alternately, one run each after a warm-up), and the Spearman agreement with SmoothGrad(500)
 * from {@link agreementCurve}.
 *
 *   pnpm bench:smoothdiff [--json docs/figures/smoothdiff-curve.json] [--backend wasm|cpu]
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { analyze } from '@xai-ts/base';
import { SmoothDiff, SmoothGrad } from '@xai-ts/gradients';
import { demoDataset, loadDemoModel } from '@xai-ts/zoo';
import { AGREEMENT_SETTINGS, agreementCurve } from './agreement.js';

const { values } = parseArgs({
  options: { json: { type: 'string' }, backend: { type: 'string', default: 'wasm' } },
});

async function timeOnce(f: () => tf.Tensor): Promise<number> {
  const t0 = performance.now();
  const out = f();
  await out.data();
  const dt = performance.now() - t0;
  out.dispose();
  return dt;
}

async function main(): Promise<void> {
  await tf.setBackend(values.backend ?? 'wasm');
  await tf.ready();
  const model = await loadDemoModel();
  const { images, masks } = demoDataset({ n: 50, seed: 7 });
  masks.dispose();
  const settings = AGREEMENT_SETTINGS;
  console.log(
    `SmoothDiff and SmoothGrad against SmoothGrad(${settings.referenceN}) on 50 demo images, std ${settings.std}, backend ${tf.getBackend()}, ${cpus()[0]?.model ?? 'unknown CPU'}`,
  );
  const agreement = agreementCurve(model, images, settings);
  const forward = () => model.predict(images) as tf.Tensor;
  await timeOnce(forward);
  const rows = [];
  for (const point of agreement) {
    const make = () =>
      point.method === 'SmoothGrad'
        ? new SmoothGrad(model, { n: point.n, std: settings.std, seed: 1 })
        : new SmoothDiff(model, { n: point.n, std: settings.std, seed: 1 });
    const analyzer = make();
    const call = () => {
      const e = analyze(images, analyzer);
      e.output.dispose();
      return e.val;
    };
    await timeOnce(call);
    const before = await timeOnce(forward);
    const ms = await timeOnce(call);
    const after = await timeOnce(forward);
    analyzer.dispose();
    const ratio = ms / ((before + after) / 2);
    rows.push({ ...point, ms, forwardPasses: ratio });
    console.log(
      `  ${`${point.method}(${point.n})`.padEnd(16)} ${ratio.toFixed(1).padStart(7)} forward passes   Spearman with the reference ${point.spearman.toFixed(4)} (signed), ${point.spearmanNorm.toFixed(4)} (pixel norms)`,
    );
  }
  images.dispose();
  model.dispose();
  if (values.json) {
    const figures = {
      what: `SmoothGrad(n) and SmoothDiff(n) against SmoothGrad(${settings.referenceN}) on demoDataset({ n: 50, seed: 7 }) and the demo model`,
      settings,
      backend: values.backend ?? 'wasm',
      cpu: cpus()[0]?.model ?? 'unknown',
      points: rows,
    };
    writeFileSync(values.json, `${JSON.stringify(figures, null, 2)}\n`);
    console.log(`wrote ${values.json}`);
  }
}

await main();
