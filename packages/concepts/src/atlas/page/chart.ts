// The per-class relevance of a concept as a horizontal bar chart (SVG, scales with its box): a bar for the mean
// relevance, a tick for the maximum, one row per class; each class name links to that class's search.
import type { AtlasData } from '../data.js';
import { classHash } from '../routes.js';
import { fmt, svg } from './dom.js';

type Concept = AtlasData['concepts'][number];

/** The chart; `compact` leaves out the values (for the cards of a layer page). */
export function classChart(concept: Concept, classNames: readonly string[], compact = false): SVGSVGElement {
  const stats = new Map(concept.classes.map((s) => [s.class, s]));
  const rowH = compact ? 12 : 20;
  const labelW = compact ? 70 : 96;
  const valueW = compact ? 0 : 110;
  const width = compact ? 240 : 440;
  const barW = width - labelW - valueW - 8;
  const values = concept.classes.flatMap((s) => [s.mean, s.max]);
  const lo = Math.min(0, ...values);
  const hi = Math.max(0, ...values);
  const span = hi - lo || 1;
  const x = (v: number) => labelW + ((v - lo) / span) * barW;
  const height = classNames.length * rowH + 4;
  const chart = svg('svg', {
    class: compact ? 'class-chart compact' : 'class-chart',
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': `relevance of ${concept.layer} #${concept.channel} per class`,
  });
  classNames.forEach((name, k) => {
    const s = stats.get(k);
    const y = 2 + k * rowH;
    const row = svg('g', { class: 'class-row', 'data-class': k });
    const label = svg(
      'text',
      { x: labelW - 6, y: y + rowH * 0.72, 'text-anchor': 'end', class: 'label' },
      name.length > 12 ? `${name.slice(0, 11)}…` : name,
    );
    row.append(compact ? label : svg('a', { href: classHash(k) }, label));
    if (s && s.count > 0) {
      const x0 = x(Math.min(0, s.mean));
      row.append(
        svg(
          'rect',
          {
            x: x0,
            y: y + rowH * 0.15,
            width: Math.max(0.5, Math.abs(x(s.mean) - x(0))),
            height: rowH * 0.7,
            class: s.mean >= 0 ? 'bar pos' : 'bar neg',
          },
          svg('title', {}, `${name}: mean ${fmt(s.mean)}, max ${fmt(s.max)} over ${s.count} samples`),
        ),
        svg('line', { x1: x(s.max), x2: x(s.max), y1: y + 1, y2: y + rowH - 1, class: 'max' }),
      );
      if (!compact)
        row.append(
          svg(
            'text',
            { x: width - valueW + 4, y: y + rowH * 0.72, class: 'value' },
            `${fmt(s.mean)} / ${fmt(s.max)} (${s.count})`,
          ),
        );
    }
    chart.append(row);
  });
  chart.append(svg('line', { x1: x(0), x2: x(0), y1: 0, y2: height, class: 'zero' }));
  return chart;
}
