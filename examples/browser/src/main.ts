import * as tf from '@tensorflow/tfjs';
import { type Analyzer, analyze } from '@xai-ts/base';
import { drawHeatmap, type Heatmap, heatmap, tensorToImages } from '@xai-ts/heatmap';
import { DEMO_CLASS_NAMES, demoDataset, loadDemoModel } from '@xai-ts/zoo';
import { CHOICES } from './analyzers.js';
import { chooseBackend } from './backend.js';
import { drawingPad } from './draw.js';
import { SAMPLES } from './samples.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $<HTMLParagraphElement>('status');
const heatmapCanvas = $<HTMLCanvasElement>('heatmap');
const analyzerSelect = $<HTMLSelectElement>('analyzer');
const targetSelect = $<HTMLSelectElement>('target');

function setStatus(state: 'busy' | 'done' | 'error', text: string) {
  status.dataset.state = state;
  heatmapCanvas.dataset.state = state;
  status.textContent = text;
}

const backend = await chooseBackend(new URLSearchParams(location.search).get('backend'));
$('backend').textContent = `TensorFlow.js backend: ${backend}.`;
document.body.dataset.backend = backend;

const model = await loadDemoModel();
const { images, labels, masks } = demoDataset(SAMPLES);
masks.dispose();

// The current input: one of the demo images, or the drawing. The page owns it.
let input: tf.Tensor4D = tf.slice(images, [0, 0, 0, 0], [1, -1, -1, -1]);
let inputName = `demo image 0 (a ${DEMO_CLASS_NAMES[labels[0]!]})`;
const cache = new Map<string, Analyzer>();

for (const c of CHOICES) analyzerSelect.add(new Option(c.label, c.id));
targetSelect.add(new Option('the predicted class', 'predicted'));
DEMO_CLASS_NAMES.forEach((name, i) => {
  targetSelect.add(new Option(`${i}: ${name}`, String(i)));
});

// The demo images, as buttons.
const samples = $('samples');
tensorToImages(images, { range: [0, 1] }).forEach((img, i) => {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'sample';
  button.dataset.index = String(i);
  button.setAttribute('role', 'option');
  button.setAttribute('aria-selected', String(i === 0));
  button.title = `demo image ${i}: ${DEMO_CLASS_NAMES[labels[i]!]}`;
  const canvas = document.createElement('canvas');
  drawHeatmap(canvas, img);
  const caption = document.createElement('span');
  caption.textContent = DEMO_CLASS_NAMES[labels[i]!]!;
  button.append(canvas, caption);
  button.addEventListener('click', () => {
    for (const b of samples.querySelectorAll('.sample'))
      b.setAttribute('aria-selected', String(b === button));
    setInput(
      tf.slice(images, [i, 0, 0, 0], [1, -1, -1, -1]),
      `demo image ${i} (a ${DEMO_CLASS_NAMES[labels[i]!]})`,
    );
  });
  samples.append(button);
});

const pad = drawingPad(
  $<HTMLCanvasElement>('draw'),
  () => $<HTMLInputElement>('brush-colour').value,
  () => Number($<HTMLInputElement>('brush-size').value),
  () => useDrawing(), // each stroke explains the drawing anew
);
function useDrawing() {
  for (const b of samples.querySelectorAll('.sample')) b.setAttribute('aria-selected', 'false');
  setInput(pad.toTensor(32), 'your drawing');
}
$('clear').addEventListener('click', () => pad.clear());
$('use-drawing').addEventListener('click', useDrawing);
analyzerSelect.addEventListener('change', () => void explain());
targetSelect.addEventListener('change', () => void explain());

function setInput(x: tf.Tensor4D, name: string) {
  input.dispose();
  input = x;
  inputName = name;
  void explain();
}

// One explanation at a time; a change during a run starts one more run afterwards.
let running = false;
let again = false;
async function explain(): Promise<void> {
  if (running) {
    again = true;
    return;
  }
  running = true;
  try {
    do {
      again = false;
      await explainOnce();
    } while (again);
  } finally {
    running = false;
  }
}

async function explainOnce(): Promise<void> {
  const choice = CHOICES.find((c) => c.id === analyzerSelect.value) ?? CHOICES[0]!;
  $('about').textContent = choice.about;
  setStatus('busy', `Explaining ${inputName} with ${choice.label}…`);
  await tf.nextFrame(); // let the page show it
  try {
    const start = performance.now();
    let analyzer = cache.get(choice.id);
    if (!analyzer) {
      analyzer = choice.make(model);
      cache.set(choice.id, analyzer);
    }
    const target = targetSelect.value === 'predicted' ? undefined : Number(targetSelect.value);
    const expl = analyze(input, analyzer, target);
    const explained = expl.outputSelection[0]!;
    let maps: Heatmap[];
    if (choice.features)
      maps = heatmap(expl.val, { processBatch: true }); // one map per concept
    else if (expl.heatmap === 'cam') maps = heatmap(expl, { image: input, imageRange: [0, 1] });
    else maps = heatmap(expl);
    const extras = expl.extras as { features?: number[][]; featureRelevance?: number[][] };
    expl.dispose();
    const ms = performance.now() - start;

    drawHeatmap($<HTMLCanvasElement>('input-view'), tensorToImages(input, { range: [0, 1] })[0]!);
    drawHeatmap(heatmapCanvas, maps[0]!);
    showConcepts(maps, extras.features?.[0], extras.featureRelevance?.[0]);
    $('heatmap-caption').textContent = choice.features ? 'heatmap of the top concept' : 'heatmap';
    showPredictions(explained);
    heatmapCanvas.dataset.analyzer = choice.id;
    heatmapCanvas.dataset.explained = String(explained);
    setStatus(
      'done',
      `${choice.label}: the evidence for "${DEMO_CLASS_NAMES[explained]}" (class ${explained}) in ${inputName}, ${ms.toFixed(0)} ms on ${backend}.`,
    );
  } catch (e) {
    console.error(e);
    setStatus('error', `${choice.label} failed: ${(e as Error).message}`);
  }
}

function showConcepts(maps: Heatmap[], features?: number[], relevance?: number[]) {
  const box = $('concepts');
  box.replaceChildren();
  if (!features) return;
  maps.forEach((map, k) => {
    const figure = document.createElement('figure');
    const canvas = document.createElement('canvas');
    canvas.className = 'concept';
    drawHeatmap(canvas, map);
    const caption = document.createElement('figcaption');
    caption.textContent = `channel ${features[k]}: ${relevance?.[k]?.toFixed(3)}`;
    figure.append(canvas, caption);
    box.append(figure);
  });
}

function showPredictions(explained: number) {
  const probs = tf.tidy(() => (model.predict(input) as tf.Tensor).softmax().dataSync());
  const table = $<HTMLTableElement>('predictions');
  table.replaceChildren();
  const top = probs.indexOf(Math.max(...probs));
  DEMO_CLASS_NAMES.forEach((name, i) => {
    const row = table.insertRow();
    if (i === top) row.className = 'top';
    if (i === explained) row.classList.add('explained');
    row.insertCell().textContent = name;
    const bar = document.createElement('div');
    bar.className = 'bar';
    bar.style.width = `${(100 * probs[i]!).toFixed(1)}%`;
    row.insertCell().append(bar);
    row.insertCell().textContent = `${(100 * probs[i]!).toFixed(1)} %`;
  });
}

document.body.dataset.ready = 'true';
await explain();
