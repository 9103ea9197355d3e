import { SingleBar } from 'cli-progress';
import type { OutputStream } from './io.js';

/** A progress bar over `total` steps; does nothing unless the stream is a terminal. */
export interface Progress {
  /** Marks one more step done; `label` names the step that runs next. */
  tick(label?: string): Promise<void>;
  /** Removes the bar. */
  stop(): void;
}

/**
 * Starts a progress bar on `stream` (cli-progress) when it is a terminal, otherwise a silent one, so that CI logs
 * and pipes stay clean. `tick` yields to the event loop, because the TF.js work between ticks is synchronous and
 * the bar would otherwise never be drawn.
 */
export function progressBar(stream: OutputStream, title: string, total: number, label = ''): Progress {
  if (!stream.isTTY) return { tick: async () => undefined, stop: () => undefined };
  const bar = new SingleBar({
    format: `${title} [{bar}] {value}/{total} {label}`,
    stream: stream as unknown as NodeJS.WritableStream,
    barsize: 30,
    hideCursor: true,
    clearOnComplete: true,
    etaBuffer: 4,
  });
  bar.start(total, 0, { label });
  return {
    async tick(next = '') {
      bar.increment(1, { label: next });
      bar.render();
      await new Promise((resolve) => setImmediate(resolve));
    },
    stop() {
      bar.stop();
    },
  };
}
