import * as tf from '@tensorflow/tfjs';

/** A Dense layer with weights written as `W[i][j]` (output i, input j); TF.js stores the transpose. */
export function dense(name: string, w: number[][], b: number[], activation: 'linear' | 'relu' = 'linear') {
  const layer = tf.layers.dense({ name, units: w.length, activation });
  return {
    layer,
    set: () => {
      const weights = [tf.tensor2d(w).transpose(), tf.tensor1d(b)];
      layer.setWeights(weights);
      tf.dispose(weights);
    },
  };
}

/** ANALYTIC.md case 7: d1 W=[[1,3],[4,2]] b=[0,1], then d2 W=[[2,4],[3,1]] b=[1,2], both linear. */
export function analyticChain(): tf.LayersModel {
  const d1 = dense(
    'd1',
    [
      [1, 3],
      [4, 2],
    ],
    [0, 1],
  );
  const d2 = dense(
    'd2',
    [
      [2, 4],
      [3, 1],
    ],
    [1, 2],
  );
  const model = tf.sequential({ layers: [tf.layers.inputLayer({ inputShape: [2] }), d1.layer, d2.layer] });
  d1.set();
  d2.set();
  return model;
}

/** Case 7 with a third layer d3 W=[[1,1]] b=[0] on top (one output), for conditions on two layers. */
export function analyticChain3(): tf.LayersModel {
  const d1 = dense(
    'd1',
    [
      [1, 3],
      [4, 2],
    ],
    [0, 1],
  );
  const d2 = dense(
    'd2',
    [
      [2, 4],
      [3, 1],
    ],
    [1, 2],
  );
  const d3 = dense('d3', [[1, 1]], [0]);
  const model = tf.sequential({
    layers: [tf.layers.inputLayer({ inputShape: [2] }), d1.layer, d2.layer, d3.layer],
  });
  d1.set();
  d2.set();
  d3.set();
  return model;
}

/** x -> d1 -> d2, add(d1, d2) -> d3 W=[[1,1]]: the concept layer d2 sits on the residual branch. */
export function analyticResidual(): tf.LayersModel {
  const d1 = dense(
    'd1',
    [
      [1, 3],
      [4, 2],
    ],
    [0, 1],
  );
  const d2 = dense(
    'd2',
    [
      [2, 4],
      [3, 1],
    ],
    [1, 2],
  );
  const d3 = dense('d3', [[1, 1]], [0]);
  const input = tf.input({ shape: [2] });
  const a1 = d1.layer.apply(input) as tf.SymbolicTensor;
  const a2 = d2.layer.apply(a1) as tf.SymbolicTensor;
  const sum = tf.layers.add({ name: 'add' }).apply([a1, a2]) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: d3.layer.apply(sum) as tf.SymbolicTensor });
  d1.set();
  d2.set();
  d3.set();
  return model;
}

/**
 * A small residual CNN: conv -> [conv -> conv] + skip -> relu -> pool -> flatten -> dense. Deterministic weights.
 */
export function residualCnn(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 3] });
  const c1 = tf.layers
    .conv2d({
      name: 'c1',
      filters: 6,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
      biasInitializer: tf.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed: 2 }),
    })
    .apply(input) as tf.SymbolicTensor;
  const c2 = tf.layers
    .conv2d({
      name: 'c2',
      filters: 6,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }),
      biasInitializer: tf.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed: 4 }),
    })
    .apply(c1) as tf.SymbolicTensor;
  const c3 = tf.layers
    .conv2d({
      name: 'c3',
      filters: 6,
      kernelSize: 3,
      padding: 'same',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }),
      biasInitializer: tf.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed: 6 }),
    })
    .apply(c2) as tf.SymbolicTensor;
  const sum = tf.layers.add({ name: 'add' }).apply([c1, c3]) as tf.SymbolicTensor;
  const act = tf.layers.activation({ name: 'relu', activation: 'relu' }).apply(sum) as tf.SymbolicTensor;
  const pool = tf.layers.averagePooling2d({ name: 'pool', poolSize: 2 }).apply(act) as tf.SymbolicTensor;
  const flat = tf.layers.flatten({ name: 'flat' }).apply(pool) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({ name: 'out', units: 4, kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }) })
    .apply(flat) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** x -> left, x -> right, add(left, right) -> out: two parallel branches. */
export function parallelBranches(): tf.LayersModel {
  const input = tf.input({ shape: [2] });
  const left = tf.layers.dense({ name: 'left', units: 2 }).apply(input) as tf.SymbolicTensor;
  const right = tf.layers.dense({ name: 'right', units: 2 }).apply(input) as tf.SymbolicTensor;
  const sum = tf.layers.add({ name: 'add' }).apply([left, right]) as tf.SymbolicTensor;
  return tf.model({
    inputs: input,
    outputs: tf.layers.dense({ name: 'out', units: 1 }).apply(sum) as tf.SymbolicTensor,
  });
}
