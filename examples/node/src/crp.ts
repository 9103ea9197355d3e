/**
 * Concept Relevance Propagation on the demo CNN: for each image, the four channels of `conv3` that carry the most
 * relevance for the predicted class, and one heatmap per channel ("which pixels made this channel count").
 * Writes a montage: one row per image, the LRP heatmap, then the four concept heatmaps.
 *
 *   node dist/crp.js [--out out/crp] [--layer conv3] [--features 4]
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { analyze, TopNFeatures } from '@xai-ts/base';
import { CRP } from '@xai-ts/crp';
import { heatmap, tensorToImages } from '@xai-ts/heatmap';
import { montage, writePNG } from '@xai-ts/heatmap/node';
import { EpsilonPlusFlat, LRP } from '@xai-ts/lrp';
import { DEMO_CLASS_NAMES, demoDataset, loadDemoModel } from '@xai-ts/zoo';
import { fixed, outputDir, setupBackend } from './common.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'out/crp' },
    layer: { type: 'string', default: 'conv3' },
    features: { type: 'string', default: '4' },
    n: { type: 'string', default: '3' },
    seed: { type: 'string', default: '11' },
  },
});
const k = Number(values.features);
const n = Number(values.n);

await setupBackend();
const out = await outputDir(values.out);
const model = await loadDemoModel();
const { images, labels, masks } = demoDataset({ n, seed: Number(values.seed) });

const lrp = new LRP(model, new EpsilonPlusFlat());
const crp = new CRP(lrp, values.layer, new TopNFeatures(k));

const lrpExpl = analyze(images, lrp);
const crpExpl = analyze(images, crp); // val: [k * n, 32, 32, 3], feature-major
const { features, featureRelevance } = crpExpl.extras;

// One colour scale per row (processBatch on each row's maps), so the concepts of an image compare with each other.
const inputs = tensorToImages(images, { range: [0, 1] });
const lrpMaps = heatmap(lrpExpl);
const rows = [];
for (let i = 0; i < n; i++) {
  const rowIdx = Array.from({ length: k }, (_, f) => f * n + i);
  const rowVal = tf.gather(crpExpl.val, rowIdx);
  rows.push([inputs[i]!, lrpMaps[i]!, ...heatmap(rowVal, { processBatch: true })]);
  rowVal.dispose();
  const total = featureRelevance[i]!.reduce((a, b) => a + b, 0);
  const parts = features[i]!.map((c, f) => `channel ${c}: ${fixed(featureRelevance[i]![f]!)}`).join(', ');
  console.log(
    `sample ${i} (${DEMO_CLASS_NAMES[labels[i]!]}, explained as ${DEMO_CLASS_NAMES[lrpExpl.outputSelection[i]!]}): ${parts}; these ${k} channels carry ${fixed(total)} of the relevance at ${values.layer}`,
  );
}

const columnLabels = ['input', 'LRP', ...Array.from({ length: k }, (_, f) => `top ${f + 1}`)];
const file = `${out}/crp.png`;
await writePNG(
  file,
  montage(rows, { scale: 4, columnLabels, rowLabels: labels.map((l) => DEMO_CLASS_NAMES[l]!) }),
);
console.log(`wrote ${file}`);

lrpExpl.dispose();
crpExpl.dispose();
lrp.dispose();
tf.dispose([images, masks]);
model.dispose();
