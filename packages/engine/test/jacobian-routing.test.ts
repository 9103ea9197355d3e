// Float64 explicit-Jacobian checks of the kinds that move values (padding, cropping, reshapes, permutations, the
// inference-time identities) and of the merge kinds, whose VJP is checked for every input.

import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { Engine } from '../src/index.js';
import { type Case, jacobianSuites, modelOf } from './float64/harness.js';

const routes: Case[] = [
  {
    name: 'ZeroPadding2D 1 (symmetric)',
    layer: () => tf.layers.zeroPadding2d({ padding: 1 }),
    inputs: [[3, 4, 2]],
  },
  {
    name: 'ZeroPadding2D [[1, 2], [0, 3]] (asymmetric)',
    layer: () =>
      tf.layers.zeroPadding2d({
        padding: [
          [1, 2],
          [0, 3],
        ],
      }),
    inputs: [[3, 4, 2]],
  },
  {
    name: 'Cropping2D 1 (symmetric)',
    layer: () => tf.layers.cropping2D({ cropping: 1 }),
    inputs: [[5, 6, 2]],
  },
  {
    name: 'Cropping2D [[1, 0], [2, 1]] (asymmetric)',
    layer: () =>
      tf.layers.cropping2D({
        cropping: [
          [1, 0],
          [2, 1],
        ],
      }),
    inputs: [[5, 6, 2]],
  },
  {
    // a window of 5×5 taps: wider than wasm's crop by convolution takes, so sliced
    name: 'Cropping2D 2 (sliced on wasm)',
    layer: () => tf.layers.cropping2D({ cropping: 2 }),
    inputs: [[7, 8, 2]],
  },
  {
    // ZeroPadding2D's VJP crops, on 17 channels
    name: 'ZeroPadding2D [[0, 1], [0, 1]] on 17 channels (MobileNetV2)',
    layer: () =>
      tf.layers.zeroPadding2d({
        padding: [
          [0, 1],
          [0, 1],
        ],
      }),
    inputs: [[4, 4, 17]],
  },
  { name: 'Flatten', layer: () => tf.layers.flatten(), inputs: [[3, 4, 2]] },
  { name: 'Reshape [6, 4]', layer: () => tf.layers.reshape({ targetShape: [6, 4] }), inputs: [[3, 4, 2]] },
  { name: 'Reshape [-1, 2]', layer: () => tf.layers.reshape({ targetShape: [-1, 2] }), inputs: [[3, 4]] },
  { name: 'Permute [2, 1, 3]', layer: () => tf.layers.permute({ dims: [2, 1, 3] }), inputs: [[3, 4, 2]] },
  { name: 'Permute [3, 1, 2]', layer: () => tf.layers.permute({ dims: [3, 1, 2] }), inputs: [[3, 4, 2]] },
  { name: 'Permute [2, 1]', layer: () => tf.layers.permute({ dims: [2, 1] }), inputs: [[3, 4]] },
  // identities at inference
  { name: 'Dropout 0.5', layer: () => tf.layers.dropout({ rate: 0.5 }), inputs: [[3, 4]] },
  { name: 'SpatialDropout1D 0.3', layer: () => tf.layers.spatialDropout1d({ rate: 0.3 }), inputs: [[5, 3]] },
  { name: 'GaussianNoise 0.5', layer: () => tf.layers.gaussianNoise({ stddev: 0.5 }), inputs: [[3, 4]] },
  { name: 'GaussianDropout 0.3', layer: () => tf.layers.gaussianDropout({ rate: 0.3 }), inputs: [[3, 4]] },
  { name: 'AlphaDropout 0.3', layer: () => tf.layers.alphaDropout({ rate: 0.3 }), inputs: [[3, 4]] },
];

// Maximum and Minimum: the inputs never tie, and differ by far more than a difference step
const DISTINCT = { kind: 'distinct' } as const;

const merges: Case[] = [
  {
    name: 'Add of 2',
    layer: () => tf.layers.add(),
    inputs: [
      [4, 3],
      [4, 3],
    ],
  },
  {
    name: 'Add of 3',
    layer: () => tf.layers.add(),
    inputs: [
      [2, 3, 2],
      [2, 3, 2],
      [2, 3, 2],
    ],
  },
  {
    name: 'Concatenate on the last axis',
    layer: () => tf.layers.concatenate(),
    inputs: [
      [4, 3],
      [4, 2],
    ],
  },
  {
    name: 'Concatenate of 3 on the channels',
    layer: () => tf.layers.concatenate(),
    inputs: [
      [3, 3, 1],
      [3, 3, 2],
      [3, 3, 1],
    ],
  },
  {
    name: 'Concatenate on axis 1',
    layer: () => tf.layers.concatenate({ axis: 1 }),
    inputs: [
      [2, 3],
      [4, 3],
    ],
  },
  {
    name: 'Multiply, same shapes',
    layer: () => tf.layers.multiply(),
    inputs: [
      [4, 3],
      [4, 3],
    ],
  },
  {
    name: 'Multiply, SE-style gate [N, 1, 1, C] × [N, H, W, C]',
    layer: () => tf.layers.multiply(),
    inputs: [
      [1, 1, 3],
      [4, 4, 3],
    ],
  },
  {
    name: 'Multiply, [N, H, W, C] × gate [N, 1, 1, C]',
    layer: () => tf.layers.multiply(),
    inputs: [
      [4, 4, 3],
      [1, 1, 3],
    ],
  },
  {
    name: 'Average of 2',
    layer: () => tf.layers.average(),
    inputs: [
      [4, 3],
      [4, 3],
    ],
  },
  { name: 'Average of 3', layer: () => tf.layers.average(), inputs: [[5], [5], [5]] },
  {
    name: 'Maximum of 2',
    layer: () => tf.layers.maximum(),
    inputs: [
      [4, 3],
      [4, 3],
    ],
    draw: DISTINCT,
  },
  { name: 'Maximum of 3', layer: () => tf.layers.maximum(), inputs: [[6], [6], [6]], draw: DISTINCT },
  {
    name: 'Minimum of 2',
    layer: () => tf.layers.minimum(),
    inputs: [
      [4, 3],
      [4, 3],
    ],
    draw: DISTINCT,
  },
  { name: 'Minimum of 3', layer: () => tf.layers.minimum(), inputs: [[6], [6], [6]], draw: DISTINCT },
];

jacobianSuites('routing and merge kinds', [...routes, ...merges], {
  cpu: () => {
    // the Multiply kind reads two inputs (signal and gate); more is a model-check problem, not a wrong VJP
    it('Multiply of 3 inputs is reported as a gradient problem', () => {
      const { model } = modelOf({
        name: 'Multiply of 3',
        layer: () => tf.layers.multiply(),
        inputs: [[4], [4], [4]],
      });
      const engine = new Engine(model);
      expect(engine.gradientProblems().map((p) => p.message)).toEqual([
        expect.stringMatching(/Multiply of 3 inputs is not supported/),
      ]);
      engine.dispose();
      model.dispose();
    });
  },
});
