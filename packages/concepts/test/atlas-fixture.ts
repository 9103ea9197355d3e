// A small atlas of the demo CNN's layers, the shape atlasData(store) gives: 20 demo dataset images as PNG data
// URLs, conv1 (8 of 16 channels mined), conv2 (29 of 32: channels 5, 17 and 30 left out) and conv3 (all 32), tops
// and class statistics from a seeded generator, receptive-field boxes of each layer's size around a peak, and
// attribution graphs for four conv3 concepts down through conv2 to conv1.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { EpsilonPlusFlat, LRP } from '@xai-ts/lrp';
import { DEMO_CLASS_NAMES, demoDataset, loadDemoModel } from '@xai-ts/zoo';
import { encode } from 'fast-png';
import type { AtlasData } from '../src/atlas/data.js';
import { atlasData, attributionGraph, demoConceptDataset } from '../src/index.js';
import { mineToStore } from '../src/node/index.js';

export const UNMINED_CONV2 = [5, 17, 30];

/** Bundles the pages from the current sources (the package's own build step for them). */
export function buildAtlasAssets(): void {
  execFileSync(process.execPath, ['scripts/build-atlas.mjs'], {
    cwd: new URL('..', import.meta.url),
    stdio: 'pipe',
  });
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The PNG of sample `i` of a `[n, 32, 32, 3]` batch in [0, 1]. */
export function samplePng(images: tf.Tensor4D, i: number): Uint8Array {
  const [, height, width] = images.shape;
  const pixels = tf.tidy(() =>
    images
      .slice([i, 0, 0, 0], [1, height, width, 3])
      .mul(255)
      .round()
      .clipByValue(0, 255)
      .cast('int32')
      .dataSync(),
  );
  return encode({ width, height, data: Uint8Array.from(pixels), channels: 3, depth: 8 });
}

/** The fixture atlas and the demo dataset seed/size it was made from. */
export function fixtureAtlas(): AtlasData {
  const n = 20;
  const { images, labels, masks } = demoDataset({ n, seed: 11 });
  const samples = labels.map((label, i) => ({
    index: i,
    id: `demo-11-${i}`,
    label,
    predicted: i === 3 || i === 14 ? (label + 1) % DEMO_CLASS_NAMES.length : label,
    image: `data:image/png;base64,${Buffer.from(samplePng(images, i)).toString('base64')}`,
  }));
  images.dispose();
  masks.dispose();
  const random = rng(42);
  const layers = [
    { name: 'conv1', channels: 16, mined: 8, field: 3 },
    { name: 'conv2', channels: 32, mined: 32, field: 10 },
    { name: 'conv3', channels: 32, mined: 32, field: 22 },
  ];
  const box = (field: number): [number, number, number, number] => {
    const y = Math.floor(random() * 32);
    const x = Math.floor(random() * 32);
    const h = Math.floor(field / 2);
    return [Math.max(0, y - h), Math.max(0, x - h), Math.min(32, y - h + field), Math.min(32, x - h + field)];
  };
  const tops = (field: number, scale: number) => {
    const picked = [...Array(n).keys()].sort(() => random() - 0.5).slice(0, 6);
    let value = scale * (0.5 + random());
    return picked.map((sample) => {
      value *= 0.6 + 0.35 * random();
      return { sample, value, box: box(field) };
    });
  };
  const counts = DEMO_CLASS_NAMES.map((_, k) => labels.filter((l) => l === k).length);
  const concepts: AtlasData['concepts'] = [];
  for (const layer of layers)
    for (let channel = 0; channel < layer.mined; channel++) {
      if (layer.name === 'conv2' && UNMINED_CONV2.includes(channel)) continue;
      const classes = counts
        .map((count, k) => {
          const mean = random() * 0.45 - 0.05;
          return { class: k, count, mean, max: mean + random() * 0.5 };
        })
        .filter((s) => s.count > 0 && !(layer.name === 'conv3' && channel === 9 && s.class === 4));
      concepts.push({
        layer: layer.name,
        channel,
        relMax: tops(layer.field, 0.3),
        actMax: tops(layer.field, 4),
        classes,
      });
    }
  const graphs: AtlasData['graphs'] = [0, 1, 2, 3].map((c) => {
    const sample = concepts.find((x) => x.layer === 'conv3' && x.channel === c)!.relMax[0]!.sample;
    const lower = [c + 4, 5, (c * 7 + 1) % 32, (c * 11 + 3) % 32].filter((v, i, a) => a.indexOf(v) === i);
    const lowest = [c % 8, (c + 3) % 8, 7 - c].filter((v, i, a) => a.indexOf(v) === i);
    const nodes: AtlasData['graphs'][number]['nodes'] = [
      { id: `conv3:${c}`, layer: 'conv3', channel: c, relevance: 0.8 },
      ...lower.map((ch, i) => ({
        id: `conv2:${ch}`,
        layer: 'conv2',
        channel: ch,
        relevance: 0.4 / (i + 1) - 0.05,
      })),
      ...lowest.map((ch, i) => ({
        id: `conv1:${ch}`,
        layer: 'conv1',
        channel: ch,
        relevance: 0.2 / (i + 1),
      })),
    ];
    const edges = [
      ...lower.map((ch, i) => ({ from: `conv3:${c}`, to: `conv2:${ch}`, weight: 0.4 / (i + 1) - 0.05 })),
      ...lower.flatMap((ch, i) =>
        lowest
          .filter((_, j) => (i + j) % 2 === 0)
          .map((lo, j) => ({ from: `conv2:${ch}`, to: `conv1:${lo}`, weight: 0.1 / (j + 1) })),
      ),
    ];
    return { layer: 'conv3', channel: c, sample, nodes, edges };
  });
  return {
    version: 1,
    model: 'xai_ts_demo_cnn',
    classNames: [...DEMO_CLASS_NAMES],
    layers: layers.map(({ name, channels }) => ({ name, channels })),
    samples,
    concepts,
    graphs,
  };
}

/**
 * The atlas of a real mining run: the demo CNN on 24 samples of demoConceptDataset, conv1..conv3, top 4, with the
 * attribution graphs of two conv3 channels on their best RelMax samples; the store file goes into `dir`.
 */
export async function minedAtlas(dir: string): Promise<AtlasData> {
  const model = await loadDemoModel();
  const dataset = demoConceptDataset({ n: 24, seed: 5 });
  const { store } = await mineToStore({
    model,
    modelName: 'demo',
    dataset,
    out: join(dir, 'concepts.sqlite'),
    layers: ['conv1', 'conv2', 'conv3'],
    top: 4,
    shardSize: 24,
  });
  const lrp = new LRP(model, new EpsilonPlusFlat());
  const conv3 = store.findings().layers.find((l) => l.layer === 'conv3')!;
  for (const channel of [3, 7]) {
    const sample = conv3.relMax[channel]![0]!.sample;
    const [s] = await dataset.batch([sample]);
    const x = tf.tensor4d(s!.input as Float32Array, [1, 32, 32, 3]);
    store.putGraph(sample, attributionGraph(lrp, x, { layer: 'conv3', channel }));
    x.dispose();
  }
  const data = atlasData(store);
  store.close();
  lrp.dispose();
  model.dispose();
  return data;
}
