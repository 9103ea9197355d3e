import { loadDemoModel } from '@xai-ts/zoo';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ConceptMiner,
  classMean,
  demoConceptDataset,
  emptyFindings,
  exactUnits,
  type Findings,
  mergeFindings,
  mergeTop,
  type TopEntry,
  unitsToNumber,
} from '../src/index.js';

/** A canonical text of findings (Maps and BigInts spelled out), for exact equality. */
function text(f: Findings): string {
  return JSON.stringify(f, (_, v) =>
    v instanceof Map ? [...v].sort((a, b) => a[0] - b[0]) : typeof v === 'bigint' ? v.toString() : v,
  );
}

let shards: Findings[];

beforeAll(async () => {
  const model = await loadDemoModel();
  const dataset = demoConceptDataset({ n: 40, seed: 5 });
  const miner = new ConceptMiner(model, { layers: ['conv3'], top: 5, batchSize: 8 });
  shards = [];
  for (let s = 0; s < 5; s++) {
    const indices = [...Array(8).keys()].map((i) => s * 8 + i);
    const samples = await dataset.batch(indices);
    const data = Float32Array.from(samples.flatMap((x) => [...(x.input as Float32Array)]));
    shards.push(
      miner.mineArray(
        data,
        [32, 32, 3],
        indices,
        samples.map((x) => x.label ?? null),
      ).findings,
    );
  }
  miner.dispose();
  model.dispose();
});

describe('merging', () => {
  it('is associative and commutative: every grouping and order of five shards gives the same findings', () => {
    const [a, b, c, d, e] = shards as [Findings, Findings, Findings, Findings, Findings];
    const m = (x: Findings, y: Findings) => mergeFindings(x, y, 5);
    const reference = text(m(m(m(m(a, b), c), d), e));
    expect(text(m(e, m(d, m(c, m(b, a)))))).toBe(reference);
    expect(text(m(m(a, c), m(m(e, b), d)))).toBe(reference);
    expect(text(m(m(d, m(a, e)), m(c, b)))).toBe(reference);
    const empty = emptyFindings([{ name: 'conv3', channels: 32 }], 5);
    expect(text(m(empty, m(m(m(m(a, b), c), d), e)))).toBe(reference);
  });

  it('keeps the k best with ties broken by sample index, whichever list holds them', () => {
    const e = (sample: number, value: number): TopEntry => ({ sample, value, y: 0, x: 0 });
    const a = [e(4, 3), e(2, 1), e(9, 1)];
    const b = [e(7, 3), e(1, 1), e(3, 0)];
    expect(mergeTop(a, b, 4).map((x) => x.sample)).toEqual([4, 7, 1, 2]);
    expect(mergeTop(b, a, 4).map((x) => x.sample)).toEqual([4, 7, 1, 2]);
    expect(mergeTop(a, [], 2)).toEqual(a.slice(0, 2));
  });

  it('sums exactly: float sums would depend on the order, BigInt units do not', () => {
    const values = [1e8, 1, -1e8, 3.5e-7, 0.1, -0.1, 2 ** -140];
    const forward = values.reduce((s, v) => s + exactUnits(v), 0n);
    const backward = [...values].reverse().reduce((s, v) => s + exactUnits(v), 0n);
    expect(forward).toBe(backward);
    expect(values.reduce((a, v) => a + v, 0)).not.toBe([...values].reverse().reduce((a, v) => a + v, 0));
    expect(unitsToNumber(exactUnits(0.75))).toBe(0.75);
    expect(unitsToNumber(exactUnits(-(2 ** -149)))).toBe(-(2 ** -149));
    expect(unitsToNumber(exactUnits(1e8) + exactUnits(1))).toBe(100000001);
    expect(classMean({ count: 2, positive: 1, sum: exactUnits(3) + exactUnits(-1), max: 3 })).toBe(1);
    expect(() => exactUnits(Number.NaN)).toThrow(RangeError);
  });

  it('refuses findings of different layers', () => {
    const other = emptyFindings([{ name: 'conv2', channels: 32 }], 5);
    expect(() => mergeFindings(shards[0]!, other)).toThrow(/different layers/);
  });
});

// the merge of shards equals mining them together (same batches): the merge loses nothing
describe('shards against one run', () => {
  it('five shards merged equal one pass over the same batches', async () => {
    const model = await loadDemoModel();
    const dataset = demoConceptDataset({ n: 40, seed: 5 });
    const miner = new ConceptMiner(model, { layers: ['conv3'], top: 5, batchSize: 8 });
    const indices = [...Array(40).keys()];
    const samples = await dataset.batch(indices);
    const data = Float32Array.from(samples.flatMap((x) => [...(x.input as Float32Array)]));
    const whole = miner.mineArray(
      data,
      [32, 32, 3],
      indices,
      samples.map((x) => x.label ?? null),
    ).findings;
    expect(text(whole)).toBe(text(shards.reduce((x, y) => mergeFindings(x, y, 5))));
    miner.dispose();
    model.dispose();
  });
});
