import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { analyze, type Explanation, TopNFeatures } from '@xai-ts/base';
import { type Heatmap, tensorToImages } from '@xai-ts/heatmap';
import { montage, writePNG } from '@xai-ts/heatmap/node';
import { type LocalizationScores, localizationMetrics, randomRelevance } from '@xai-ts/metrics';
import { demoDataset } from '@xai-ts/zoo';
import { COMPOSITES, type Method, makeAnalyzer, releaseModel } from './analyzers.js';
import type { CliIO } from './io.js';
import { loadModel } from './models.js';
import { prepareOutputFolder } from './output.js';
import { topPredictions } from './predictions.js';
import { progressBar } from './progress.js';
import { renderExplanation } from './render.js';
import { type DemoReport, demoHtml } from './report.js';

/**
 * Options of {@link runDemo}.
 *
 * @example
 * ```ts
 * await runDemo({ out: 'demo-out', n: 10, seed: 4, samples: 20 });
 * ```
 */
export interface DemoOptions {
  /** The directory to write `montage.png` and `index.html` to (created if missing). */
  out: string;
  /** How many images (default 8). */
  n?: number;
  /** The dataset's seed (default {@link DEMO_SEED}: 8 images that cover all 5 classes). */
  seed?: number;
  /** Samples of SmoothGrad and Integrated Gradients (default 50). */
  samples?: number;
  /** Where progress and the summary go (default: the process's streams). */
  io?: CliIO;
  /** The backend in use, for the report (default: `tf.getBackend()`). */
  backend?: string;
}

/**
 * One column of the demo: an analyzer's maps and scores.
 *
 * @example
 * ```ts
 * const { columns } = await runDemo({ out: 'demo-out' });
 * const best = columns.reduce((a, b) =>
 *   a.scores.relevanceMassAccuracy.mean >= b.scores.relevanceMassAccuracy.mean ? a : b,
 * );
 * ```
 */
export interface DemoColumn {
  /** The analyzer, as in the montage and the report. */
  readonly name: string;
  /** One map per image. */
  readonly maps: readonly Heatmap[];
  /** Localization scores against the dataset's masks. */
  readonly scores: LocalizationScores;
  /** Seconds the analyzer took for the whole batch. */
  readonly seconds: number;
  /** For CRP: the feature (channel) each image's map shows. */
  readonly features?: readonly number[];
}

/**
 * What {@link runDemo} produced.
 *
 * @example
 * ```ts
 * const { montagePath, htmlPath, seconds } = await runDemo({ out: 'demo-out' });
 * ```
 */
export interface DemoResult {
  /** The montage's absolute path. */
  readonly montagePath: string;
  /** The report's absolute path. */
  readonly htmlPath: string;
  /** The montage's size in pixels. */
  readonly montageSize: { readonly width: number; readonly height: number };
  /** Each image's true and predicted class. */
  readonly rows: readonly {
    readonly label: string;
    readonly predicted: string;
    readonly probability: number;
  }[];
  /** Every analyzer's maps and scores, in montage order. */
  readonly columns: readonly DemoColumn[];
  /** The scores of a random attribution (`randomRelevance`), the baseline. */
  readonly baseline: LocalizationScores;
  /** Seconds from start to finish. */
  readonly seconds: number;
}

/**
 * The seed of the demo's dataset: its first 8 images cover all 5 classes.
 *
 * @example
 * ```ts
 * new Set(demoDataset({ n: 8, seed: DEMO_SEED }).labels).size; // 5
 * ```
 */
export const DEMO_SEED = 0;

/** Tile enlargement in the montage: the demo's 32×32 images become 128×128. */
const SCALE = 4;

const CRP_LAYER = 'conv3';
const CRP_FEATURES = 2;

interface Step {
  readonly name: string;
  readonly method: Method;
  readonly composite?: (typeof COMPOSITES)[number];
}

const STEPS: readonly Step[] = [
  ...COMPOSITES.map((composite) => ({ name: composite, method: 'lrp' as const, composite })),
  { name: `CRP ${CRP_LAYER}`, method: 'crp', composite: 'EpsilonPlusFlat' },
  { name: 'Gradient', method: 'gradient' },
  { name: 'InputTimesGradient', method: 'inputxgradient' },
  { name: 'SmoothGrad', method: 'smoothgrad' },
  { name: 'IntegratedGradients', method: 'integratedgradients' },
  { name: 'GradCAM', method: 'gradcam' },
];

/**
 * What the metrics score: the explanation's relevance, except for `sensitivity` maps (gradient magnitudes), whose
 * sign means nothing: they are scored by the per-pixel L2 norm over channels, the value their heatmap shows.
 */
function scoredRelevance(expl: Explanation, rows: [number, number]): tf.Tensor {
  return tf.tidy(() => {
    const val = expl.val.slice([rows[0]], [rows[1] - rows[0]]);
    return expl.heatmap === 'sensitivity' ? val.square().sum(-1, true).sqrt() : val.clone();
  });
}

const defaultIO: CliIO = { stdout: process.stdout, stderr: process.stderr };

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/**
 * `xai demo`: loads the shipped demo CNN, draws images of its procedural dataset, explains them with every LRP
 * preset, CRP (the top channels of the last convolution) and the gradient methods, and writes a montage
 * (`montage.png`: rows images, columns analyzers) and a report (`index.html`: images, heatmaps, true and predicted
 * classes, and each analyzer's relevance mass accuracy, rank accuracy and pointing game against the objects' masks,
 * next to a random attribution's).
 *
 * @param options - the output directory, and optionally the number of images, seed and streams
 * @returns the paths written, the maps and the scores
 *
 * @example
 * ```ts
 * const { montagePath, columns } = await runDemo({ out: 'demo-out' });
 * columns.map((c) => [c.name, c.scores.relevanceMassAccuracy.mean]);
 * ```
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const started = performance.now();
  const io = options.io ?? defaultIO;
  const n = options.n ?? 8;
  const seed = options.seed ?? DEMO_SEED;
  // the output folder first: a folder that cannot be written stops the demo before the model loads
  await prepareOutputFolder(options.out);
  const loaded = await loadModel('demo');
  const classNames = loaded.classNames!;
  const { images, labels, masks } = demoDataset({ n, seed });
  const columns: DemoColumn[] = [];
  const bar = progressBar(io.stderr, 'explaining', STEPS.length + 1, STEPS[0]!.name);
  let rows: DemoResult['rows'];
  let baseline: LocalizationScores;
  let inputs: Heatmap[];
  try {
    const logits = loaded.model.predict(images) as tf.Tensor;
    const predictions = topPredictions(logits, 1, classNames);
    logits.dispose();
    rows = labels.map((label, i) => ({
      label: classNames[label]!,
      predicted: predictions[i]![0]!.name,
      probability: predictions[i]![0]!.probability,
    }));
    inputs = tensorToImages(images, { range: [0, 1] });
    for (const [s, step] of STEPS.entries()) {
      const built = makeAnalyzer(step.method, loaded, {
        composite: step.composite ?? 'EpsilonPlusFlat',
        layer: step.method === 'crp' ? CRP_LAYER : undefined,
        features: new TopNFeatures(CRP_FEATURES),
        samples: options.samples,
      });
      try {
        const t0 = performance.now();
        const expl = analyze(images, built.analyzer);
        const seconds = (performance.now() - t0) / 1000;
        try {
          const maps = renderExplanation(expl, inputs);
          const slots = expl.val.shape[0]! / n;
          for (let k = 0; k < slots; k++) {
            const rel = scoredRelevance(expl, [k * n, (k + 1) * n]);
            try {
              const part = maps.slice(k * n, (k + 1) * n);
              const features = part.map((m) => m.feature).filter((f): f is number => f !== undefined);
              columns.push({
                name: slots > 1 ? `${step.name} #${k + 1}` : step.name,
                maps: part.map((m) => m.image),
                scores: localizationMetrics(rel, masks),
                seconds: seconds / slots,
                ...(features.length === n ? { features } : {}),
              });
            } finally {
              rel.dispose();
            }
          }
        } finally {
          expl.dispose();
        }
      } finally {
        built.dispose();
      }
      await bar.tick(STEPS[s + 1]?.name ?? 'writing');
    }
    const random = randomRelevance(images, 1);
    try {
      baseline = localizationMetrics(random, masks);
    } finally {
      random.dispose();
    }
  } finally {
    images.dispose();
    masks.dispose();
    releaseModel(loaded);
  }

  const sheet = montage(
    inputs.map((image, i) => [image, ...columns.map((c) => c.maps[i]!)]),
    {
      rowLabels: rows.map((r) => (r.predicted === r.label ? r.label : `${r.label}>${r.predicted}?`)),
      columnLabels: ['input', ...columns.map((c) => c.name)],
      scale: SCALE,
    },
  );
  const montagePath = resolve(options.out, 'montage.png');
  const htmlPath = resolve(options.out, 'index.html');
  await writePNG(montagePath, sheet);
  const seconds = (performance.now() - started) / 1000;
  const report: DemoReport = {
    n,
    seed,
    backend: options.backend ?? tf.getBackend(),
    inputs,
    rows,
    columns,
    baseline,
    seconds,
    montageFile: 'montage.png',
  };
  await writeFile(htmlPath, demoHtml(report));
  await bar.tick();
  bar.stop();

  const w = Math.max(24, ...columns.map((c) => c.name.length)) + 2;
  const lines = [
    `xai demo: ${n} images of demoDataset({ n: ${n}, seed: ${seed} }), ${columns.length} maps each, backend ${report.backend}`,
    `  ${pad('analyzer', w)}mass acc.  rank acc.  pointing   time`,
    ...columns.map(
      (c) =>
        `  ${pad(c.name, w)}${c.scores.relevanceMassAccuracy.mean.toFixed(3).padStart(9)}  ${c.scores.relevanceRankAccuracy.mean.toFixed(3).padStart(9)}  ${c.scores.pointingGame.mean.toFixed(3).padStart(8)}  ${c.seconds.toFixed(2).padStart(5)} s`,
    ),
    `  ${pad('random attribution', w)}${baseline.relevanceMassAccuracy.mean.toFixed(3).padStart(9)}  ${baseline.relevanceRankAccuracy.mean.toFixed(3).padStart(9)}  ${baseline.pointingGame.mean.toFixed(3).padStart(8)}`,
    `correct: ${rows.filter((r) => r.label === r.predicted).length} of ${n} images`,
    `wrote ${montagePath} (${sheet.width}×${sheet.height}) and ${htmlPath} in ${seconds.toFixed(1)} s`,
  ];
  io.stdout.write(`${lines.join('\n')}\n`);
  return {
    montagePath,
    htmlPath,
    montageSize: { width: sheet.width, height: sheet.height },
    rows,
    columns,
    baseline,
    seconds,
  };
}
