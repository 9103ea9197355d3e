import type * as tf from '@tensorflow/tfjs';
import type { MinerOptions } from '../mine.js';
import type { Findings } from '../topk.js';

// The messages between mineToStore and its worker threads (structured clone carries Maps and BigInts).

export interface InitMessage {
  type: 'init';
  artifacts: tf.io.ModelArtifacts;
  options: MinerOptions;
  backend: 'cpu' | 'wasm';
}

export interface ShardMessage {
  type: 'shard';
  shard: number;
  data: Float32Array;
  inputShape: number[];
  indices: number[];
  labels: (number | null)[];
}

export type ToWorker = InitMessage | ShardMessage;

export type FromWorker =
  | { type: 'ready' }
  | { type: 'done'; shard: number; findings: Findings; predicted: number[]; explained: number[] }
  | { type: 'error'; message: string; name: string };
