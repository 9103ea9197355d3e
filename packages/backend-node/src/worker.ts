/*
 * The script each LRPWorkerPool worker runs (dist/worker.js): set up its own TF.js backend, load the model from the
 * artifacts it was sent, build the LRP analyzer once, then explain the chunks it is sent, one at a time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { analyze } from '@xai-ts/base';
import { compositeFromSpec, LRP } from '@xai-ts/lrp';
import type { AnalyzeRequest, WireError, WorkerInit, WorkerReply } from './protocol.js';

function wire(e: unknown): WireError {
  return e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) };
}

async function start(port: NonNullable<typeof parentPort>, init: WorkerInit): Promise<void> {
  const send = (reply: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(reply, transfer);
  let lrp: LRP;
  try {
    for (const url of init.setup) await import(url);
    if (init.backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend(init.backend)))
      throw new Error(`the ${init.backend} backend failed to start in the worker (TF.js logged why)`);
    const model = await tf.loadLayersModel(tf.io.fromMemory(init.artifacts));
    lrp = new LRP(model, compositeFromSpec(init.composite), init.lrp);
    const probe = tf.tidy(() => model.predict(tf.zeros([1, ...lrp.inputShape.slice(1).map((d) => d ?? 1)])));
    const outputsPerSample = (probe as tf.Tensor).size;
    tf.dispose(probe);
    send({ type: 'ready', backend: tf.getBackend(), inputShape: lrp.inputShape, outputsPerSample });
  } catch (e) {
    send({ type: 'init-error', error: wire(e) });
    return;
  }
  // Requests run one after the other, whatever arrives while one runs.
  let queue = Promise.resolve();
  port.on('message', (request: AnalyzeRequest) => {
    queue = queue.then(async () => {
      try {
        const x = tf.tensor(request.data, [...request.shape]);
        const expl = analyze(x, lrp, request.selection ?? undefined);
        const [val, output] = await Promise.all([expl.val.data(), expl.output.data()]);
        const outputShape = expl.output.shape;
        const selection = [...expl.outputSelection];
        expl.dispose();
        x.dispose();
        // Copies: a backend may hand out its own storage, which must not be transferred away.
        const v = Float32Array.from(val as Float32Array);
        const o = Float32Array.from(output as Float32Array);
        send({ type: 'result', id: request.id, val: v, output: o, outputShape, selection }, [
          v.buffer as ArrayBuffer,
          o.buffer as ArrayBuffer,
        ]);
      } catch (e) {
        send({ type: 'error', id: request.id, error: wire(e) });
      }
    });
  });
}

if (parentPort) await start(parentPort, workerData as WorkerInit);
