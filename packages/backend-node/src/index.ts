/**
 * TF.js backends for xai-ts in Node: {@link selectBackend} picks the fastest one installed, {@link enableWasmThreads}
 * runs the wasm backend on several threads, and {@link LRPWorkerPool} explains the samples of a batch in parallel
 * worker threads, each with its own backend (the pool of @xai-ts/workers over worker_threads). Node only
 * (worker_threads, node:os).
 *
 * @packageDocumentation
 */

export {
  type CompositeSpec,
  CompositeSpecError,
  compositeFromSpec,
  type PresetName,
  type PresetSpecOptions,
  type RuleSpec,
  ruleFromSpec,
} from '@xai-ts/lrp';
export { type PoolSelection, WorkerPoolError } from '@xai-ts/workers';
export { BackendSetupError } from './errors.js';
export { LRPWorkerPool, type LRPWorkerPoolOptions } from './pool.js';
export { type BackendName, type SelectBackendOptions, selectBackend } from './select.js';
export type { WorkerBackend } from './spawn.js';
export { enableWasmThreads, type WasmThreadsResult } from './threads.js';
