import { XaiError } from '@xai-ts/base';

/**
 * A worker pool failed: a worker crashed or exited, could not start, reported an error while explaining, the pool
 * was given options it cannot use, or it was used after `close()`. `worker` is the index of the worker concerned
 * (-1 for the pool as a whole).
 *
 * @example
 * ```ts
 * try {
 *   await pool.analyze(x);
 * } catch (e) {
 *   if (e instanceof WorkerPoolError) console.error(e.worker, e.remoteName, e.message);
 * }
 * ```
 */
export class WorkerPoolError extends XaiError {
  override name = 'WorkerPoolError';
  /** The 0-based index of the worker concerned, or -1 when the pool as a whole is concerned. */
  readonly worker: number;
  /** The name of the error class the worker reported (for example `OutputSelectionError`), if any. */
  readonly remoteName: string | undefined;

  /**
   * @param message - what happened, where, and what to do
   * @param worker - the worker's index, or -1
   * @param remoteName - the class name of the error raised inside the worker
   */
  constructor(message: string, worker = -1, remoteName?: string) {
    super(message);
    this.worker = worker;
    this.remoteName = remoteName;
  }
}
