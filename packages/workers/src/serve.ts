import * as tf from '@tensorflow/tfjs';
import { analyze } from '@xai-ts/base';
import { compositeFromSpec, LRP } from '@xai-ts/lrp';
import {
  type AnalyzeRequest,
  type PoolMessage,
  type WorkerInit,
  type WorkerReply,
  wireError,
} from './protocol.js';

/**
 * The worker's end of the line to its pool, whatever the transport: a Web Worker's global scope, Node's
 * `parentPort`, one port of a `MessageChannel`.
 *
 * @example
 * ```ts
 * // inside a Web Worker (serveLRPWorker does this for you)
 * const port: WorkerPort = {
 *   postMessage: (message, transfer) => self.postMessage(message, transfer),
 *   listen: (onMessage) => self.addEventListener('message', (e) => onMessage(e.data)),
 * };
 * ```
 */
export interface WorkerPort {
  /** Sends a reply to the pool, moving the buffers of `transfer` instead of copying them. */
  postMessage(message: WorkerReply, transfer: ArrayBuffer[]): void;
  /** Called once: `onMessage` for each message the pool sends. */
  listen(onMessage: (message: unknown) => void): void;
}

/**
 * Options of {@link serveLRP}.
 *
 * @example
 * ```ts
 * const options: ServeLRPOptions = { prepare: async (init) => { if (init.backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm'); } };
 * ```
 */
export interface ServeLRPOptions {
  /**
   * Runs once the pool's first message has arrived and its setup modules are imported, before the backend is set:
   * the place to import the backend the pool asks for.
   */
  readonly prepare?: (init: WorkerInit) => unknown;
}

/**
 * What {@link serveLRP} returns: a worker that answers its pool.
 *
 * @example
 * ```ts
 * const served = serveLRP(port);
 * served.dispose(); // frees the model and analyzer; the worker answers no more
 * ```
 */
export interface ServedLRP {
  /** Frees the worker's model and analyzer; later requests are not answered. */
  dispose(): void;
}

// Dynamic imports of URLs known only at run time: bundlers must leave them alone.
const importModule = (url: string): Promise<unknown> =>
  import(/* @vite-ignore */ /* webpackIgnore: true */ url);

async function setBackend(name: string): Promise<void> {
  if (tf.getBackend() === name) return;
  let registered = true;
  try {
    registered = tf.findBackendFactory(name) != null;
  } catch {
    registered = false;
  }
  if (!registered)
    throw new Error(
      `the "${name}" backend is not registered in this worker: import its package in the worker's script before serving (for wasm: import '@tensorflow/tfjs-backend-wasm' and call setWasmPaths), or start the pool with a backend the worker has (registered: ${Object.keys(tf.engine().registryFactory).join(', ')})`,
    );
  if (!(await tf.setBackend(name)))
    throw new Error(
      `the "${name}" backend failed to start in the worker (TF.js logged why in the worker's console)`,
    );
  await tf.ready();
}

/**
 * The worker's side of a pool ({@link LRPPool}): on the pool's first message it imports the setup modules, sets its
 * TF.js backend, loads the model from the artifacts and builds its `LRP` analyzer once; then it explains the chunks
 * it is sent, one at a time, and answers each with the relevance or with the error (its class name and message).
 *
 * @param port - the transport to the pool
 * @param options - a hook to run before the backend is set
 * @returns a handle to dispose of the model and analyzer (a terminated worker needs none)
 *
 * @example
 * ```ts
 * // a Node worker thread (LRPWorkerPool of @xai-ts/backend-node runs one like this)
 * import { parentPort } from 'node:worker_threads';
 * serveLRP({ postMessage: (m, t) => parentPort!.postMessage(m, t), listen: (on) => parentPort!.on('message', on) });
 * ```
 */
export function serveLRP(port: WorkerPort, options: ServeLRPOptions = {}): ServedLRP {
  let model: tf.LayersModel | undefined;
  let lrp: LRP | undefined;
  let initialised = false;
  let disposed = false;
  const send = (reply: WorkerReply, transfer: ArrayBuffer[] = []) => {
    if (!disposed) port.postMessage(reply, transfer);
  };

  async function init(message: WorkerInit): Promise<void> {
    if (initialised) {
      send({ type: 'init-error', error: { name: 'Error', message: 'this worker was initialised already' } });
      return;
    }
    initialised = true;
    try {
      for (const url of message.setup) await importModule(url);
      await options.prepare?.(message);
      await setBackend(message.backend);
      model = await tf.loadLayersModel(tf.io.fromMemory(message.artifacts));
      lrp = new LRP(model, compositeFromSpec(message.composite), message.lrp);
      const shape = [1, ...lrp.inputShape.slice(1).map((d) => d ?? 1)];
      const outputsPerSample = tf.tidy(() => (model!.predict(tf.zeros(shape)) as tf.Tensor).size);
      if (disposed) return;
      send({ type: 'ready', backend: tf.getBackend(), inputShape: lrp.inputShape, outputsPerSample });
    } catch (e) {
      send({ type: 'init-error', error: wireError(e) });
    }
  }

  async function explain(request: AnalyzeRequest): Promise<void> {
    try {
      if (!lrp) throw new Error('this worker has no analyzer: its start failed, or it was not started');
      const x = tf.tensor(request.data, [...request.shape]);
      try {
        const expl = analyze(x, lrp, request.selection ?? undefined);
        const [val, output] = await Promise.all([expl.val.data(), expl.output.data()]);
        const outputShape = expl.output.shape;
        const selection = [...expl.outputSelection];
        expl.dispose();
        // Copies: a backend may hand out its own storage, which must not be transferred away.
        const v = Float32Array.from(val as Float32Array);
        const o = Float32Array.from(output as Float32Array);
        send({ type: 'result', id: request.id, val: v, output: o, outputShape, selection }, [
          v.buffer as ArrayBuffer,
          o.buffer as ArrayBuffer,
        ]);
      } finally {
        x.dispose();
      }
    } catch (e) {
      send({ type: 'error', id: request.id, error: wireError(e) });
    }
  }

  // One message at a time, in order, whatever arrives while one runs.
  let queue = Promise.resolve();
  port.listen((data) => {
    const message = data as PoolMessage;
    if (disposed || typeof message !== 'object' || message === null) return;
    if (message.type === 'init') queue = queue.then(() => init(message.init));
    else if (message.type === 'analyze') queue = queue.then(() => explain(message));
  });
  return {
    dispose() {
      if (disposed) return;
      disposed = true;
      void queue.then(() => {
        lrp?.dispose();
        model?.dispose();
      });
    },
  };
}
