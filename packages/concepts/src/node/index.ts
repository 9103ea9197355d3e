/**
 * The Node-only part of `@xai-ts/concepts`: store files (atomic saves), folders of images as datasets, and
 * resumable mining on worker threads.
 *
 * @packageDocumentation
 */

export { openStoreFile, saveStoreFile } from './file.js';
export { type FolderDatasetOptions, folderDataset } from './folder.js';
export { type MineToStoreOptions, type MineToStoreResult, mineToStore, type ShardEvent } from './mine.js';
export type { ProgressStream } from './progress.js';
export {
  type ConceptWorker,
  type ConceptWorkerEvent,
  type ConceptWorkerOptions,
  DEFAULT_QUEUE_NAME,
  type QueueConnection,
  startConceptWorker,
} from './queue.js';
