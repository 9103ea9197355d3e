import type { ShardEvent } from './mine.js';

/**
 * Where mining progress goes: a stream such as `process.stderr` (a terminal gets one updating line with samples/s and
 * the ETA, anything else one JSON line per shard).
 *
 * @example
 * ```ts
 * const progress: ProgressStream = process.stderr;
 * ```
 */
export interface ProgressStream {
  /** Writes text. */
  write(text: string): unknown;
  /** Whether it is a terminal. */
  readonly isTTY?: boolean;
}

export interface Reporter {
  (shard: number, mined: number, seconds: number): ShardEvent;
  finish(): void;
}

export function progressReporter(
  stream: ProgressStream | undefined,
  shards: number,
  samples: number,
  shardsBefore: number,
  samplesBefore: number,
): Reporter {
  let shardsDone = shardsBefore;
  let drew = false;
  const report = ((shard: number, mined: number, seconds: number): ShardEvent => {
    shardsDone++;
    const samplesDone = samplesBefore + mined;
    const rate = seconds > 0 ? mined / seconds : 0;
    const event: ShardEvent = {
      shard,
      shardsDone,
      shards,
      samplesDone,
      samples,
      samplesPerSecond: rate,
      etaSeconds: rate > 0 ? (samples - samplesDone) / rate : 0,
    };
    if (stream?.isTTY) {
      drew = true;
      stream.write(
        `\rmining ${samplesDone}/${samples} samples (${shardsDone}/${shards} shards)  ${rate.toFixed(1)} samples/s  ETA ${Math.ceil(event.etaSeconds)} s   `,
      );
    } else if (stream) stream.write(`${JSON.stringify({ event: 'shard', ...event })}\n`);
    return event;
  }) as Reporter;
  report.finish = () => {
    if (drew) stream!.write('\n');
  };
  return report;
}
