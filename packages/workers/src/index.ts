/**
 * LRP worker pools: the samples of a batch explained in parallel workers, each with its own TF.js backend.
 * {@link LRPWebWorkerPool} and {@link serveLRPWorker} run them as Web Workers in the browser; {@link LRPPool} and
 * {@link serveLRP} are the same pool over any transport (`LRPWorkerPool` of @xai-ts/backend-node puts Node worker
 * threads under it). No Node imports: it bundles for browsers.
 *
 * @packageDocumentation
 */

export { modelArtifacts, type PoolSelection } from './batch.js';
export { WorkerPoolError } from './errors.js';
export { LRPPool, type LRPPoolOptions, type WorkerEndpoint, type WorkerFailure } from './pool.js';
export type {
  AnalyzeRequest,
  ChunkResult,
  PoolMessage,
  WireError,
  WorkerInit,
  WorkerReady,
  WorkerReply,
} from './protocol.js';
export { type ServedLRP, type ServeLRPOptions, serveLRP, type WorkerPort } from './serve.js';
export {
  LRPWebWorkerPool,
  type LRPWebWorkerPoolOptions,
  serveLRPWorker,
  type WebWorkerBackend,
  type WebWorkerEvent,
  type WebWorkerLike,
} from './web.js';
