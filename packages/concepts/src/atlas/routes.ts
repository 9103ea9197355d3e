import type { AtlasData } from './data.js';

/**
 * A view of the atlas, as its URL hash names it ({@link parseRoute} reads one).
 *
 * @example
 * ```ts
 * const route: AtlasRoute = parseRoute(location.hash);
 * if (route.view === 'concept') console.log(route.layer, route.channel);
 * ```
 */
export type AtlasRoute =
  | { view: 'home' }
  | { view: 'layer'; layer: string }
  | { view: 'concept'; layer: string; channel: number }
  | { view: 'class'; class: number; by: 'mean' | 'max' };

/**
 * The hash of a concept's entry in the atlas, `#/concept/LAYER/CHANNEL` (the layer name URI-encoded): append it to
 * the atlas's `index.html` to link to the entry.
 *
 * @example
 * ```ts
 * conceptHash('conv2', 7); // '#/concept/conv2/7'
 * `file:///tmp/atlas/index.html${conceptHash('conv2', 7)}`;
 * ```
 */
export function conceptHash(layer: string, channel: number): string {
  return `#/concept/${encodeURIComponent(layer)}/${channel}`;
}

/**
 * The hash of the class search for class `k` (0-based), `#/class/K`, ranked by mean relevance; `by: 'max'` ranks by
 * the maximum instead (`#/class/K/max`).
 *
 * @example
 * ```ts
 * classHash(3); // '#/class/3'
 * classHash(3, 'max'); // '#/class/3/max'
 * ```
 */
export function classHash(k: number, by: 'mean' | 'max' = 'mean'): string {
  return by === 'max' ? `#/class/${k}/max` : `#/class/${k}`;
}

/**
 * The hash of a layer's page, `#/layer/LAYER`: every mined channel of the layer with its top samples.
 *
 * @example
 * ```ts
 * layerHash('conv3'); // '#/layer/conv3'
 * ```
 */
export function layerHash(layer: string): string {
  return `#/layer/${encodeURIComponent(layer)}`;
}

/**
 * Reads a URL hash back into a route; anything it does not know (or an empty hash) is the home view.
 *
 * @example
 * ```ts
 * parseRoute('#/concept/conv2/7'); // { view: 'concept', layer: 'conv2', channel: 7 }
 * parseRoute(''); // { view: 'home' }
 * ```
 */
export function parseRoute(hash: string): AtlasRoute {
  const parts = hash.replace(/^#\/?/, '').split('/');
  const decode = (s: string | undefined) => {
    try {
      return decodeURIComponent(s ?? '');
    } catch {
      return '';
    }
  };
  const int = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s) ? Number(s) : -1);
  if (parts[0] === 'layer' && parts.length === 2 && parts[1])
    return { view: 'layer', layer: decode(parts[1]) };
  if (parts[0] === 'concept' && parts.length === 3 && int(parts[2]) >= 0)
    return { view: 'concept', layer: decode(parts[1]), channel: int(parts[2]) };
  if (
    parts[0] === 'class' &&
    int(parts[1]) >= 0 &&
    (parts.length === 2 || (parts.length === 3 && parts[2] === 'max'))
  )
    return { view: 'class', class: int(parts[1]), by: parts[2] === 'max' ? 'max' : 'mean' };
  return { view: 'home' };
}

/**
 * One concept in a class ranking of {@link rankConceptsForClass}.
 *
 * @example
 * ```ts
 * const [best]: ClassRanking[] = rankConceptsForClass(data, 0);
 * console.log(`${best.layer} #${best.channel}: mean ${best.mean} over ${best.count} samples`);
 * ```
 */
export interface ClassRanking {
  /** The concept's layer. */
  layer: string;
  /** The concept's channel. */
  channel: number;
  /** The mean relevance of the concept over the class's samples. */
  mean: number;
  /** The largest relevance of the concept on one of the class's samples. */
  max: number;
  /** How many of the class's samples the statistics cover. */
  count: number;
}

/**
 * Which concepts matter for class `k`: every concept with statistics for the class, ranked by their mean (or max)
 * relevance for it, largest first; ties keep the order of the layers, then of the channels. Concepts without samples
 * of the class are left out.
 *
 * @param data - the atlas data
 * @param k - the class, 0-based
 * @param by - rank by `'mean'` (default) or `'max'` relevance
 *
 * @example
 * ```ts
 * const top = rankConceptsForClass(data, 2).slice(0, 5);
 * top.map((c) => conceptHash(c.layer, c.channel));
 * ```
 */
export function rankConceptsForClass(
  data: AtlasData,
  k: number,
  by: 'mean' | 'max' = 'mean',
): ClassRanking[] {
  const layerOrder = new Map(data.layers.map((l, i) => [l.name, i]));
  const rows: ClassRanking[] = [];
  for (const c of data.concepts) {
    const s = c.classes.find((x) => x.class === k);
    if (s && s.count > 0)
      rows.push({ layer: c.layer, channel: c.channel, mean: s.mean, max: s.max, count: s.count });
  }
  return rows.sort(
    (a, b) =>
      b[by] - a[by] ||
      (layerOrder.get(a.layer) ?? 0) - (layerOrder.get(b.layer) ?? 0) ||
      a.channel - b.channel,
  );
}
