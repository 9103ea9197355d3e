// The atlas page (index.html): a header with the layers and the class search, and one view in <main> chosen by
// the URL hash, so links, back and forward work from file:// without a server.
import { classHash, layerHash, parseRoute } from '../routes.js';
import { h } from './dom.js';
import { atlasDataOrFail } from './global.js';
import { Atlas, classView, conceptView, homeView, layerView } from './views.js';

function header(atlas: Atlas): HTMLElement {
  const select = h(
    'select',
    { id: 'class-search', 'aria-label': 'concepts for class' },
    h('option', { value: '' }, 'concepts for class…'),
    ...atlas.data.classNames.map((n, k) => h('option', { value: k }, n)),
  );
  select.addEventListener('change', () => {
    if (select.value !== '') location.hash = classHash(Number(select.value));
    select.value = '';
  });
  const live = document.body.dataset.live === 'true';
  return h(
    'header',
    {},
    h('h1', {}, h('a', { href: '#/' }, 'Concept atlas'), h('span', { class: 'model' }, atlas.data.model)),
    h(
      'nav',
      { 'aria-label': 'layers' },
      ...atlas.data.layers.map((l) => h('a', { href: layerHash(l.name), 'data-layer': l.name }, l.name)),
      select,
      live ? h('a', { href: 'live.html', class: 'live-link' }, 'explain an image') : null,
    ),
  );
}

function main(): void {
  const data = atlasDataOrFail();
  if (!data) return;
  const atlas = new Atlas(data);
  document.title = `Concept atlas · ${data.model}`;
  const view = h('main', { id: 'view' });
  document.body.replaceChildren(header(atlas), view);
  const render = () => {
    const route = parseRoute(location.hash);
    const el =
      route.view === 'layer'
        ? layerView(atlas, route.layer)
        : route.view === 'concept'
          ? conceptView(atlas, route.layer, route.channel)
          : route.view === 'class'
            ? classView(atlas, route.class, route.by)
            : homeView(atlas);
    view.replaceChildren(el);
    document.body.dataset.view = route.view;
    document.querySelectorAll('header nav a[data-layer]').forEach((a) => {
      const here =
        route.view !== 'home' && 'layer' in route && route.layer === (a as HTMLElement).dataset.layer;
      if (here) a.setAttribute('aria-current', 'true');
      else a.removeAttribute('aria-current');
    });
    window.scrollTo(0, 0);
    document.body.dataset.route = location.hash;
    document.body.dataset.ready = 'true';
  };
  window.addEventListener('hashchange', render);
  render();
}

main();
