/**
 * Explains the shipped demo CNN on a few images of its dataset with LRP (EpsilonPlusFlat) and writes, per image,
 * the input and its heatmap side by side, plus one montage of all of them. No network, no files to fetch.
 *
 *   node dist/demo-model.js [--out out/demo-model] [--n 4] [--seed 3]
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { analyze } from '@xai-ts/base';
import { heatmap, tensorToImages } from '@xai-ts/heatmap';
import { montage, writePNG } from '@xai-ts/heatmap/node';
import { EpsilonPlusFlat, LRP } from '@xai-ts/lrp';
import { localizationMetrics } from '@xai-ts/metrics';
import { DEMO_CLASS_NAMES, demoDataset, loadDemoModel } from '@xai-ts/zoo';
import { fixed, outputDir, setupBackend } from './common.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'out/demo-model' },
    n: { type: 'string', default: '4' },
    seed: { type: 'string', default: '3' },
  },
});
const n = Number(values.n);
const seed = Number(values.seed);

const backend = await setupBackend();
const out = await outputDir(values.out);

const model = await loadDemoModel();
const { images, labels, masks } = demoDataset({ n, seed });

// The analyzer is built once (rules resolved, modified weights precomputed) and then explains any batch.
const lrp = new LRP(model, new EpsilonPlusFlat());
console.log(lrp.toString());

const expl = analyze(images, lrp); // each image's predicted class
const predicted = expl.outputSelection;
const maps = heatmap(expl); // blue-white-red: negative, zero, positive relevance
const inputs = tensorToImages(images, { range: [0, 1] });
const scores = localizationMetrics(expl, masks);

console.log(`\nbackend: ${backend}`);
for (let i = 0; i < n; i++) {
  const file = `${out}/sample-${i}.png`;
  await writePNG(file, montage([[inputs[i]!, maps[i]!]], { scale: 4, columnLabels: ['input', 'LRP'] }));
  const truth = DEMO_CLASS_NAMES[labels[i]!];
  const guess = DEMO_CLASS_NAMES[predicted[i]!];
  const mass = fixed(scores.relevanceMassAccuracy.perSample[i]!);
  console.log(`sample ${i}: a ${truth}, predicted ${guess}; relevance on the object ${mass} -> ${file}`);
}

const sheet = montage(
  inputs.map((img, i) => [img, maps[i]!]),
  {
    scale: 4,
    columnLabels: ['input', 'EpsilonPlusFlat'],
    rowLabels: labels.map((l) => DEMO_CLASS_NAMES[l]!),
  },
);
await writePNG(`${out}/montage.png`, sheet);
console.log(`mean relevance mass accuracy ${fixed(scores.relevanceMassAccuracy.mean)}`);
console.log(`wrote ${n} heatmaps and ${out}/montage.png`);

expl.dispose();
lrp.dispose();
tf.dispose([images, masks]);
model.dispose();
