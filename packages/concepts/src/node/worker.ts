/*
 * The script each mineToStore worker thread runs (dist/node/worker.js): rebuilds the model and the miner from the
 * init message, then mines the shards it is sent and posts back their findings. Commits happen in the parent only.
 */
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
// the zoo registers its own layer classes (EfficientNet's Normalization), which saved models of its applications use
import '@xai-ts/zoo';
import { ConceptMiner } from '../mine.js';
import type { FromWorker, ToWorker } from './protocol.js';

// each worker thread has a TF.js of its own: without this, each prints TF.js's Node banner on start
tf.env().set('PROD', true);

const port = parentPort;
let miner: ConceptMiner | undefined;

function send(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

port?.on('message', async (message: ToWorker) => {
  try {
    if (message.type === 'init') {
      if (message.backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
      await tf.setBackend(message.backend);
      await tf.ready();
      const model = await tf.loadLayersModel(tf.io.fromMemory(message.artifacts));
      miner = new ConceptMiner(model, message.options);
      send({ type: 'ready' });
      return;
    }
    const part = miner!.mineArray(message.data, message.inputShape, message.indices, message.labels);
    send({ type: 'done', shard: message.shard, ...part });
  } catch (e) {
    const error = e as Error;
    send({ type: 'error', message: error.message ?? String(e), name: error.name ?? 'Error' });
  }
});
