import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { demoConceptDataset } from '@xai-ts/concepts';
import { mineToStore } from '@xai-ts/concepts/node';
import { loadDemoModel } from '@xai-ts/zoo';

/** One entry of the bench's results (the shape of run.ts's rows). */
interface Result {
  name: string;
  backend: string;
  batch: number;
  threads: number;
  medianMs: number;
  forwardMs: number;
  ratioToForward: number;
}

/**
 * Concept mining throughput: `mineToStore` on the demo CNN and demo data (n = 500, conv2 and conv3, top 16, shards
 * of 50, a fresh store each run) in this thread and with 1 and 2 worker threads (the workers on the bench's backend
 * when it is wasm or cpu), as samples per second and as a ratio to the forward pass over the same samples (batch
 * 32, this thread). Each entry is the median of `runs` runs; a worker run includes starting its threads.
 */
export async function concepts(options: {
  backend: string;
  threads: number;
  runs: number;
}): Promise<Result[]> {
  const { backend, threads, runs } = options;
  const n = 500;
  const model = await loadDemoModel();
  const dataset = demoConceptDataset({ n, seed: 0 });
  const inputs = tf.tensor4d(
    Float32Array.from(
      (await dataset.batch([...Array(n).keys()])).flatMap((s) => [...(s.input as Float32Array)]),
    ),
    [n, 32, 32, 3],
  );
  const forwardOnce = async () => {
    const t0 = performance.now();
    for (let start = 0; start < n; start += 32) {
      const y = model.predict(inputs.slice(start, Math.min(32, n - start))) as tf.Tensor;
      await y.data();
      tf.dispose(y);
    }
    return performance.now() - t0;
  };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const dir = mkdtempSync(join(tmpdir(), 'xai-bench-concepts-'));
  const workerBackend = backend === 'cpu' ? 'cpu' : 'wasm';
  const results: Result[] = [];
  console.log(`concept mining: demo CNN, n = ${n}, conv2 + conv3, top 16, shards of 50, backend ${backend}`);
  try {
    await forwardOnce();
    for (const workers of [0, 1, 2]) {
      const times: number[] = [];
      const forwards: number[] = [];
      for (let r = 0; r < runs; r++) {
        forwards.push(await forwardOnce());
        const out = join(dir, `run-${workers}-${r}.sqlite`);
        const t0 = performance.now();
        const { store } = await mineToStore({
          model,
          modelName: 'demo',
          dataset,
          out,
          layers: ['conv2', 'conv3'],
          top: 16,
          workers,
          backend: workerBackend,
        });
        times.push(performance.now() - t0);
        store.close();
      }
      const ms = median(times);
      const forwardMs = median(forwards);
      const name =
        workers === 0
          ? 'concepts:mine (this thread)'
          : `concepts:mine (${workers} worker${workers > 1 ? 's' : ''}, ${workerBackend})`;
      results.push({
        name,
        backend,
        batch: 32,
        threads,
        medianMs: ms,
        forwardMs,
        ratioToForward: ms / forwardMs,
      });
      console.log(
        `  ${name.padEnd(36)} ${(ms / 1000).toFixed(2).padStart(7)} s  ${((n * 1000) / ms).toFixed(1).padStart(7)} samples/s  ${(ms / forwardMs).toFixed(1).padStart(6)}× the forward pass (${forwardMs.toFixed(0)} ms)`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    inputs.dispose();
    model.dispose();
  }
  return results;
}
