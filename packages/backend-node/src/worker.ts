/*
 * The script each LRPWorkerPool worker runs (dist/worker.js): the worker side of @xai-ts/workers' pool over
 * parentPort. Its first message brings the model, the composite and the backend; wasm is imported here when asked
 * for, since the package is an optional peer.
 */
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { serveLRP } from '@xai-ts/workers';

// each worker thread has a TF.js of its own: without this, every one prints TF.js's "you are running in Node.js"
// banner on start (the application's own TF.js, on the main thread, keeps its settings)
tf.env().set('PROD', true);

const port = parentPort;
if (port)
  serveLRP(
    {
      postMessage: (message, transfer) => port.postMessage(message, transfer),
      listen: (onMessage) => port.on('message', onMessage),
    },
    {
      prepare: async (init) => {
        if (init.backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
      },
    },
  );
