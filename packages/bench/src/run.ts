/**
 * `pnpm bench`: forward, input gradient, LRP with each preset (and CRP, gradients where present) on VGG16 at
 * 224×224×3, as the median of several runs after a warm-up, and as ratios to forward passes timed alternately with them.
 *
 *   pnpm bench [--quick] [--json results.json] [--backend wasm|cpu] [--threads 2] [--batch 1,8] [--runs 5]
 *              [--only lrp,crp,gradient,smooth,autodiff,applications] [--smoothgrad-n 50]
 *
 * `applications` times EpsilonPlusFlat and EpsilonGammaBox on MobileNetV2 and ResNet50 (Keras Applications
 * topologies, random weights, canonized) at 224×224×3, batch 1, against their own forward passes.
 *
 * `smooth` times SmoothGrad(n) and SmoothDiff(n) once each (n = 50; 8 with --quick) between forward passes, after a
 * warm-up of both at n = 8 (one whole chunk of noisy copies): at n = 50 one run of SmoothGrad is about 90 forward
 * passes.
 *
 * (from the repository root: builds what it needs, then runs packages/bench/dist/run.js with the arguments)
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { enableWasmThreads } from '@xai-ts/backend-node';
import { analyze, TopNFeatures } from '@xai-ts/base';
import { CRP } from '@xai-ts/crp';
import { Gradient, InputTimesGradient, SmoothDiff, SmoothGrad } from '@xai-ts/gradients';
import {
  type Composite,
  EpsilonAlpha2Beta1,
  EpsilonAlpha2Beta1Flat,
  EpsilonGammaBox,
  EpsilonPlus,
  EpsilonPlusFlat,
  LRP,
} from '@xai-ts/lrp';
import { applications } from './applications.js';
import { concepts } from './concepts.js';
import { randomVgg16 } from './vgg16.js';

/** One timed entry of the bench. */
export interface Result {
  name: string;
  backend: string;
  batch: number;
  threads: number;
  medianMs: number;
  /** The forward pass's median, measured alternately with this entry's runs. */
  forwardMs: number;
  ratioToForward: number;
  peakBytes?: number;
  /** Applications: the ratio to the forward pass of the model as built (BatchNorm layers not folded). */
  ratioToModelAsBuilt?: number;
}

const USAGE = `pnpm bench [--quick] [--json results.json] [--backend wasm|cpu] [--threads 2] [--batch 1,8] [--runs 5]
           [--only lrp,crp,gradient,smooth,autodiff,applications,concepts] [--smoothgrad-n 50]`;

function parseOptions() {
  try {
    return parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        json: { type: 'string' },
        backend: { type: 'string', default: 'wasm' },
        batch: { type: 'string' },
        runs: { type: 'string' },
        only: { type: 'string' },
        threads: { type: 'string' },
        'smoothgrad-n': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    console.error(`bench: ${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}
const { values } = parseOptions();

if (values.help) {
  console.log(`${USAGE}

Times the forward pass and each explanation method on VGG16 at 224×224×3 (random weights) as the median of several
runs after a warm-up, each as a ratio to forward passes timed alternately with it. --only applications times
EpsilonPlusFlat and EpsilonGammaBox on MobileNetV2 and ResNet50.`);
  process.exit(0);
}

const quick = values.quick ?? false;
const batches = (values.batch ?? (quick ? '1' : '1,8')).split(',').map(Number);
const runs = Number(values.runs ?? (quick ? 3 : 5));
const smoothN = Number(values['smoothgrad-n'] ?? (quick ? 8 : 50));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** One wall time of `f` (which returns tensors to read back, so lazy backends finish). */
async function timeOnce(f: () => tf.Tensor | tf.Tensor[]): Promise<number> {
  const t0 = performance.now();
  const out = f();
  const list = Array.isArray(out) ? out : [out];
  await Promise.all(list.map((t) => t.data()));
  const dt = performance.now() - t0;
  tf.dispose(list);
  return dt;
}

/** Median wall time of `f` over `n` runs after a warm-up. */
async function time(f: () => tf.Tensor | tf.Tensor[], n: number): Promise<number> {
  await timeOnce(f);
  const times: number[] = [];
  for (let i = 0; i < n; i++) times.push(await timeOnce(f));
  return median(times);
}

async function peak(f: () => tf.Tensor | tf.Tensor[]): Promise<number> {
  const info = await tf.profile(() => f());
  tf.dispose(info.result as tf.Tensor | tf.Tensor[]);
  return info.peakBytes;
}

/**
 * Median wall times of `f` and of the forward pass, measured alternately (forward, f, forward, f, …) after a
 * warm-up of each: the machine's load drifts over a long run, and each ratio compares times taken side by side.
 */
async function timeAgainstForward(
  f: () => tf.Tensor | tf.Tensor[],
  forward: () => tf.Tensor,
  n: number,
): Promise<{ ms: number; forwardMs: number }> {
  await timeOnce(forward);
  await timeOnce(f);
  const fs: number[] = [];
  const ts: number[] = [];
  for (let i = 0; i < n; i++) {
    fs.push(await timeOnce(forward));
    ts.push(await timeOnce(f));
  }
  return { ms: median(ts), forwardMs: median(fs) };
}

async function main(): Promise<void> {
  // Forward pass and analyzers always run under the same thread count, so the ratios stay comparable.
  let threads = 1;
  if (values.threads && (values.backend ?? 'wasm') === 'wasm')
    threads = (await enableWasmThreads(Number(values.threads))).threads;
  else await tf.setBackend(values.backend ?? 'wasm');
  await tf.ready();
  const backend = tf.getBackend();
  const model = randomVgg16();
  const presets: [string, () => Composite][] = [
    ['EpsilonPlusFlat', () => new EpsilonPlusFlat()],
    ['EpsilonGammaBox', () => new EpsilonGammaBox({ low: -3, high: 3 })],
    ['EpsilonAlpha2Beta1', () => new EpsilonAlpha2Beta1()],
    ['EpsilonPlus', () => new EpsilonPlus()],
    ['EpsilonAlpha2Beta1Flat', () => new EpsilonAlpha2Beta1Flat()],
  ];
  const results: Result[] = [];
  const only = values.only;
  console.log(
    `xai-ts bench: VGG16 224×224×3, backend ${backend} (${threads} thread${threads === 1 ? '' : 's'}), ${runs} runs after a warm-up, each alternating with a forward pass (ratios are to that forward pass)`,
  );
  for (const batch of batches) {
    const x = tf.randomUniform([batch, 224, 224, 3], -2, 2, 'float32', 1);
    const row = (name: string, ms: number, forward: number, peakBytes?: number) => {
      results.push({
        name,
        backend,
        batch,
        threads,
        medianMs: ms,
        forwardMs: forward,
        ratioToForward: ms / forward,
        ...(peakBytes ? { peakBytes } : {}),
      });
      console.log(
        `  batch ${batch}  ${name.padEnd(28)} ${ms.toFixed(0).padStart(8)} ms  ${(ms / forward).toFixed(2).padStart(6)}× (forward beside it ${forward.toFixed(0)} ms)${
          peakBytes ? `  peak ${(peakBytes / 2 ** 20).toFixed(0)} MiB` : ''
        }`,
      );
    };
    const forward = () => model.predict(x) as tf.Tensor;
    const forwardMs = await time(forward, runs);
    row('forward', forwardMs, forwardMs);
    const run = (what: string) => !only || only.split(',').includes(what);
    for (const [name, make] of presets) {
      if (!run('lrp')) break;
      const lrp = new LRP(model, make());
      const call = () => {
        const e = analyze(x, lrp, 0);
        e.output.dispose();
        return e.val;
      };
      const t = await timeAgainstForward(call, forward, runs);
      row(`lrp:${name}`, t.ms, t.forwardMs, quick ? undefined : await peak(call));
      lrp.dispose();
    }
    if (run('crp')) {
      const lrp = new LRP(model, new EpsilonPlusFlat());
      const crp = new CRP(lrp, 'block4_conv3', new TopNFeatures(8), { batchSize: 2 });
      const call = () => {
        const e = analyze(x, crp, 0);
        e.output.dispose();
        return e.val;
      };
      const t = await timeAgainstForward(call, forward, runs);
      row('crp:8', t.ms, t.forwardMs, quick ? undefined : await peak(call));
      lrp.dispose();
    }
    if (run('gradient')) {
      const analyzers: [string, () => import('@xai-ts/base').Analyzer & { dispose(): void }][] = [
        ['gradient', () => new Gradient(model)],
        ['inputxgradient', () => new InputTimesGradient(model)],
      ];
      for (const [name, make] of analyzers) {
        const analyzer = make();
        const call = () => {
          const e = analyze(x, analyzer, 0);
          e.output.dispose();
          return e.val;
        };
        const t = await timeAgainstForward(call, forward, runs);
        row(name, t.ms, t.forwardMs, quick ? undefined : await peak(call));
        analyzer.dispose();
      }
    }
    if (run('smooth') && batch === 1) {
      // one timed run each (SmoothGrad(50) is about 90 forward passes), between two forward passes, after a warm-up
      // of the same code at n = 8: one whole chunk of noisy copies, so that the timed run allocates nothing new
      const smooth = (n: number): [string, () => import('@xai-ts/base').Analyzer & { dispose(): void }][] => [
        [`smoothgrad:${n}`, () => new SmoothGrad(model, { n, std: 0.1, seed: 1, batchSize: 8 })],
        [`smoothdiff:${n}`, () => new SmoothDiff(model, { n, std: 0.1, seed: 1, batchSize: 8 })],
      ];
      const once = (analyzer: import('@xai-ts/base').Analyzer) => () => {
        const e = analyze(x, analyzer, 0);
        e.output.dispose();
        return e.val;
      };
      for (const [, make] of smooth(8)) {
        const a = make();
        await timeOnce(once(a));
        a.dispose();
      }
      const measured: Record<string, number> = {};
      const millis: Record<string, number> = {};
      for (const [name, make] of smooth(smoothN)) {
        const analyzer = make();
        const before = await timeOnce(forward);
        const ms = await timeOnce(once(analyzer));
        const after = await timeOnce(forward);
        analyzer.dispose();
        row(name, ms, (before + after) / 2);
        measured[name.split(':')[0]!] = ms / ((before + after) / 2);
        millis[name.split(':')[0]!] = ms;
      }
      console.log(
        `  batch 1  SmoothDiff(${smoothN}) / SmoothGrad(${smoothN}): ${(measured.smoothdiff! / measured.smoothgrad!).toFixed(2)} (each as forward passes), ${(millis.smoothdiff! / millis.smoothgrad!).toFixed(2)} (in time)`,
      );
    }
    // TF.js autodiff through the whole model, for comparison only (no analyzer uses it), last: its peak memory leaves
    // the WASM heap too fragmented for big allocations afterwards.
    if (run('autodiff')) {
      const grad = tf.grad((v: tf.Tensor) =>
        tf.sum((model.predict(v) as tf.Tensor).slice([0, 0], [batch, 1])),
      );
      const g = await timeAgainstForward(() => grad(x), forward, runs);
      row('tf.grad (autodiff, for comparison)', g.ms, g.forwardMs);
    }
    x.dispose();
  }
  if (!only || only.split(',').includes('applications'))
    results.push(...(await applications({ backend, threads, runs, timeAgainstForward, time })));
  if (!only || only.split(',').includes('concepts'))
    results.push(...(await concepts({ backend, threads, runs })));
  if (values.json) {
    writeFileSync(values.json, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`wrote ${values.json}`);
  }
}

await main();
