import * as tf from '@tensorflow/tfjs';
import { readGraph } from '@xai-ts/canonize';
import { loadDemoModel } from '@xai-ts/zoo';
import { describe, expect, it } from 'vitest';
import {
  ConceptLayerError,
  cropToBox,
  gradientSupport,
  receptiveField,
  receptiveFields,
} from '../src/index.js';

/** Every kernel uniform in [0.1, 1), biases 0: no unit is ever zero, so gradients reach every pixel they can. */
function positive(model: tf.LayersModel, seed: number): tf.LayersModel {
  for (const layer of model.layers) {
    const values = layer
      .getWeights()
      .map((w, i) => (i === 0 ? tf.randomUniform(w.shape, 0.1, 1, 'float32', seed + i) : tf.zeros(w.shape)));
    if (values.length) layer.setWeights(values);
    tf.dispose(values);
  }
  return model;
}

const conv = (config: Partial<Parameters<typeof tf.layers.conv2d>[0]>) =>
  tf.layers.conv2d({ filters: 2, kernelSize: 3, useBias: false, ...config } as Parameters<
    typeof tf.layers.conv2d
  >[0]);

/** Small models with every geometry the walk knows: strides, `same`/`valid` padding, dilation, pools, padding layers, crops, branches. */
function models(): [string, tf.LayersModel][] {
  const strided = tf.sequential({
    layers: [
      conv({ inputShape: [17, 19, 2], strides: 2, padding: 'same', name: 'a1' }),
      tf.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'a2' }),
      conv({ kernelSize: 2, dilationRate: 2, padding: 'valid', name: 'a3' }),
      conv({ kernelSize: [3, 2], dilationRate: [2, 1], padding: 'same', name: 'a4' }),
    ],
  });
  const padded = tf.sequential({
    layers: [
      tf.layers.zeroPadding2d({
        inputShape: [15, 13, 1],
        padding: [
          [1, 2],
          [0, 3],
        ],
        name: 'b0',
      }),
      conv({ kernelSize: [5, 3], strides: [2, 1], padding: 'valid', name: 'b1' }),
      tf.layers.cropping2D({
        cropping: [
          [1, 0],
          [2, 1],
        ],
        name: 'b2',
      }),
      tf.layers.averagePooling2d({ poolSize: 2, padding: 'valid', name: 'b3' }),
      tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', useBias: false, name: 'b4' }),
      conv({ kernelSize: 4, strides: 3, padding: 'same', name: 'b5' }),
    ],
  });
  const input = tf.input({ shape: [20, 20, 1] });
  const left = conv({ kernelSize: 5, padding: 'same', name: 'c1' }).apply(input) as tf.SymbolicTensor;
  const right = conv({ kernelSize: 3, dilationRate: 3, padding: 'same', name: 'c2' }).apply(
    input,
  ) as tf.SymbolicTensor;
  const sum = tf.layers.add({ name: 'c3' }).apply([left, right]) as tf.SymbolicTensor;
  const top = conv({ kernelSize: 3, strides: 2, padding: 'valid', name: 'c4' }).apply(
    sum,
  ) as tf.SymbolicTensor;
  const branches = tf.model({ inputs: input, outputs: top });
  return [
    ['strided', positive(strided, 1)],
    ['padded', positive(padded, 2)],
    ['branches', positive(branches, 3)],
  ];
}

describe('receptive fields', () => {
  it("equal the support of a single unit's input gradient (positive weights and inputs), at every unit", () => {
    for (const [name, model] of models()) {
      const graph = readGraph(model);
      const shape = graph.inputShapes[0]!.slice(1) as number[];
      const x = tf.randomUniform([1, ...shape], 0.5, 1, 'float32', 7);
      let checked = 0;
      for (const node of graph.nodes) {
        const out = node.layer.outputShape as number[];
        if (out.length !== 4) continue;
        for (let y = 0; y < out[1]!; y++)
          for (let c = 0; c < out[2]!; c++) {
            const field = receptiveField(graph, node.name, [y, c]);
            const support = gradientSupport(graph, node.name, [y, c], {
              channel: Math.min(1, out[3]! - 1),
              input: x,
            });
            expect(field, `${name} ${node.name} [${y}, ${c}]`).toEqual(support);
            checked++;
          }
      }
      expect(checked).toBeGreaterThan(50);
      x.dispose();
      model.dispose();
    }
  });

  it('are the same for max pooling as for average pooling of that geometry (the walk reads geometry, not values)', () => {
    const make = (
      pool: (args: { poolSize: number; strides: number; padding: 'same'; name: string }) => tf.layers.Layer,
    ) =>
      tf.sequential({
        layers: [
          conv({ inputShape: [12, 12, 1], padding: 'same', name: 'p1' }),
          pool({ poolSize: 3, strides: 2, padding: 'same', name: 'p2' }),
          conv({ name: 'p3' }),
        ],
      });
    const [a, b] = [make(tf.layers.maxPooling2d), make(tf.layers.averagePooling2d)];
    expect(receptiveFields(a, 'p3')).toEqual(receptiveFields(b, 'p3'));
    expect(receptiveField(a, 'p3', [1, 2])).toEqual([1, 3, 10, 12]);
    a.dispose();
    b.dispose();
  });

  it("of the demo CNN's conv3: 3×3 convs and 2×2 pools, clipped to the image", async () => {
    const model = await loadDemoModel();
    expect(receptiveField(model, 'conv3', [3, 3])).toEqual([5, 5, 23, 23]);
    expect(receptiveField(model, 'conv3', [0, 0])).toEqual([0, 0, 11, 11]);
    expect(receptiveField(model, 'conv1', [31, 0])).toEqual([30, 0, 32, 2]);
    expect(receptiveFields(model, 'conv2')).toHaveLength(256);
    expect(() => receptiveField(model, 'conv3', [8, 0])).toThrow(ConceptLayerError);
    expect(() => receptiveField(model, 'fc1', [0, 0])).toThrow(/no spatial output/);
    model.dispose();
  });

  it("fall back to the gradient's support through layers without window geometry", () => {
    const model = positive(
      tf.sequential({
        layers: [
          conv({ inputShape: [8, 8, 1], padding: 'same', name: 'u1' }),
          tf.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear', name: 'u2' }),
          conv({ name: 'u3' }),
        ],
      }),
      4,
    );
    const x = tf.ones([1, 8, 8, 1]);
    const field = receptiveField(model, 'u3', [4, 5], { input: x });
    expect(field).toEqual(gradientSupport(model, 'u3', [4, 5], { input: x }));
    expect(field[2] - field[0]).toBeGreaterThan(3);
    x.dispose();
    model.dispose();
  });

  it('crop a sample to a box, optionally weighted by a mask', () => {
    const image = tf.range(0, 4 * 5 * 2).reshape([1, 4, 5, 2]);
    const crop = cropToBox(image, [1, 2, 3, 4]);
    expect(crop.shape).toEqual([2, 2, 2]);
    expect(crop.arraySync()).toEqual([
      [
        [14, 15],
        [16, 17],
      ],
      [
        [24, 25],
        [26, 27],
      ],
    ]);
    const mask = tf.tensor2d([0, 0, 0, 0, 0, 0, 0, 0.5, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [4, 5]);
    const masked = cropToBox(image, [1, 2, 3, 4], mask);
    expect(masked.arraySync()).toEqual([
      [
        [7, 7.5],
        [16, 17],
      ],
      [
        [0, 0],
        [0, 0],
      ],
    ]);
    tf.dispose([image, crop, mask, masked]);
  });
});
