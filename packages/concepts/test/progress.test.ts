import { describe, expect, it } from 'vitest';
import { progressReporter } from '../src/node/progress.js';

describe('mining progress', () => {
  it('is one JSON line per shard off a terminal, with samples/s and the ETA', () => {
    const lines: string[] = [];
    const report = progressReporter({ write: (s: string) => lines.push(s) }, 4, 200, 1, 50);
    const event = report(2, 50, 2);
    report.finish();
    expect(event).toEqual({
      shard: 2,
      shardsDone: 2,
      shards: 4,
      samplesDone: 100,
      samples: 200,
      samplesPerSecond: 25,
      etaSeconds: 4,
    });
    expect(lines.map((l) => JSON.parse(l))).toEqual([{ event: 'shard', ...event }]);
    expect(lines[0]!.endsWith('\n')).toBe(true);
  });

  it('is one line redrawn in place on a terminal, ended by a newline', () => {
    let text = '';
    const report = progressReporter({ write: (s: string) => (text += s), isTTY: true }, 4, 200, 0, 0);
    report(0, 50, 2);
    report(1, 100, 4);
    report.finish();
    expect(
      text
        .split('\r')
        .slice(1)
        .map((l) => l.trimEnd()),
    ).toEqual([
      'mining 50/200 samples (1/4 shards)  25.0 samples/s  ETA 6 s',
      'mining 100/200 samples (2/4 shards)  25.0 samples/s  ETA 4 s',
    ]);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('says nothing without a stream', () => {
    const report = progressReporter(undefined, 2, 10, 0, 0);
    expect(report(0, 5, 1).samplesDone).toBe(5);
    expect(() => report.finish()).not.toThrow();
  });
});
