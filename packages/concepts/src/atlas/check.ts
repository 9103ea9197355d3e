import type { AtlasData } from './data.js';
import { AtlasDataError } from './errors.js';

type Box = [number, number, number, number];

/**
 * Checks that atlas data keeps its contract before a site is written from it, so the pages never meet a dangling
 * reference: version 1; unique layer names with positive channel counts; unique sample indices with PNG data URLs;
 * every concept on a known layer and channel, at most once, its RelMax/ActMax samples known, its boxes
 * `[y0, x0, y1, x1)` non-empty with `y0 < y1` and `x0 < x1`, its class statistics on known classes; every graph on a
 * known concept layer and sample, its node ids `layer:channel` on known layers, its edges between its own nodes;
 * every number finite.
 *
 * @param data - what `atlasData(store)` returned, or data of the same shape
 * @throws {@link AtlasDataError} naming the first entry that breaks the contract and how
 *
 * @example
 * ```ts
 * const data = atlasData(store);
 * checkAtlasData(data); // throws AtlasDataError when, say, a concept names a sample the data does not hold
 * ```
 */
export function checkAtlasData(data: AtlasData): void {
  const fail = (where: string, what: string): never => {
    throw new AtlasDataError(`atlas data: ${where}: ${what}`);
  };
  if (data === null || typeof data !== 'object') fail('the data', 'is not an object');
  if (data.version !== 1) fail('version', `is ${String(data.version)}; this atlas reads version 1`);
  if (typeof data.model !== 'string') fail('model', 'is not a string');
  for (const key of ['classNames', 'layers', 'samples', 'concepts', 'graphs'] as const)
    if (!Array.isArray(data[key])) fail(key, 'is not an array');
  const classCount = data.classNames.length;

  const layers = new Map<string, number>();
  data.layers.forEach((layer, i) => {
    if (typeof layer?.name !== 'string' || layer.name === '') fail(`layers[${i}]`, 'has no name');
    if (layers.has(layer.name)) fail(`layers[${i}]`, `repeats the layer name '${layer.name}'`);
    if (!Number.isInteger(layer.channels) || layer.channels < 1)
      fail(`layers[${i}] (${layer.name})`, `has ${layer.channels} channels; a layer needs at least 1`);
    layers.set(layer.name, layer.channels);
  });

  const samples = new Set<number>();
  data.samples.forEach((s, i) => {
    const where = `samples[${i}]`;
    if (!Number.isInteger(s?.index) || s.index < 0) fail(where, `has index ${s?.index}; use an integer ≥ 0`);
    if (samples.has(s.index)) fail(where, `repeats the sample index ${s.index}`);
    if (!s.image?.startsWith('data:image/')) fail(where, 'has no image data URL (data:image/png;base64,...)');
    if (!Number.isInteger(s.predicted) || s.predicted < 0 || s.predicted >= classCount)
      fail(where, `predicts class ${s.predicted}, outside the ${classCount} class names`);
    if (s.label !== null && (!Number.isInteger(s.label) || s.label < 0 || s.label >= classCount))
      fail(where, `has label ${s.label}, outside the ${classCount} class names`);
    samples.add(s.index);
  });

  const checkLayerChannel = (where: string, layer: string, channel: number) => {
    const channels = layers.get(layer);
    if (channels === undefined) fail(where, `names the layer '${layer}', which is not in layers`);
    if (!Number.isInteger(channel) || channel < 0 || channel >= channels!)
      fail(where, `names channel ${channel} of '${layer}', which has channels 0..${channels! - 1}`);
  };
  const checkBox = (where: string, box: Box) => {
    if (!Array.isArray(box) || box.length !== 4 || !box.every(Number.isFinite))
      fail(where, 'needs a box of 4 finite numbers [y0, x0, y1, x1)');
    if (!(box[0] < box[2] && box[1] < box[3]))
      fail(where, `has the empty box [${box.join(', ')}): needs y0 < y1 and x0 < x1`);
  };

  const concepts = new Set<string>();
  data.concepts.forEach((c, i) => {
    const where = `concepts[${i}] (${c?.layer} #${c?.channel})`;
    checkLayerChannel(where, c.layer, c.channel);
    const key = `${c.layer}:${c.channel}`;
    if (concepts.has(key)) fail(where, 'repeats a concept already in the list');
    concepts.add(key);
    for (const list of ['relMax', 'actMax'] as const) {
      if (!Array.isArray(c[list])) fail(where, `has no ${list} list`);
      c[list].forEach((top, j) => {
        const at = `${where}: ${list}[${j}]`;
        if (!samples.has(top.sample)) fail(at, `names sample ${top.sample}, which is not in samples`);
        if (!Number.isFinite(top.value)) fail(at, `has the value ${top.value}`);
        checkBox(at, top.box);
      });
    }
    if (!Array.isArray(c.classes)) fail(where, 'has no classes list');
    c.classes.forEach((s, j) => {
      const at = `${where}: classes[${j}]`;
      if (!Number.isInteger(s.class) || s.class < 0 || s.class >= classCount)
        fail(at, `names class ${s.class}, outside the ${classCount} class names`);
      if (![s.count, s.mean, s.max].every(Number.isFinite))
        fail(at, 'has a count, mean or max that is not finite');
    });
  });

  data.graphs.forEach((g, i) => {
    const where = `graphs[${i}] (${g?.layer} #${g?.channel}, sample ${g?.sample})`;
    checkLayerChannel(where, g.layer, g.channel);
    if (!samples.has(g.sample)) fail(where, `names sample ${g.sample}, which is not in samples`);
    if (!Array.isArray(g.nodes) || !Array.isArray(g.edges)) fail(where, 'needs nodes and edges arrays');
    const ids = new Set<string>();
    g.nodes.forEach((n, j) => {
      const at = `${where}: nodes[${j}]`;
      checkLayerChannel(at, n.layer, n.channel);
      if (n.id !== `${n.layer}:${n.channel}`)
        fail(at, `has the id '${n.id}'; node ids are 'layer:channel' ('${n.layer}:${n.channel}')`);
      if (ids.has(n.id)) fail(at, `repeats the node '${n.id}'`);
      if (!Number.isFinite(n.relevance)) fail(at, `has the relevance ${n.relevance}`);
      ids.add(n.id);
    });
    if (!ids.has(`${g.layer}:${g.channel}`))
      fail(where, `has no node for its own concept '${g.layer}:${g.channel}'`);
    g.edges.forEach((e, j) => {
      const at = `${where}: edges[${j}]`;
      if (!ids.has(e.from) || !ids.has(e.to))
        fail(at, `joins '${e.from}' and '${e.to}', but the graph's nodes are ${[...ids].join(', ')}`);
      if (!Number.isFinite(e.weight)) fail(at, `has the weight ${e.weight}`);
    });
  });
}
