/**
 * Concept discovery at scale (zennit-crp's `FeatureVisualization`, for TF.js): mine a dataset for the samples that
 * make each channel of chosen layers most relevant (RelMax) or most active (ActMax), with per-class statistics,
 * exact shard merging and receptive fields; attribution graphs of a concept on a sample; a SQLite store (sql.js)
 * that runs in Node and the browser. This entry is browser-safe; files, worker threads and folder datasets are in
 * `@xai-ts/concepts/node`, the atlas's data in `@xai-ts/concepts/atlas`.
 *
 * @packageDocumentation
 */

export { type AtlasData, atlasData } from './atlas/data.js';
export {
  type ConceptDataset,
  type ConceptSample,
  demoConceptDataset,
  generatorDataset,
} from './dataset.js';
export { ConceptLayerError, ConceptOptionError, ConceptsError, DatasetError, StoreError } from './errors.js';
export { exactUnits, unitsToNumber } from './exact.js';
export { attributionGraph, type ConceptGraph, conceptHeatmap, type GraphOptions } from './graph.js';
export { type ConceptLayer, conceptLayers, defaultConceptLayers } from './layers.js';
export {
  type BatchFindings,
  ConceptMiner,
  type MinedSample,
  type MinerOptions,
  type MiningResult,
  type MiningTarget,
  mine,
} from './mine.js';
export { type Box, cropToBox, gradientSupport, receptiveField, receptiveFields } from './receptive.js';
export { ConceptStore, type SqliteOptions, type StoreConfig, type StoredSample } from './store.js';
export {
  type ClassStat,
  classMean,
  compareEntries,
  emptyFindings,
  type Findings,
  type LayerFindings,
  mergeClassStats,
  mergeFindings,
  mergeTop,
  type TopEntry,
} from './topk.js';
