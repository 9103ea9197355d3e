/*
 * The script each LRPWorkerPool worker runs (dist/worker.js): the worker side of @xai-ts/workers' pool over
 * parentPort. Its first message brings the model, the composite and the backend; wasm is imported here when asked
 * for, since the package is an optional peer.
 */
import { parentPort } from 'node:worker_threads';
import { serveLRP } from '@xai-ts/workers';

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
