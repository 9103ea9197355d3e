import { MessageChannel } from 'node:worker_threads';
import { type ServedLRP, serveLRP, type WebWorkerEvent, type WebWorkerLike } from '../src/index.js';

/**
 * A stand-in for a Web Worker in Node: serveLRP on one port of a MessageChannel (so messages are structured-cloned
 * and buffers transferred as between real workers), the pool on the other. `crash()` raises the error event a
 * worker's uncaught exception would; `sent` counts the messages the pool sent.
 */
export interface ChannelWorker extends WebWorkerLike {
  readonly sent: unknown[];
  readonly terminated: boolean;
  crash(message?: string): void;
}

export interface ChannelOptions {
  /** Changes each message on its way to the worker. */
  readonly rewrite?: (message: Record<string, unknown>) => unknown;
  /** Crash instead of answering the first analyze request. */
  readonly crashOnAnalyze?: string;
}

const event = (fields: { data?: unknown; message?: string }): WebWorkerEvent => ({
  ...fields,
  preventDefault() {},
});

export function channelWorker(options: ChannelOptions = {}): ChannelWorker {
  const { port1, port2 } = new MessageChannel();
  const listeners = new Map<string, ((e: WebWorkerEvent) => void)[]>();
  const emit = (type: string, e: WebWorkerEvent) => {
    for (const l of listeners.get(type) ?? []) l(e);
  };
  let served: ServedLRP | undefined;
  let terminated = false;
  const sent: unknown[] = [];
  port1.on('message', (data: unknown) => emit('message', event({ data })));
  served = serveLRP({
    postMessage: (m, t) => port2.postMessage(m, t),
    listen: (on) =>
      port2.on('message', (m: { type?: string }) => {
        if (m.type === 'analyze' && options.crashOnAnalyze !== undefined)
          setTimeout(() => worker.crash(options.crashOnAnalyze));
        else on(m);
      }),
  });
  const worker: ChannelWorker = {
    sent,
    get terminated() {
      return terminated;
    },
    postMessage(message, transfer) {
      sent.push(message);
      const m = options.rewrite ? options.rewrite(message as Record<string, unknown>) : message;
      port1.postMessage(m, transfer);
    },
    addEventListener(type, listener) {
      listeners.set(type, [...(listeners.get(type) ?? []), listener]);
    },
    terminate() {
      if (terminated) return;
      terminated = true;
      served?.dispose();
      served = undefined;
      port1.close();
    },
    crash(message) {
      if (!terminated) emit('error', event(message === undefined ? {} : { message }));
    },
  };
  return worker;
}
