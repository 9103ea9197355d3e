import type * as tf from '@tensorflow/tfjs';
import type { CompositeSpec, LRPOptions } from '@xai-ts/lrp';

/**
 * The backends a pool worker can run on.
 *
 * @example
 * ```ts
 * const backend: WorkerBackend = 'wasm';
 * ```
 */
export type WorkerBackend = 'wasm' | 'cpu';

/** What a worker is started with (its `workerData`). */
export interface WorkerInit {
  readonly artifacts: tf.io.ModelArtifacts;
  readonly composite: CompositeSpec;
  readonly lrp: LRPOptions;
  readonly backend: WorkerBackend;
  /** Modules to import before the model loads (custom layer classes, registerLayer calls), as file: URLs. */
  readonly setup: readonly string[];
}

/** Main thread to worker: explain one chunk of a batch. */
export interface AnalyzeRequest {
  readonly type: 'analyze';
  readonly id: number;
  readonly data: Float32Array;
  readonly shape: readonly number[];
  /** One index for every sample, one per sample, or null for each sample's largest output. */
  readonly selection: number | readonly number[] | null;
}

/** A serialisable error: its class name and message. */
export interface WireError {
  readonly name: string;
  readonly message: string;
}

/** Worker to main thread. */
export type WorkerReply =
  | {
      readonly type: 'ready';
      readonly backend: string;
      readonly inputShape: readonly (number | null)[];
      readonly outputsPerSample: number;
    }
  | { readonly type: 'init-error'; readonly error: WireError }
  | {
      readonly type: 'result';
      readonly id: number;
      readonly val: Float32Array;
      readonly output: Float32Array;
      readonly outputShape: readonly number[];
      readonly selection: readonly number[];
    }
  | { readonly type: 'error'; readonly id: number; readonly error: WireError };
