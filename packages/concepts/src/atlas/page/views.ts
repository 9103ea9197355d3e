// The atlas's views, one function each, every one a fresh element for <main>: the overview, a layer's channels, a
// concept's entry, and the class search.
import type { AtlasData } from '../data.js';
import { classHash, conceptHash, layerHash, rankConceptsForClass } from '../routes.js';
import { classChart } from './chart.js';
import { fmt, h, tabs } from './dom.js';
import { attributionGraph } from './graph.js';
import { crop, framed } from './images.js';

type Concept = AtlasData['concepts'][number];
type Top = Concept['relMax'][number];

/** The data with its look-up tables. */
export class Atlas {
  readonly layerOrder: Map<string, number>;
  readonly #samples: Map<number, AtlasData['samples'][number]>;
  readonly #concepts: Map<string, Concept>;

  constructor(readonly data: AtlasData) {
    this.layerOrder = new Map(data.layers.map((l, i) => [l.name, i]));
    this.#samples = new Map(data.samples.map((s) => [s.index, s]));
    this.#concepts = new Map(data.concepts.map((c) => [`${c.layer}:${c.channel}`, c]));
  }

  sample(index: number) {
    return this.#samples.get(index)!;
  }

  concept(layer: string, channel: number): Concept | undefined {
    return this.#concepts.get(`${layer}:${channel}`);
  }

  conceptsOf(layer: string): Concept[] {
    return this.data.concepts.filter((c) => c.layer === layer).sort((a, b) => a.channel - b.channel);
  }

  className(k: number | null): string {
    return k === null ? 'unlabelled' : (this.data.classNames[k] ?? `class ${k}`);
  }
}

const title = (c: { layer: string; channel: number }) => `${c.layer} #${c.channel}`;

export function homeView(atlas: Atlas): HTMLElement {
  const { data } = atlas;
  return h(
    'section',
    { class: 'home' },
    h('h2', {}, 'Overview'),
    h(
      'p',
      {},
      `${data.concepts.length} concepts mined on ${data.layers.length} layer${data.layers.length === 1 ? '' : 's'} of `,
      h('strong', {}, data.model),
      `, from ${data.samples.length} samples and ${data.classNames.length} classes.`,
    ),
    h(
      'table',
      { class: 'layers' },
      h('thead', {}, h('tr', {}, h('th', {}, 'layer'), h('th', {}, 'channels'), h('th', {}, 'mined'))),
      h(
        'tbody',
        {},
        ...data.layers.map((l) =>
          h(
            'tr',
            {},
            h('td', {}, h('a', { href: layerHash(l.name) }, l.name)),
            h('td', {}, l.channels),
            h('td', {}, atlas.conceptsOf(l.name).length),
          ),
        ),
      ),
    ),
    h('h3', {}, 'Which concepts matter for a class?'),
    h(
      'ul',
      { class: 'chips' },
      ...data.classNames.map((name, k) => h('li', {}, h('a', { href: classHash(k) }, name))),
    ),
  );
}

/** A row of crops of the top samples; `large` adds the whole image with the box and a caption. */
function topList(
  atlas: Atlas,
  c: Concept,
  list: 'relMax' | 'actMax',
  large: boolean,
  limit: number,
): HTMLElement {
  const tops: Top[] = c[list].slice(0, limit);
  const what = list === 'relMax' ? 'relevance' : 'activation';
  if (tops.length === 0)
    return h('p', { class: 'empty' }, `no ${list === 'relMax' ? 'RelMax' : 'ActMax'} samples`);
  return h(
    'ol',
    { class: large ? 'tops large' : 'tops' },
    ...tops.map((t, rank) => {
      const s = atlas.sample(t.sample);
      const label = `${title(c)}, ${list} ${rank + 1}: sample ${s.id}, ${what} ${fmt(t.value)}`;
      return h(
        'li',
        { 'data-sample': t.sample, title: label },
        large ? framed(s, t.box, `${label}, whole image`) : null,
        crop(s, t.box, label),
        large
          ? h(
              'p',
              { class: 'caption' },
              `${s.id} · ${what} ${fmt(t.value)} · `,
              h('span', {}, `label ${atlas.className(s.label)}, predicted ${atlas.className(s.predicted)}`),
            )
          : h('span', { class: 'value' }, fmt(t.value)),
      );
    }),
  );
}

export function layerView(atlas: Atlas, layer: string): HTMLElement {
  const info = atlas.data.layers.find((l) => l.name === layer);
  if (!info) return missing(`The atlas has no layer '${layer}'.`);
  const concepts = atlas.conceptsOf(layer);
  return h(
    'section',
    { class: 'layer', 'data-layer': layer },
    h('h2', {}, `Layer ${layer}`),
    h(
      'p',
      {},
      `${concepts.length} of ${info.channels} channels mined; the crops are each sample's receptive field.`,
    ),
    h(
      'div',
      { class: 'cards' },
      ...concepts.map((c) =>
        h(
          'article',
          { class: 'concept-card', 'data-layer': c.layer, 'data-channel': c.channel },
          h('h3', {}, h('a', { href: conceptHash(c.layer, c.channel) }, title(c))),
          tabs(`top samples of ${title(c)}`, [
            { label: 'RelMax', content: topList(atlas, c, 'relMax', false, 6) },
            { label: 'ActMax', content: topList(atlas, c, 'actMax', false, 6) },
          ]),
          classChart(c, atlas.data.classNames, true),
        ),
      ),
    ),
  );
}

export function conceptView(atlas: Atlas, layer: string, channel: number): HTMLElement {
  const c = atlas.concept(layer, channel);
  if (!c) return missing(`The atlas has no entry for ${layer} #${channel}: that channel was not mined.`);
  const siblings = atlas.conceptsOf(layer);
  const at = siblings.indexOf(c);
  const prev = siblings[at - 1];
  const next = siblings[at + 1];
  const graphs = atlas.data.graphs.filter((g) => g.layer === layer && g.channel === channel);
  const graphBox = h('div', { class: 'graph-box' });
  const mined = (l: string, ch: number) => atlas.concept(l, ch) !== undefined;
  const showGraph = (i: number) => {
    const g = graphs[i]!;
    const s = atlas.sample(g.sample);
    graphBox.replaceChildren(
      h('p', { class: 'caption' }, `on sample ${s.id} (label ${atlas.className(s.label)})`),
      attributionGraph(g, atlas.layerOrder, mined),
    );
    chooser.querySelectorAll('button').forEach((b, j) => {
      b.setAttribute('aria-pressed', String(j === i));
    });
  };
  const chooser = h(
    'div',
    { class: 'chooser' },
    ...graphs.map((g, i) => {
      const b = h(
        'button',
        { type: 'button', 'data-sample': g.sample },
        `sample ${atlas.sample(g.sample).id}`,
      );
      b.addEventListener('click', () => showGraph(i));
      return b;
    }),
  );
  const view = h(
    'section',
    { class: 'concept', 'data-layer': layer, 'data-channel': channel },
    h(
      'nav',
      { class: 'pager' },
      prev
        ? h('a', { href: conceptHash(prev.layer, prev.channel), rel: 'prev' }, `← #${prev.channel}`)
        : null,
      h('a', { href: layerHash(layer) }, `all of ${layer}`),
      next
        ? h('a', { href: conceptHash(next.layer, next.channel), rel: 'next' }, `#${next.channel} →`)
        : null,
    ),
    h('h2', {}, title(c)),
    tabs(`top samples of ${title(c)}`, [
      { label: 'RelMax', content: topList(atlas, c, 'relMax', true, Number.POSITIVE_INFINITY) },
      { label: 'ActMax', content: topList(atlas, c, 'actMax', true, Number.POSITIVE_INFINITY) },
    ]),
    h('h3', {}, 'Relevance per class'),
    h(
      'p',
      { class: 'hint' },
      'bar: mean relevance, tick: maximum, over the samples of each class (count in brackets)',
    ),
    classChart(c, atlas.data.classNames),
    h('h3', {}, 'Attribution graph'),
    graphs.length === 0
      ? h('p', { class: 'empty' }, 'No attribution graph was computed for this concept.')
      : h(
          'div',
          {},
          h('p', { class: 'hint' }, 'which lower channels carry its relevance; click a channel to open it'),
          graphs.length > 1 ? chooser : null,
          graphBox,
        ),
  );
  if (graphs.length > 0) showGraph(0);
  return view;
}

export function classView(atlas: Atlas, k: number, by: 'mean' | 'max'): HTMLElement {
  const name = atlas.data.classNames[k];
  if (name === undefined) return missing(`The atlas has no class ${k}.`);
  const ranked = rankConceptsForClass(atlas.data, k, by);
  const top = Math.max(1e-12, ...ranked.map((r) => Math.abs(r[by])));
  const select = h(
    'select',
    { id: 'class-select', 'aria-label': 'class' },
    ...atlas.data.classNames.map((n, i) => h('option', { value: i, selected: i === k }, n)),
  );
  select.addEventListener('change', () => {
    location.hash = classHash(Number(select.value), by);
  });
  return h(
    'section',
    { class: 'class-view', 'data-class': k, 'data-by': by },
    h('h2', {}, `Concepts for class ${name}`),
    h(
      'div',
      { class: 'controls' },
      h('label', {}, 'class ', select),
      h(
        'span',
        { class: 'rank-by' },
        'rank by ',
        h('a', { href: classHash(k, 'mean'), 'aria-current': by === 'mean' ? 'true' : undefined }, 'mean'),
        ' · ',
        h('a', { href: classHash(k, 'max'), 'aria-current': by === 'max' ? 'true' : undefined }, 'max'),
        ' relevance',
      ),
    ),
    ranked.length === 0
      ? h('p', { class: 'empty' }, `No mined concept has statistics for ${name}.`)
      : h(
          'ol',
          { class: 'ranking' },
          ...ranked.map((r) =>
            h(
              'li',
              { 'data-layer': r.layer, 'data-channel': r.channel },
              h('a', { href: conceptHash(r.layer, r.channel) }, title(r)),
              h(
                'span',
                { class: 'meter' },
                h('span', { style: `width:${Math.max(0, (100 * r[by]) / top)}%` }),
              ),
              h('span', { class: 'value' }, `mean ${fmt(r.mean)} · max ${fmt(r.max)} · ${r.count} samples`),
            ),
          ),
        ),
  );
}

export function missing(message: string): HTMLElement {
  return h(
    'section',
    { class: 'missing' },
    h('h2', {}, 'Not found'),
    h('p', {}, message),
    h('a', { href: '#/' }, 'overview'),
  );
}
