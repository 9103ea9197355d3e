import type * as tf from '@tensorflow/tfjs';
import type { CompositeSpec, LRPOptions } from '@xai-ts/lrp';

// What travels between a pool and its workers. Plain data only: it must survive structured cloning (postMessage)
// in browsers and in Node alike.

/**
 * What a worker needs to build its analyzer: the first message a pool sends to each worker.
 *
 * @example
 * ```ts
 * const init: WorkerInit = { artifacts, composite: { preset: 'EpsilonPlusFlat' }, lrp: {}, backend: 'wasm', setup: [] };
 * ```
 */
export interface WorkerInit {
  /** The model's saved artifacts, loaded in the worker with `tf.io.fromMemory`. */
  readonly artifacts: tf.io.ModelArtifacts;
  /** The composite as plain data. */
  readonly composite: CompositeSpec;
  /** Options of the worker's `LRP` analyzer. */
  readonly lrp: LRPOptions;
  /** The TF.js backend the worker sets before it loads the model. */
  readonly backend: string;
  /** Module URLs the worker imports before anything else (where custom layers are registered). */
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

/** Main thread to worker: the first message, then analyze requests. */
export type PoolMessage = { readonly type: 'init'; readonly init: WorkerInit } | AnalyzeRequest;

/** A serialisable error: its class name and message. */
export interface WireError {
  readonly name: string;
  readonly message: string;
}

/** What a worker reports once its backend, model and analyzer are ready. */
export interface WorkerReady {
  readonly backend: string;
  readonly inputShape: readonly (number | null)[];
  readonly outputsPerSample: number;
}

/** The explanation of one chunk. */
export interface ChunkResult {
  readonly type: 'result';
  readonly id: number;
  readonly val: Float32Array;
  readonly output: Float32Array;
  readonly outputShape: readonly number[];
  readonly selection: readonly number[];
}

/** Worker to main thread. */
export type WorkerReply =
  | ({ readonly type: 'ready' } & WorkerReady)
  | { readonly type: 'init-error'; readonly error: WireError }
  | ChunkResult
  | { readonly type: 'error'; readonly id: number; readonly error: WireError };

/** An error as data that crosses to the main thread. */
export function wireError(e: unknown): WireError {
  return e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) };
}
