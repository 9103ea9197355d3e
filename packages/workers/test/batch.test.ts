import * as tf from '@tensorflow/tfjs';
import { IndexSelector, MaxActivationSelector, OutputSelectionError } from '@xai-ts/base';
import { describe, expect, it } from 'vitest';
import { splitBatch, wireSelection } from '../src/batch.js';
import { modelArtifacts, serveLRPWorker, WorkerPoolError } from '../src/index.js';

describe('splitBatch', () => {
  it('covers the batch in contiguous chunks that differ by at most one sample', () => {
    for (let n = 1; n <= 17; n++)
      for (let parts = 1; parts <= 6; parts++) {
        const chunks = splitBatch(n, parts);
        expect(chunks).toHaveLength(Math.min(n, parts));
        expect(chunks[0]![0]).toBe(0);
        expect(chunks.at(-1)![1]).toBe(n);
        chunks.forEach(([from, to], i) => {
          expect(to).toBeGreaterThan(from);
          if (i > 0) expect(from).toBe(chunks[i - 1]![1]);
        });
        const sizes = chunks.map(([from, to]) => to - from);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        // larger chunks first
        expect([...sizes].sort((a, b) => b - a)).toEqual(sizes);
      }
  });

  it('splits 5 over 2 as 3 + 2 and 8 over 3 as 3 + 3 + 2', () => {
    expect(splitBatch(5, 2)).toEqual([
      [0, 3],
      [3, 5],
    ]);
    expect(splitBatch(8, 3)).toEqual([
      [0, 3],
      [3, 6],
      [6, 8],
    ]);
  });
});

describe('wireSelection', () => {
  it('turns every selection the workers can take into data', () => {
    expect(wireSelection(undefined, 3, 10)).toBeNull();
    expect(wireSelection(new MaxActivationSelector(), 3, 10)).toBeNull();
    expect(wireSelection(4, 3, 10)).toBe(4);
    expect(wireSelection(new IndexSelector(9), 3, 10)).toBe(9);
    expect(wireSelection([0, 1, 2], 3, 10)).toEqual([0, 1, 2]);
    expect(wireSelection(new IndexSelector([2, 2, 2]), 3, 10)).toEqual([2, 2, 2]);
  });

  it('refuses what they cannot', () => {
    expect(() => wireSelection(10, 3, 10)).toThrow(/class index 10 is out of range/);
    expect(() => wireSelection([1, 2], 3, 10)).toThrow(/2 indices but the batch has 3 samples/);
    expect(() => wireSelection([1, 2, 11], 3, 10)).toThrow(OutputSelectionError);
    class Custom {
      select(): number[] {
        return [0];
      }
    }
    expect(() => wireSelection(new Custom() as never, 1, 10)).toThrow(
      /cannot send the selector Custom to its workers/,
    );
  });
});

describe('modelArtifacts', () => {
  it('saves a model to memory, and passes artifacts through', async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2 })] });
    const artifacts = await modelArtifacts(model);
    expect(artifacts.modelTopology).toBeDefined();
    expect(artifacts.weightSpecs!.map((s) => s.shape)).toEqual([[3, 2], [2]]);
    expect(await modelArtifacts(artifacts)).toBe(artifacts);
    const copy = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    const x = tf.ones([1, 3]);
    const [a, b] = [model.predict(x) as tf.Tensor, copy.predict(x) as tf.Tensor];
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    tf.dispose([a, b, x]);
    model.dispose();
    copy.dispose();
  });

  it('refuses anything else', async () => {
    await expect(modelArtifacts({} as never)).rejects.toThrow(WorkerPoolError);
  });
});

describe('serveLRPWorker', () => {
  it('refuses to run outside a Web Worker', () => {
    expect(() => serveLRPWorker()).toThrow(/serveLRPWorker\(\) runs inside a Web Worker/);
  });
});
