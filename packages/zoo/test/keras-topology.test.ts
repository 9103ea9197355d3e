import { readFileSync } from 'node:fs';
import type * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { resNet50, resNet50V2 } from '../src/index.js';

/** One layer as Keras's model.summary() printed it (see fixtures/keras-topology/README.md). */
interface KerasLayer {
  name: string;
  className: string;
  classNameComplete: boolean;
  outputShape: (number | null)[] | null;
  params: number;
  inbound: string[];
}
interface KerasTopology {
  model: string;
  inputShape: [number, number, number];
  repo: string;
  path: string;
  commit: string;
  layers: KerasLayer[];
}

const fixture = (file: string) =>
  JSON.parse(
    readFileSync(new URL(`./fixtures/keras-topology/${file}`, import.meta.url), 'utf8'),
  ) as KerasTopology;

const cases: [string, (o: { inputShape: [number, number, number]; includeTop: false }) => tf.LayersModel][] =
  [
    ['resnet50-notop-150.json', resNet50],
    ['resnet50v2-notop-224.json', resNet50V2],
  ];

describe.each(cases)('the topology Keras wrote in %s', (file, build) => {
  const keras = fixture(file);
  const model = build({ inputShape: keras.inputShape, includeTop: false });
  const input = keras.layers[0]!.name;
  const rename = (n: string) => (n === input ? 'input_layer' : n);
  const ours = model.layers;

  it("has Keras's layers, in Keras's order, with Keras's classes", () => {
    expect(ours.map((l) => l.name)).toEqual(keras.layers.map((l) => rename(l.name)));
    ours.forEach((l, i) => {
      const k = keras.layers[i]!;
      if (k.classNameComplete) expect(l.getClassName(), l.name).toBe(k.className);
      else expect(l.getClassName().startsWith(k.className), `${l.name}: ${k.className}…`).toBe(true);
    });
  });

  it("connects each layer to the layers Keras connects it to, in Keras's order", () => {
    ours.forEach((l, i) => {
      const inbound = l.inboundNodes[0]?.inboundLayers.map((x) => x.name) ?? [];
      const expected = keras.layers[i]!.inbound.map(rename);
      expect(l.getClassName() === 'InputLayer' ? [] : inbound, l.name).toEqual(expected);
    });
  });

  it("has Keras's parameter count and output shape at every layer", () => {
    ours.forEach((l, i) => {
      const k = keras.layers[i]!;
      expect(l.countParams(), l.name).toBe(k.params);
      const shape = (Array.isArray(l.outputShape[0]) ? l.outputShape[0] : l.outputShape) as (number | null)[];
      if (k.outputShape) expect(shape, l.name).toEqual(k.outputShape);
    });
    expect(model.countParams()).toBe(keras.layers.reduce((a, l) => a + l.params, 0));
  });
});
