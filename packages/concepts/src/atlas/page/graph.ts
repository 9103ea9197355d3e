// An attribution graph drawn in columns by depth: the lowest layer on the left, the concept's layer on the right,
// nodes of a column ordered by relevance. Nodes are links to their concepts' entries (when the atlas holds them);
// edge width follows |weight|, colour its sign.
import type { AtlasData } from '../data.js';
import { conceptHash } from '../routes.js';
import { fmt, svg } from './dom.js';

type Graph = AtlasData['graphs'][number];

const COL_W = 170;
const ROW_H = 46;
const TOP = 30;

/** The graph as SVG; `mined(layer, channel)` says whether the atlas has an entry to link to. */
export function attributionGraph(
  graph: Graph,
  layerOrder: ReadonlyMap<string, number>,
  mined: (layer: string, channel: number) => boolean,
): SVGSVGElement {
  const layers = [...new Set(graph.nodes.map((n) => n.layer))].sort(
    (a, b) => (layerOrder.get(a) ?? 0) - (layerOrder.get(b) ?? 0),
  );
  const columns = layers.map((l) =>
    graph.nodes.filter((n) => n.layer === l).sort((a, b) => b.relevance - a.relevance),
  );
  const rows = Math.max(1, ...columns.map((c) => c.length));
  const width = layers.length * COL_W;
  const height = TOP + rows * ROW_H;
  const where = new Map<string, { x: number; y: number }>();
  columns.forEach((col, i) => {
    const offset = ((rows - col.length) * ROW_H) / 2;
    col.forEach((n, j) => {
      where.set(n.id, { x: COL_W / 2 + i * COL_W, y: TOP + offset + ROW_H / 2 + j * ROW_H });
    });
  });
  const maxRel = Math.max(1e-12, ...graph.nodes.map((n) => Math.abs(n.relevance)));
  const maxW = Math.max(1e-12, ...graph.edges.map((e) => Math.abs(e.weight)));
  const root = `${graph.layer}:${graph.channel}`;

  const chart = svg('svg', {
    class: 'graph',
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': `attribution graph of ${graph.layer} #${graph.channel} on sample ${graph.sample}`,
  });
  layers.forEach((l, i) => {
    chart.append(
      svg('text', { x: COL_W / 2 + i * COL_W, y: 16, 'text-anchor': 'middle', class: 'column' }, l),
    );
  });
  const edges = svg('g', { class: 'edges' });
  for (const e of graph.edges) {
    const a = where.get(e.from)!;
    const b = where.get(e.to)!;
    const mid = (a.x + b.x) / 2;
    edges.append(
      svg(
        'path',
        {
          d: `M${a.x},${a.y} C${mid},${a.y} ${mid},${b.y} ${b.x},${b.y}`,
          class: e.weight >= 0 ? 'edge pos' : 'edge neg',
          'stroke-width': (0.6 + (5 * Math.abs(e.weight)) / maxW).toFixed(2),
          'data-from': e.from,
          'data-to': e.to,
        },
        svg('title', {}, `${e.from} → ${e.to}: ${fmt(e.weight)}`),
      ),
    );
  }
  chart.append(edges);
  for (const n of graph.nodes) {
    const { x, y } = where.get(n.id)!;
    const r = 5 + (9 * Math.abs(n.relevance)) / maxRel;
    const linked = mined(n.layer, n.channel);
    const body = [
      // one target for the circle, its label and the gap between them
      svg('rect', { x: x - 15, y: y - 15, width: 60, height: 30, class: 'hit' }),
      svg('circle', { cx: x, cy: y, r, class: n.relevance >= 0 ? 'pos' : 'neg' }),
      svg('text', { x: x + 18, y: y + 4, class: 'node-label' }, `#${n.channel}`),
      svg(
        'title',
        {},
        `${n.layer} #${n.channel}: relevance ${fmt(n.relevance)}${linked ? '' : ' (not mined: no atlas entry)'}`,
      ),
    ];
    const cls = `graph-node${n.id === root ? ' root' : ''}${linked ? '' : ' unmined'}`;
    chart.append(
      linked
        ? svg('a', { href: conceptHash(n.layer, n.channel), class: cls, 'data-node': n.id }, ...body)
        : svg('g', { class: cls, 'data-node': n.id }, ...body),
    );
  }
  return chart;
}
