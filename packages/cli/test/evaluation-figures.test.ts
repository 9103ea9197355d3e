import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Run, tempDir, xai } from './helpers.js';

interface Results {
  n: number;
  seed: number;
  backend: string;
  settings: { name: string; options: Record<string, unknown> }[];
  methods: ({ method: string } & Record<string, number>)[];
  curves: Record<string, Record<string, { occlusion: number[]; mif: number[]; lif: number[] }>>;
}

/** The evaluation guide's figures (docs/evaluation.md), written by `xai evaluate --n 200 --seed 7`. */
const figures = JSON.parse(
  readFileSync(new URL('../../../docs/figures/evaluation-demo.json', import.meta.url), 'utf8'),
) as Results;

const FAITHFULNESS = ['srg', 'aopc', 'srg:patch2-mean', 'aopc:patch2-mean'];

describe("the evaluation guide's faithfulness figures (docs/figures/evaluation-demo.json)", () => {
  const dir = tempDir('figures');
  let run: Run;
  let results: Results;
  beforeAll(async () => {
    // the guide's run, less the metrics that do not enter SRG and AOPC (each metric works on its own copy of the maps)
    run = await xai(
      'evaluate',
      ...['--n', String(figures.n), '--seed', String(figures.seed), '--metrics', 'srg,aopc'],
      ...['--backend', figures.backend, '--out', join(dir, 'run')],
    );
    results = JSON.parse(readFileSync(join(dir, 'run', 'results.json'), 'utf8')) as Results;
  }, 900_000);

  it('are reproduced from their seeds: SRG, AOPC and the MIF/LIF curves of every method and the random baseline', () => {
    expect(run.code).toBe(0);
    expect(results.settings).toEqual(figures.settings);
    expect(results.methods.map((m) => m.method)).toEqual(
      figures.methods.filter((m) => m.method !== 'edges').map((m) => m.method),
    );
    for (const m of results.methods) {
      const expected = figures.methods.find((f) => f.method === m.method)!;
      for (const key of FAITHFULNESS) expect(m[key], `${m.method} ${key}`).toBeCloseTo(expected[key]!, 5);
      for (const setting of figures.settings.map((s) => s.name)) {
        const got = results.curves[m.method]![setting]!;
        const want = figures.curves[m.method]![setting]!;
        expect(got.occlusion).toEqual(want.occlusion);
        for (const curve of ['mif', 'lif'] as const)
          got[curve].forEach((v, k) => {
            expect(v, `${m.method} ${setting} ${curve} ${k}`).toBeCloseTo(want[curve][k]!, 5);
          });
      }
    }
  });

  it('have every method beat the random attribution on SRG under both settings, as the guide says', () => {
    const random = figures.methods.find((m) => m.method === 'random')!;
    for (const m of figures.methods.filter((f) => f.method !== 'random' && f.method !== 'edges'))
      for (const key of ['srg', 'srg:patch2-mean'])
        expect(m[key], `${m.method} ${key}`).toBeGreaterThan(random[key]! * 10);
  });
});
