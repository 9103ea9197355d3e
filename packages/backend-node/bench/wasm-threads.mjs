// VGG16 forward pass (random weights, 224×224×3) on the wasm backend with N threads: median of RUNS after a warm-up.
// usage: node bench/wasm-threads.mjs <threads> [batch] [runs]   (needs `pnpm --filter @xai-ts/backend-node build`
// and `pnpm --filter @xai-ts/bench build`; prints one JSON line)
import * as tf from '@tensorflow/tfjs';
import { randomVgg16 } from '../../bench/dist/vgg16.js';
import { enableWasmThreads } from '../dist/index.js';

const threads = Number(process.argv[2] ?? 1);
const batch = Number(process.argv[3] ?? 1);
const runs = Number(process.argv[4] ?? 5);
const { threads: actual } = await enableWasmThreads(threads);
const model = randomVgg16();
const x = tf.randomUniform([batch, 224, 224, 3]);
const once = async () => {
  const t0 = performance.now();
  const y = model.predict(x);
  await y.data();
  y.dispose();
  return performance.now() - t0;
};
await once();
const times = [];
for (let i = 0; i < runs; i++) times.push(await once());
times.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    threads: actual,
    batch,
    medianMs: Math.round(times[runs >> 1]),
    times: times.map(Math.round),
  }),
);
