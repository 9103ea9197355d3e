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
