/**
 * TF.js backends for xai-ts in Node: {@link selectBackend} picks the fastest one installed, {@link enableWasmThreads}
 * runs the wasm backend on several threads, and {@link LRPWorkerPool} explains the samples of a batch in parallel
 * worker threads, each with its own backend. Node only (worker_threads, node:os).
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
export type { PoolSelection } from './batch.js';
export { BackendSetupError, WorkerPoolError } from './errors.js';
export { LRPWorkerPool, type LRPWorkerPoolOptions } from './pool.js';
export type { WorkerBackend } from './protocol.js';
export { type BackendName, type SelectBackendOptions, selectBackend } from './select.js';
export { enableWasmThreads, type WasmThreadsResult } from './threads.js';
