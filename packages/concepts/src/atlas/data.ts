import { StoreError } from '../errors.js';
import type { ConceptLayer } from '../layers.js';
import type { Box } from '../receptive.js';
import type { ConceptStore } from '../store.js';
import { classMean, type TopEntry } from '../topk.js';

/**
 * What the static concept atlas shows: everything a page needs, as plain JSON, read from a mining store by
 * `atlasData(store)`. Indices are 0-based; `sample` fields index `samples` by their `index`; boxes are half-open
 * `[y0, x0, y1, x1)` in input pixels (the receptive field of the unit where the channel peaked, clipped to the
 * input); a graph's node id is `${layer}:${channel}`.
 *
 * @example
 * ```ts
 * const data: AtlasData = JSON.parse(await (await fetch('atlas.json')).text());
 * const c = data.concepts.find((k) => k.layer === 'conv3' && k.channel === 7)!;
 * const best = data.samples.find((s) => s.index === c.relMax[0]!.sample)!; // best.image is a data: URL
 * ```
 */
export interface AtlasData {
  /** The format's version. */
  version: 1;
  /** The model's name. */
  model: string;
  /** The class names, in output order (`String(i)` when the model has none). */
  classNames: string[];
  /** The mined layers, in the model's order, with their channel counts. */
  layers: { name: string; channels: number }[];
  /** Every mined sample: its dataset index and id, its label (null without one), the predicted class, and its input as a `data:image/png;base64,` URL. */
  samples: { index: number; id: string; label: number | null; predicted: number; image: string }[];
  /** Per mined layer and channel: the top samples by relevance (RelMax) and activation (ActMax), and per-class statistics. */
  concepts: {
    layer: string;
    channel: number;
    /** Samples with the highest relevance of the channel, highest first (ties: lower sample index first). */
    relMax: { sample: number; value: number; box: [number, number, number, number] }[];
    /** Samples with the highest activation of the channel (max over positions), highest first. */
    actMax: { sample: number; value: number; box: [number, number, number, number] }[];
    /** Per explained class: how many samples, the mean and the max of the channel's relevance over them. */
    classes: { class: number; count: number; mean: number; max: number }[];
  }[];
  /** Attribution graphs: which lower-layer channels carry a concept's relevance on a sample. */
  graphs: {
    layer: string;
    channel: number;
    sample: number;
    nodes: { id: string; layer: string; channel: number; relevance: number }[];
    edges: { from: string; to: string; weight: number }[];
  }[];
}

/**
 * Reads a mining store into the atlas's {@link AtlasData}: the layers, every sample with its picture as a data URL,
 * per concept its RelMax and ActMax samples with the receptive field of the unit where the concept peaked, its
 * classes (highest mean relevance first), and the stored attribution graphs.
 *
 * @param store - a store that mining has written to
 * @returns plain JSON (write it with `JSON.stringify`)
 * @throws {@link StoreError} for a store nothing was mined into
 * @example
 * ```ts
 * const store = await openStoreFile('concepts.sqlite');
 * writeFileSync('atlas.json', JSON.stringify(atlasData(store)));
 * ```
 */
export function atlasData(store: ConceptStore): AtlasData {
  const config = store.config();
  if (!config) throw new StoreError('the store has no configuration: nothing was mined into it');
  const findings = store.findings();
  const fields = new Map<string, Box[]>();
  for (const l of config.layers) {
    const boxes: Box[] = [];
    for (let y = 0; y < l.height; y++)
      for (let x = 0; x < l.width; x++) boxes.push(store.receptiveField(l.name, y, x));
    fields.set(l.name, boxes);
  }
  const list = (layer: ConceptLayer, entries: readonly TopEntry[]) =>
    entries.map((e) => ({
      sample: e.sample,
      value: e.value,
      box: [...fields.get(layer.name)![e.y * layer.width + e.x]!] as Box,
    }));
  return {
    version: 1,
    model: config.model,
    classNames: [...config.classNames],
    layers: config.layers.map((l) => ({ name: l.name, channels: l.channels })),
    samples: store.samples().map((s) => ({
      index: s.index,
      id: s.id,
      label: s.label,
      predicted: s.predicted,
      image: `data:image/png;base64,${base64(s.png)}`,
    })),
    concepts: config.layers.flatMap((l, k) => {
      const found = findings.layers[k]!;
      return Array.from({ length: l.channels }, (_, c) => ({
        layer: l.name,
        channel: c,
        relMax: list(l, found.relMax[c]!),
        actMax: list(l, found.actMax[c]!),
        classes: [...found.classes[c]!]
          .map(([cls, s]) => ({ class: cls, count: s.count, mean: classMean(s), max: s.max }))
          .sort((a, b) => b.mean - a.mean || a.class - b.class),
      }));
    }),
    graphs: store.graphs().map(({ sample, graph }) => ({
      layer: graph.layer,
      channel: graph.channel,
      sample,
      nodes: graph.nodes,
      edges: graph.edges,
    })),
  };
}

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
