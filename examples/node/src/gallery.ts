/**
 * Renders the documentation's gallery: the demo CNN's heatmaps for one image of each class with every analyzer,
 * into docs/assets/gallery/*.png, and writes docs/gallery.md around them, with localization scores measured on
 * held-out images. Deterministic: seeded data, seeded noise.
 *
 *   pnpm build && pnpm --filter @xai-ts/examples-node run gallery
 *   node dist/gallery.js [--out <dir>] [--markdown <file>] [--metrics-n 64]
 */
import { writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { type Analyzer, analyze, TopNFeatures } from '@xai-ts/base';
import { CRP } from '@xai-ts/crp';
import { GradCAM, Gradient, InputTimesGradient, IntegratedGradients, SmoothGrad } from '@xai-ts/gradients';
import { type Heatmap, heatmap, tensorToImages } from '@xai-ts/heatmap';
import { montage, writePNG } from '@xai-ts/heatmap/node';
import {
  EpsilonAlpha2Beta1,
  EpsilonAlpha2Beta1Flat,
  EpsilonGammaBox,
  EpsilonPlus,
  EpsilonPlusFlat,
  EpsilonRule,
  LRP,
} from '@xai-ts/lrp';
import { localizationMetrics } from '@xai-ts/metrics';
import { DEMO_CLASS_NAMES, demoDataset, loadDemoModel } from '@xai-ts/zoo';
import { fixed, outputDir, setupBackend } from './common.js';

/** One gallery entry: how it is built (shown in the guide) and the same construction in code. */
interface Entry {
  id: string;
  title: string;
  about: string;
  code: string;
  make: (model: tf.LayersModel) => Analyzer & { dispose?: () => void };
}

const ENTRIES: Entry[] = [
  {
    id: 'lrp-epsilon-plus-flat',
    title: 'LRP, EpsilonPlusFlat',
    about:
      'ZPlus on the convolutions, Flat on the first one, Epsilon on the dense layers: the usual first choice.',
    code: 'new LRP(model, new EpsilonPlusFlat())',
    make: (m) => new LRP(m, new EpsilonPlusFlat()),
  },
  {
    id: 'lrp-epsilon-plus',
    title: 'LRP, EpsilonPlus',
    about: 'ZPlus on every convolution, the first included.',
    code: 'new LRP(model, new EpsilonPlus())',
    make: (m) => new LRP(m, new EpsilonPlus()),
  },
  {
    id: 'lrp-epsilon-alpha2-beta1',
    title: 'LRP, EpsilonAlpha2Beta1',
    about: 'AlphaBeta(2, 1) on the convolutions: positive and negative contributions, weighted 2 : 1.',
    code: 'new LRP(model, new EpsilonAlpha2Beta1())',
    make: (m) => new LRP(m, new EpsilonAlpha2Beta1()),
  },
  {
    id: 'lrp-epsilon-alpha2-beta1-flat',
    title: 'LRP, EpsilonAlpha2Beta1Flat',
    about: 'As EpsilonAlpha2Beta1, with Flat on the first convolution.',
    code: 'new LRP(model, new EpsilonAlpha2Beta1Flat())',
    make: (m) => new LRP(m, new EpsilonAlpha2Beta1Flat()),
  },
  {
    id: 'lrp-epsilon-gamma-box',
    title: 'LRP, EpsilonGammaBox',
    about:
      'Gamma on the convolutions, ZBox on the first one, bounded by the input range [0, 1] of the demo images.',
    code: 'new LRP(model, new EpsilonGammaBox({ low: 0, high: 1 }))',
    make: (m) => new LRP(m, new EpsilonGammaBox({ low: 0, high: 1 })),
  },
  {
    id: 'lrp-zero',
    title: 'LRP-0',
    about:
      'ZeroRule on every layer: the plain rule; on a ReLU network it equals Input×Gradient (compare below).',
    code: 'new LRP(model)',
    make: (m) => new LRP(m),
  },
  {
    id: 'lrp-epsilon',
    title: 'LRP-ε',
    about: 'EpsilonRule on every layer: ε absorbs weak, contradicting contributions.',
    code: 'new LRP(model, new EpsilonRule({ epsilon: 0.25 }))',
    make: (m) => new LRP(m, new EpsilonRule({ epsilon: 0.25 })),
  },
  {
    id: 'gradient',
    title: 'Gradient',
    about: 'The plain gradient of the selected logit: how sensitive it is to each pixel (magnitudes).',
    code: 'new Gradient(model)',
    make: (m) => new Gradient(m),
  },
  {
    id: 'input-x-gradient',
    title: 'Input×Gradient',
    about: 'The gradient times the input: a signed attribution.',
    code: 'new InputTimesGradient(model)',
    make: (m) => new InputTimesGradient(m),
  },
  {
    id: 'smoothgrad',
    title: 'SmoothGrad',
    about:
      'The gradient averaged over 50 noisy copies (noise of standard deviation 0.1, a tenth of the input range).',
    code: 'new SmoothGrad(model, { n: 50, std: 0.1, seed: 1 })',
    make: (m) => new SmoothGrad(m, { n: 50, std: 0.1, seed: 1 }),
  },
  {
    id: 'integrated-gradients',
    title: 'Integrated Gradients',
    about:
      'The gradient integrated from a black image to the input (trapezoidal rule, 50 points), times the difference.',
    code: 'new IntegratedGradients(model, { n: 50 })',
    make: (m) => new IntegratedGradients(m, { n: 50 }),
  },
  {
    id: 'gradcam',
    title: 'Grad-CAM',
    about:
      'The feature maps of `conv3` (8×8) weighted by their mean gradient, upsampled and laid over the image.',
    code: "new GradCAM(model, { layer: 'conv3' })",
    make: (m) => new GradCAM(m, { layer: 'conv3' }),
  },
];

const HERE = fileURLToPath(new URL('.', import.meta.url));
const { values } = parseArgs({
  options: {
    out: { type: 'string', default: resolve(HERE, '../../../docs/assets/gallery') },
    markdown: { type: 'string', default: resolve(HERE, '../../../docs/gallery.md') },
    'metrics-n': { type: 'string', default: '64' },
  },
});
const metricsN = Number(values['metrics-n']);

const backend = await setupBackend();
const out = await outputDir(values.out);
const model = await loadDemoModel();

// One image of each class, from a fixed seed.
const pool = demoDataset({ n: 40, seed: 2024 });
const picks = DEMO_CLASS_NAMES.map((_, c) => pool.labels.indexOf(c));
if (picks.some((i) => i < 0)) throw new Error('the seed must give an image of every class');
const images = tf.gather(pool.images, picks) as tf.Tensor4D;
tf.dispose([pool.images, pool.masks]);
const inputs = tensorToImages(images, { range: [0, 1] });
const held = demoDataset({ n: metricsN, seed: 4242 });

const logits = model.predict(images) as tf.Tensor;
const predicted = Array.from(logits.argMax(-1).dataSync());
logits.dispose();

interface Row {
  entry: Entry;
  maps: Heatmap[];
  mass: number;
  rank: number;
  pointing: number;
}
const rows: Row[] = [];
for (const entry of ENTRIES) {
  const analyzer = entry.make(model);
  const expl = analyze(images, analyzer);
  const maps = expl.heatmap === 'cam' ? heatmap(expl, { image: images, imageRange: [0, 1] }) : heatmap(expl);
  expl.dispose();
  const heldExpl = analyze(held.images, analyzer, held.labels);
  const scores = localizationMetrics(heldExpl, held.masks);
  heldExpl.dispose();
  analyzer.dispose?.();
  rows.push({
    entry,
    maps,
    mass: scores.relevanceMassAccuracy.mean,
    rank: scores.relevanceRankAccuracy.mean,
    pointing: scores.pointingGame.mean,
  });
  await writePNG(
    `${out}/${entry.id}.png`,
    montage([maps], { scale: 4, columnLabels: [...DEMO_CLASS_NAMES] }),
  );
  console.log(`${entry.title.padEnd(28)} relevance mass ${fixed(rows.at(-1)!.mass)} -> ${entry.id}.png`);
}

// CRP: one row per image, the four channels of conv3 with the most relevance for the predicted class.
const crpFeatures = 4;
const lrp = new LRP(model, new EpsilonPlusFlat());
const crpExpl = analyze(images, new CRP(lrp, 'conv3', new TopNFeatures(crpFeatures)));
const n = picks.length;
const crpRows = inputs.map((img, i) => {
  const idx = Array.from({ length: crpFeatures }, (_, f) => f * n + i);
  const val = tf.gather(crpExpl.val, idx);
  const maps = heatmap(val, { processBatch: true });
  val.dispose();
  return [img, ...maps];
});
const crpChannels = crpExpl.extras.features;
crpExpl.dispose();
lrp.dispose();
await writePNG(
  `${out}/crp.png`,
  montage(crpRows, {
    scale: 4,
    rowLabels: [...DEMO_CLASS_NAMES],
    columnLabels: ['input', ...Array.from({ length: crpFeatures }, (_, f) => `top ${f + 1}`)],
  }),
);
console.log(`${'CRP (conv3, top 4)'.padEnd(28)} -> crp.png`);

await writePNG(`${out}/inputs.png`, montage([inputs], { scale: 4, columnLabels: [...DEMO_CLASS_NAMES] }));
await writePNG(
  `${out}/overview.png`,
  montage([inputs, ...rows.map((r) => r.maps)], {
    scale: 3,
    rowLabels: [
      'input',
      ...rows.map((r) => r.entry.title.replace('LRP, ', '').replace('×', 'x').replace('ε', 'eps')),
    ],
    columnLabels: [...DEMO_CLASS_NAMES],
  }),
);

const md = renderMarkdown(values.markdown, rows, predicted, crpChannels);
await writeFile(values.markdown, md);
console.log(`wrote ${ENTRIES.length + 3} images to ${out} and ${values.markdown} (backend ${backend})`);

tf.dispose([images, held.images, held.masks]);
model.dispose();

function renderMarkdown(file: string, rows: Row[], predicted: number[], channels: number[][]): string {
  const assets = relative(dirname(resolve(file)), out).replaceAll('\\', '/') || '.';
  const img = (name: string, alt: string) => `![${alt}](${assets}/${name}.png)`;
  const table = rows
    .map(
      (r) =>
        `| ${r.entry.title} | \`${r.entry.code}\` | ${fixed(r.mass)} | ${fixed(r.rank)} | ${fixed(r.pointing)} |`,
    )
    .join('\n');
  const sections = rows
    .map(
      (r) => `## ${r.entry.title}

${r.entry.about}

\`\`\`ts
const analyzer = ${r.entry.code};
const expl = analyze(images, analyzer);
const maps = heatmap(expl);
\`\`\`

${img(r.entry.id, r.entry.title)}
`,
    )
    .join('\n');
  const predictions = predicted.map((p, i) => `${DEMO_CLASS_NAMES[i]} → ${DEMO_CLASS_NAMES[p]}`).join(', ');
  const crpList = channels.map((c, i) => `${DEMO_CLASS_NAMES[i]}: ${c.join(', ')}`).join('; ');
  return `---
title: Gallery
---

<!-- Generated by examples/node/src/gallery.ts: edit that script, then run
     pnpm build && pnpm --filter @xai-ts/examples-node run gallery -->

<!-- ts-preamble
import * as tf from '@tensorflow/tfjs';
import { analyze, TopNFeatures } from '@xai-ts/base';
import { CRP } from '@xai-ts/crp';
import { GradCAM, Gradient, InputTimesGradient, IntegratedGradients, SmoothGrad } from '@xai-ts/gradients';
import { heatmap } from '@xai-ts/heatmap';
import { EpsilonAlpha2Beta1, EpsilonAlpha2Beta1Flat, EpsilonGammaBox, EpsilonPlus, EpsilonPlusFlat, EpsilonRule, LRP } from '@xai-ts/lrp';
declare const model: tf.LayersModel;
declare const images: tf.Tensor4D;
-->

# Gallery

Every analyzer of xai-ts on the demo CNN of \`@xai-ts/zoo\` (\`loadDemoModel()\`: 32×32 RGB images of five shapes),
for one image of each class of \`demoDataset({ n: 40, seed: 2024 })\`. Each image is explained for the class the
model predicts (${predictions}). The script that draws these pictures,
[\`examples/node/src/gallery.ts\`](../examples/node/src/gallery.ts), also wrote this page; rerun it with
\`pnpm build && pnpm --filter @xai-ts/examples-node run gallery\`.

${img('overview', 'every analyzer on one image of each class')}

Signed attributions (LRP, Input×Gradient, Integrated Gradients) use the \`attribution\` heatmap: red for positive,
blue for negative relevance, white for none. Gradient and SmoothGrad are magnitudes (\`sensitivity\`, inferno), and
Grad-CAM a coarse map laid over the image (\`cam\`, jet). See [Heatmaps](heatmaps.md) for the presets.

## How well do they localize the object?

The demo dataset comes with the exact mask of every object, so the heatmaps can be scored
([Metrics](metrics.md)): relevance mass accuracy (the share of positive relevance on the object), relevance rank
accuracy (the share of the most relevant pixels on the object) and the pointing game (is the most relevant pixel on
it?), each the mean over ${metricsN} held-out images (\`demoDataset({ n: ${metricsN}, seed: 4242 })\`), each explained for
its true class. A random map scores the objects' share of the image, about 0.18.

| analyzer | built with | relevance mass | relevance rank | pointing game |
| --- | --- | --- | --- | --- |
${table}

${sections}
## CRP

Concept Relevance Propagation splits an LRP heatmap by the channels of an inner layer ([CRP](crp.md)). Here: the
four channels of \`conv3\` with the most relevance for the predicted class (${crpList}), each with its own map,
on one colour scale per row.

\`\`\`ts
const lrp = new LRP(model, new EpsilonPlusFlat());
const crp = new CRP(lrp, 'conv3', new TopNFeatures(4));
const expl = analyze(images, crp); // val: [4 * N, 32, 32, 3], feature-major
expl.extras.features; // the channels, per image
\`\`\`

${img('crp', 'CRP: the four most relevant channels of conv3')}
`;
}
