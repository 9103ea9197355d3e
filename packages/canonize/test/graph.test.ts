import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { ModelGraphError, readGraph } from '../src/index.js';

describe('readGraph', () => {
  it('reads a Sequential model as a chain', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ units: 4, inputShape: [3], name: 'g_d1' }),
        tf.layers.dropout({ rate: 0.5, name: 'g_drop' }),
        tf.layers.dense({ units: 2, name: 'g_d2' }),
      ],
    });
    const g = readGraph(model);
    expect(g.nodes.map((n) => n.name)).toEqual(['g_d1', 'g_drop', 'g_d2']);
    expect(g.nodes.map((n) => n.className)).toEqual(['Dense', 'Dropout', 'Dense']);
    expect(g.nodes[0]!.inputs).toEqual([{ kind: 'input', index: 0 }]);
    expect(g.nodes[2]!.inputs).toEqual([{ kind: 'layer', index: 1 }]);
    expect(g.output).toEqual({ kind: 'layer', index: 2 });
    expect(g.consumers).toEqual([[1], [2], []]);
    expect(g.inputShapes).toEqual([[null, 3]]);
  });

  it('reads a residual functional model with a fan-out', () => {
    const x = tf.input({ shape: [4], name: 'g2_in' });
    const a = tf.layers.dense({ units: 4, name: 'g2_a' }).apply(x) as tf.SymbolicTensor;
    const b = tf.layers.dense({ units: 4, name: 'g2_b' }).apply(a) as tf.SymbolicTensor;
    const s = tf.layers.add({ name: 'g2_add' }).apply([a, b]) as tf.SymbolicTensor;
    const y = tf.layers.dense({ units: 2, name: 'g2_out' }).apply(s) as tf.SymbolicTensor;
    const g = readGraph(tf.model({ inputs: x, outputs: y }));
    expect(g.nodes.map((n) => n.name)).toEqual(['g2_a', 'g2_b', 'g2_add', 'g2_out']);
    expect(g.nodes[2]!.inputs).toEqual([
      { kind: 'layer', index: 0 },
      { kind: 'layer', index: 1 },
    ]);
    expect(g.consumers[0]).toEqual([1, 2]);
  });

  it('splices nested models into the graph', () => {
    const inner = tf.sequential({
      name: 'g3_inner',
      layers: [
        tf.layers.dense({ units: 5, inputShape: [4], name: 'g3_i1' }),
        tf.layers.dense({ units: 3, name: 'g3_i2' }),
      ],
    });
    const x = tf.input({ shape: [4], name: 'g3_in' });
    const h = inner.apply(x) as tf.SymbolicTensor;
    const y = tf.layers.dense({ units: 2, name: 'g3_out' }).apply(h) as tf.SymbolicTensor;
    const g = readGraph(tf.model({ inputs: x, outputs: y }));
    expect(g.nodes.map((n) => n.name)).toEqual(['g3_i1', 'g3_i2', 'g3_out']);
    expect(g.nodes[0]!.inputs).toEqual([{ kind: 'input', index: 0 }]);
    expect(g.nodes[0]!.path).toEqual(['g3_inner']);
    expect(g.nodes[2]!.inputs).toEqual([{ kind: 'layer', index: 1 }]);
  });

  it('splices a Sequential nested in a Sequential', () => {
    const inner = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [2], name: 'g4_i' })] });
    const outer = tf.sequential({ layers: [inner, tf.layers.dense({ units: 1, name: 'g4_o' })] });
    expect(readGraph(outer).nodes.map((n) => n.name)).toEqual(['g4_i', 'g4_o']);
  });

  it('rejects what is not a LayersModel, and says to await a Promise', () => {
    const pending = Promise.resolve(tf.sequential()) as unknown as tf.LayersModel;
    expect(() => readGraph(pending)).toThrow(/a Promise \(did you forget `await`\?\)/);
    expect(() => readGraph({} as tf.LayersModel)).toThrow(ModelGraphError);
  });

  it('rejects shared layers and several outputs', () => {
    const x = tf.input({ shape: [3] });
    const shared = tf.layers.dense({ units: 3, name: 'g5_shared' });
    const y = shared.apply(shared.apply(x)) as tf.SymbolicTensor;
    expect(() => readGraph(tf.model({ inputs: x, outputs: y }))).toThrow(ModelGraphError);
    expect(() => readGraph(tf.model({ inputs: x, outputs: y }))).toThrow(/applied more than once/);
    const z = tf.layers.dense({ units: 1 }).apply(x) as tf.SymbolicTensor;
    const w = tf.layers.dense({ units: 1 }).apply(x) as tf.SymbolicTensor;
    expect(() => readGraph(tf.model({ inputs: x, outputs: [z, w] }))).toThrow(/2 outputs/);
  });
});
