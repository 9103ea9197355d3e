// LRP (EpsilonPlusFlat) of VGG16 (random weights) on a batch at 224×224×3 on the wasm backend: in this process on
// one thread (`inprocess`) or on T threads (`threadsT`), or through an LRPWorkerPool of N workers. Median of RUNS
// after a warm-up; prints one JSON line.
// usage: node bench/pool.mjs <inprocess|threadsT|N> [batch=8] [runs=3]
// (needs `pnpm --filter @xai-ts/backend-node build` and `pnpm --filter @xai-ts/bench build`)
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { analyze } from '@xai-ts/base';
import { EpsilonPlusFlat, LRP } from '@xai-ts/lrp';
import { randomVgg16 } from '../../bench/dist/vgg16.js';
import { enableWasmThreads, LRPWorkerPool } from '../dist/index.js';

const mode = process.argv[2] ?? 'inprocess';
const batch = Number(process.argv[3] ?? 8);
const runs = Number(process.argv[4] ?? 3);
const inProcess = mode === 'inprocess' || mode.startsWith('threads');
if (mode.startsWith('threads')) await enableWasmThreads(Number(mode.slice('threads'.length)));
else await tf.setBackend(mode === 'inprocess' ? 'wasm' : 'cpu');
const model = randomVgg16();
const x = tf.randomUniform([batch, 224, 224, 3]);

let explain;
let close = async () => {};
if (inProcess) {
  const lrp = new LRP(model, new EpsilonPlusFlat());
  explain = async () => analyze(x, lrp);
} else {
  const t0 = performance.now();
  const pool = await LRPWorkerPool.create({
    model,
    composite: { preset: 'EpsilonPlusFlat' },
    workers: Number(mode),
    backend: 'wasm',
  });
  console.error(`pool of ${mode} started in ${Math.round(performance.now() - t0)} ms`);
  explain = () => pool.analyze(x);
  close = () => pool.close();
}
const once = async () => {
  const t0 = performance.now();
  const expl = await explain();
  await expl.val.data();
  expl.dispose();
  return performance.now() - t0;
};
await once();
const times = [];
for (let i = 0; i < runs; i++) times.push(await once());
await close();
times.sort((a, b) => a - b);
console.log(
  JSON.stringify({ mode, batch, medianMs: Math.round(times[runs >> 1]), times: times.map(Math.round) }),
);
