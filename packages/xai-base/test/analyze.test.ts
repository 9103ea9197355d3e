import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  type AnalyzeOptions,
  type Analyzer,
  analyze,
  Explanation,
  InputShapeError,
  InvalidInputError,
  OutputSelectionError,
  type OutputSelector,
} from '../src/index.js';

/** A tiny model: y = x W with W = [[1, 2, 0], [0, 1, 3]]. */
function tinyModel(): tf.LayersModel {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 3, inputShape: [2], useBias: false, kernelInitializer: 'zeros' }));
  model.layers[0]!.setWeights([
    tf.tensor2d([
      [1, 2, 0],
      [0, 1, 3],
    ]),
  ]);
  return model;
}

/** Input × weight of the selected output: exact for a linear model without bias. */
class ToyAnalyzer implements Analyzer {
  readonly name = 'Toy';
  readonly inputShape: (number | null)[];
  lastOptions: AnalyzeOptions | undefined;
  constructor(readonly model: tf.LayersModel) {
    this.inputShape = model.inputs[0]!.shape;
  }
  explain(input: tf.Tensor, selector: OutputSelector, options: AnalyzeOptions): Explanation {
    this.lastOptions = options;
    const output = this.model.predict(input) as tf.Tensor;
    let selection: number[];
    try {
      selection = selector.select(output);
    } catch (e) {
      output.dispose();
      throw e;
    }
    const val = tf.tidy(() => {
      const w = this.model.layers[0]!.getWeights()[0]!;
      const cols = tf.gather(w, selection, 1).transpose();
      return input.mul(cols);
    });
    return new Explanation({
      val,
      input,
      output,
      outputSelection: selection,
      analyzer: this.name,
      heatmap: 'attribution',
      extras: { scratch: [tf.scalar(1)] },
    });
  }
}

describe('analyze', () => {
  const model = tinyModel();
  const x = tf.tensor2d([
    [1, 2],
    [3, -1],
  ]);

  it('explains the max activation by default', () => {
    const expl = analyze(x, new ToyAnalyzer(model));
    // outputs: [1, 4, 6] and [3, 5, -3]
    expect(expl.outputSelection).toEqual([2, 1]);
    expect(expl.val.arraySync()).toEqual([
      [0, 6],
      [6, -1],
    ]);
    expect(expl.analyzer).toBe('Toy');
    expect(expl.heatmap).toBe('attribution');
    expect(expl.input).toBe(x);
    expl.dispose();
  });

  it('takes a class index, one index per sample, and passes options through', () => {
    const toy = new ToyAnalyzer(model);
    const expl = analyze(x, toy, [0, 2], { layerwiseRelevances: true });
    expect(expl.outputSelection).toEqual([0, 2]);
    expect(toy.lastOptions?.layerwiseRelevances).toBe(true);
    expl.dispose();
    expect(expl.isDisposed).toBe(true);
    const one = analyze(x, toy, 1);
    expect(one.outputSelection).toEqual([1, 1]);
    one.dispose();
  });

  it('disposes what it owns and leaves the input alone; nothing leaks', () => {
    const toy = new ToyAnalyzer(model);
    const before = tf.memory().numTensors;
    const expl = analyze(x, toy, 0);
    expl.dispose();
    expl.dispose();
    expect(x.isDisposed).toBe(false);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('nothing leaks when the selection is rejected', () => {
    const toy = new ToyAnalyzer(model);
    const before = tf.memory().numTensors;
    expect(() => analyze(x, toy, 3)).toThrow(OutputSelectionError);
    expect(() => analyze(x, toy, [0])).toThrow(/1 indices but the batch has 2/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names a missing batch axis and says how to add it', () => {
    const toy = new ToyAnalyzer(model);
    expect(() => analyze(tf.tensor1d([1, 2]), toy)).toThrow(InputShapeError);
    expect(() => analyze(tf.tensor1d([1, 2]), toy)).toThrow(/batch axis is missing.*expandDims\(0\)/);
  });

  it('rejects shapes and ranks that do not fit the model', () => {
    const toy = new ToyAnalyzer(model);
    expect(() => analyze(tf.zeros([2, 3]), toy)).toThrow(/shape \[2,3\] but the model expects \[batch,2\]/);
    expect(() => analyze(tf.zeros([2, 2, 1]), toy)).toThrow(/rank 3/);
    expect(() => analyze(tf.zeros([0, 2]), toy)).toThrow(/empty/);
  });

  it('rejects NaN and Infinity, naming the position, and non-float inputs', () => {
    const toy = new ToyAnalyzer(model);
    expect(() => analyze(tf.tensor2d([[1, Number.NaN]]), toy)).toThrow(InvalidInputError);
    expect(() => analyze(tf.tensor2d([[1, Number.NaN]]), toy)).toThrow(/NaN at \[0, 1\]/);
    expect(() =>
      analyze(
        tf.tensor2d([
          [1, 2],
          [Number.NEGATIVE_INFINITY, 0],
        ]),
        toy,
      ),
    ).toThrow(/-Infinity at \[1, 0\]/);
    expect(() => analyze(tf.tensor2d([[1, 2]], undefined, 'int32'), toy)).toThrow(/dtype int32/);
    expect(() => analyze(null as unknown as tf.Tensor, toy)).toThrow(/must be a tf.Tensor/);
  });
});
