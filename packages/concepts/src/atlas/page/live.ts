// The live page (live.html): explain an uploaded image with the demo CNN of @xai-ts/zoo, in the browser on TF.js's
// cpu backend (no .wasm file to fetch from file://), and link the channels that carry the prediction's relevance to
// their atlas entries. Per mined layer, CRP ranks the channels by their relevance for the predicted class
// (TopNFeatures) and draws each one's conditional heatmap.
import * as tf from '@tensorflow/tfjs';
import { analyze, TopNFeatures } from '@xai-ts/base';
import { CRP, type CRPExplanation } from '@xai-ts/crp';
import { drawHeatmap, heatmap } from '@xai-ts/heatmap';
import { EpsilonPlusFlat, LRP } from '@xai-ts/lrp';
import { DEMO_CLASS_NAMES, decodeImage, loadDemoModel } from '@xai-ts/zoo';
import type { AtlasData } from '../data.js';
import { conceptHash } from '../routes.js';
import { fmt, h } from './dom.js';
import { atlasDataOrFail } from './global.js';
import { crop } from './images.js';
import { Atlas } from './views.js';

/** Channels listed per layer. */
const TOP = 5;
const SIZE = 32;

/** The atlas layers the demo model lacks, or whose channel count differs: the page cannot explain for those. */
function mismatches(model: tf.LayersModel, data: AtlasData): string[] {
  const wrong: string[] = [];
  for (const l of data.layers) {
    const layer = model.layers.find((x) => x.name === l.name);
    const shape = layer?.outputShape as (number | null)[] | undefined;
    if (!layer) wrong.push(`${l.name} (not in the demo CNN)`);
    else if (shape?.at(-1) !== l.channels)
      wrong.push(`${l.name} (${l.channels} channels here, ${shape?.at(-1)} in the demo CNN)`);
  }
  return wrong;
}

function canvasOf(map: { width: number; height: number; data: Uint8ClampedArray }, label: string) {
  const canvas = h('canvas', { class: 'map', role: 'img', 'aria-label': label });
  drawHeatmap(canvas, map);
  return canvas;
}

function inputTensor(bytes: Uint8Array): tf.Tensor4D {
  const px = decodeImage(bytes);
  return tf.tidy(() => {
    const rgba = tf.tensor3d(Float32Array.from(px.data), [px.height, px.width, px.channels ?? 4]);
    const rgb = rgba.slice([0, 0, 0], [px.height, px.width, 3]).div(255) as tf.Tensor3D;
    const sized =
      px.height === SIZE && px.width === SIZE ? rgb : tf.image.resizeBilinear(rgb, [SIZE, SIZE], true);
    return sized.expandDims(0) as tf.Tensor4D;
  });
}

async function main(): Promise<void> {
  const data = atlasDataOrFail();
  if (!data) return;
  const atlas = new Atlas(data);
  document.title = `Explain an image · concept atlas · ${data.model}`;
  const status = h('p', { id: 'status', role: 'status' }, 'loading the demo CNN…');
  const upload = h('input', { type: 'file', id: 'upload', accept: 'image/png,image/jpeg', disabled: true });
  const result = h('section', { id: 'result', 'data-state': 'idle' });
  document.body.replaceChildren(
    h(
      'header',
      {},
      h(
        'h1',
        {},
        h('a', { href: 'index.html#/' }, 'Concept atlas'),
        h('span', { class: 'model' }, data.model),
      ),
      h('nav', {}, h('a', { href: 'index.html#/' }, 'back to the atlas')),
    ),
    h(
      'main',
      { id: 'view' },
      h('h2', {}, 'Explain an image'),
      h(
        'p',
        {},
        'Choose a PNG or JPEG: the demo CNN classifies it (scaled to 32×32), LRP (EpsilonPlusFlat) explains the ',
        'prediction, and CRP ranks the channels of each mined layer by their relevance for it. Nothing leaves ',
        'your browser.',
      ),
      h('label', { class: 'upload' }, 'image ', upload),
      status,
      result,
    ),
  );

  await tf.setBackend('cpu');
  await tf.ready();
  const model = await loadDemoModel();
  const wrong = mismatches(model, data);
  document.body.dataset.backend = tf.getBackend();
  if (wrong.length > 0) {
    status.textContent = `This atlas was not mined from the demo CNN, which this page runs: ${wrong.join(', ')}.`;
    document.body.dataset.live = 'unavailable';
    document.body.dataset.ready = 'true';
    return;
  }
  const lrp = new LRP(model, new EpsilonPlusFlat());
  upload.disabled = false;
  status.textContent = 'ready: choose an image';
  document.body.dataset.ready = 'true';

  let runs = 0;
  upload.addEventListener('change', async () => {
    const file = upload.files?.[0];
    if (!file) return;
    const run = ++runs;
    result.dataset.state = 'running';
    status.textContent = `explaining ${file.name}…`;
    let x: tf.Tensor4D | undefined;
    try {
      x = inputTensor(new Uint8Array(await file.arrayBuffer()));
      const sections = await explain(atlas, model, lrp, x);
      if (run !== runs) return; // a newer upload took over
      result.replaceChildren(...sections.children);
      result.dataset.predicted = sections.dataset.predicted!;
      result.dataset.state = 'done';
      status.textContent = `explained ${file.name}`;
    } catch (e) {
      if (run !== runs) return;
      result.replaceChildren();
      result.dataset.state = 'error';
      status.textContent = `could not explain ${file.name}: ${(e as Error).message}`;
    } finally {
      x?.dispose();
    }
  });
}

async function explain(atlas: Atlas, model: tf.LayersModel, lrp: LRP, x: tf.Tensor4D): Promise<HTMLElement> {
  const probs = tf.tidy(() => tf.softmax(model.predict(x) as tf.Tensor2D));
  const p = Array.from(await probs.data());
  probs.dispose();
  const predicted = p.indexOf(Math.max(...p));
  const name = DEMO_CLASS_NAMES[predicted] ?? `class ${predicted}`;

  const expl = analyze(x, lrp, predicted);
  const [lrpMap] = heatmap(expl);
  expl.dispose();
  const rgba = tf.tidy(() => {
    const rgb = x.squeeze([0]).mul(255).round().clipByValue(0, 255);
    return tf.concat([rgb, tf.fill([SIZE, SIZE, 1], 255)], -1).cast('int32');
  });
  const inputCanvas = canvasOf(
    { width: SIZE, height: SIZE, data: Uint8ClampedArray.from(await rgba.data()) },
    'the image, 32×32',
  );
  rgba.dispose();
  const out = h('div', { 'data-predicted': predicted });
  out.append(
    h(
      'div',
      { class: 'prediction' },
      h('figure', {}, inputCanvas, h('figcaption', {}, 'input')),
      h('figure', {}, canvasOf(lrpMap!, `LRP heatmap for ${name}`), h('figcaption', {}, 'LRP')),
      h(
        'div',
        {},
        h(
          'p',
          { class: 'predicted' },
          'predicted ',
          h('strong', {}, name),
          ` (${(100 * p[predicted]!).toFixed(1)} %)`,
        ),
        h(
          'ol',
          { class: 'probs' },
          ...DEMO_CLASS_NAMES.map((n, k) =>
            h('li', { 'data-class': k }, `${n}: ${(100 * p[k]!).toFixed(1)} %`),
          ),
        ),
      ),
    ),
  );

  for (const layer of atlas.data.layers) {
    const k = Math.min(TOP, layer.channels);
    const crp = new CRP(lrp, layer.name, new TopNFeatures(k));
    const e = analyze(x, crp, predicted) as CRPExplanation;
    const maps = heatmap(e.val, { preset: 'attribution' });
    const features = e.extras.features[0]!;
    const relevance = e.extras.featureRelevance[0]!;
    e.dispose();
    out.append(
      h(
        'section',
        { class: 'live-layer', 'data-layer': layer.name },
        h('h3', {}, `${layer.name}: the ${k} most relevant channels for ${name}`),
        h(
          'ol',
          { class: 'live-concepts' },
          ...features.map((channel, j) => {
            const concept = atlas.concept(layer.name, channel);
            const top = concept?.relMax[0];
            const label = `${layer.name} #${channel}`;
            return h(
              'li',
              { 'data-layer': layer.name, 'data-channel': channel },
              canvasOf(maps[j]!, `CRP heatmap of ${label}`),
              h(
                'div',
                {},
                concept
                  ? h(
                      'a',
                      { href: `index.html${conceptHash(layer.name, channel)}`, class: 'concept-link' },
                      label,
                    )
                  : h('span', { class: 'unmined' }, `${label} (not mined)`),
                h('p', { class: 'value' }, `relevance ${fmt(relevance[j]!)}`),
              ),
              top
                ? h(
                    'figure',
                    { class: 'atlas-top' },
                    crop(atlas.sample(top.sample), top.box, `top RelMax sample of ${label} in the atlas`),
                    h('figcaption', {}, 'in the atlas'),
                  )
                : null,
            );
          }),
        ),
      ),
    );
  }
  return out;
}

void main();
