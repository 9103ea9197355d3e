import { basename, extname, join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { analyze, type FeatureSelector, IndexedFeatures, MaskSelector, TopNFeatures } from '@xai-ts/base';
import { getColormap } from '@xai-ts/heatmap';
import { writePNG } from '@xai-ts/heatmap/node';
import type { Prediction } from '@xai-ts/zoo';
import {
  type BuiltAnalyzer,
  DEFAULT_COMPOSITE,
  type Method,
  makeAnalyzer,
  parseComposite,
  parseMethod,
  releaseModel,
} from './analyzers.js';
import { CliError } from './errors.js';
import { imageFiles, type PreparedImage, prepareImage, readImage } from './images.js';
import type { CliIO } from './io.js';
import { type LoadedModel, loadModel, type Preprocessing } from './models.js';
import { prepareOutputFolder } from './output.js';
import { topPredictions } from './predictions.js';
import { progressBar } from './progress.js';
import { renderExplanation } from './render.js';

/** The options of `xai explain`, as parsed from the command line. */
export interface ExplainOptions {
  model: string;
  weights?: string | undefined;
  method: string;
  composite?: string | undefined;
  class?: number | undefined;
  top?: number | undefined;
  layer?: string | undefined;
  features?: number[] | undefined;
  topFeatures?: number | undefined;
  overlay?: boolean | undefined;
  colormap?: string | undefined;
  preprocess?: Preprocessing | undefined;
  samples?: number | undefined;
  /** Segmentation models: explain this region of the output, `[x0, y0, x1, y1]` in output pixels, ends exclusive. */
  region?: readonly [number, number, number, number] | undefined;
  out: string;
}

interface Plan {
  methods: Method[];
  composite: ReturnType<typeof parseComposite>;
  features: FeatureSelector | undefined;
}

/** Checks the options against each other before anything slow happens. */
function plan(options: ExplainOptions): Plan {
  const methods = [...new Set(options.method.split(',').map(parseMethod))];
  const has = (...m: Method[]) => methods.some((x) => m.includes(x));
  if (options.composite !== undefined && !has('lrp', 'crp'))
    throw new CliError('--composite applies to --method lrp and crp only');
  if ((options.features !== undefined || options.topFeatures !== undefined) && !has('crp'))
    throw new CliError('--features and --top-features apply to --method crp only');
  if (options.layer !== undefined && !has('crp', 'gradcam'))
    throw new CliError('--layer applies to --method crp and gradcam only');
  if (options.colormap !== undefined) getColormap(options.colormap); // throws with the list of names
  const features = options.features?.length
    ? new IndexedFeatures(...options.features)
    : options.topFeatures !== undefined
      ? new TopNFeatures(options.topFeatures)
      : undefined;
  return {
    methods,
    composite: parseComposite(options.composite ?? DEFAULT_COMPOSITE),
    features,
  };
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function stems(paths: readonly string[]): string[] {
  const base = paths.map((p) => slug(basename(p, extname(p))) || 'image');
  return base.map((s, i) => (base.indexOf(s) !== base.lastIndexOf(s) ? `${i}-${s}` : s));
}

function formatPredictions(preds: readonly Prediction[], named: boolean): string {
  return preds
    .map((p) => {
      const pct = `${(100 * p.probability).toFixed(1)} %`.padStart(7);
      return `  ${String(p.index).padStart(4)}  ${pct}  ${named ? p.name : ''}`.trimEnd();
    })
    .join('\n');
}

/** A region of a per-pixel output, ends exclusive. */
type Region = readonly [x0: number, y0: number, x1: number, y1: number];

function regionMask(loaded: LoadedModel, region: Region | undefined): { mask: number[][]; region: Region } {
  const [h, w] = loaded.outputSize!;
  const r: Region = region ?? [0, 0, w, h];
  const [x0, y0, x1, y1] = r;
  if (x1 > w || y1 > h)
    throw new CliError(
      `--region ${r.join(',')} reaches outside the output of ${loaded.label}, which is ${w} wide and ${h} high (x0,y0,x1,y1 with x1 ≤ ${w} and y1 ≤ ${h}; ends exclusive)`,
    );
  const mask = Array.from({ length: h }, (_, i) =>
    Array.from({ length: w }, (_, j) => (i >= y0 && i < y1 && j >= x0 && j < x1 ? 1 : 0)),
  );
  return { mask, region: r };
}

/** A class of a region: its mean logit over the region and the share of the region's pixels predicted as it. */
interface RegionClass {
  index: number;
  name: string;
  meanLogit: number;
  pixels: number;
}

function regionClasses(loaded: LoadedModel, input: tf.Tensor4D, mask: number[][]): RegionClass[] {
  const logits = loaded.model.predict(input) as tf.Tensor4D;
  try {
    const [, h, w, k] = logits.shape;
    const data = logits.dataSync();
    const sums = new Float64Array(k);
    const votes = new Float64Array(k);
    let area = 0;
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++) {
        if (!mask[i]![j]) continue;
        area++;
        let best = 0;
        for (let c = 0; c < k; c++) {
          const v = data[(i * w + j) * k + c]!;
          sums[c]! += v;
          if (v > data[(i * w + j) * k + best]!) best = c;
        }
        votes[best]! += 1;
      }
    return Array.from({ length: k }, (_, c) => ({
      index: c,
      name: loaded.classNames?.[c] ?? `class ${c}`,
      meanLogit: sums[c]! / area,
      pixels: votes[c]! / area,
    })).sort((a, b) => b.meanLogit - a.meanLogit || a.index - b.index);
  } finally {
    logits.dispose();
  }
}

function formatRegionClasses(classes: readonly RegionClass[], named: boolean): string {
  return classes
    .map((c) => {
      const pct = `${(100 * c.pixels).toFixed(1)} %`.padStart(7);
      return `  ${String(c.index).padStart(4)}  ${pct} of the region  mean logit ${c.meanLogit.toFixed(2).padStart(7)}  ${named ? c.name : ''}`.trimEnd();
    })
    .join('\n');
}

function predict(loaded: LoadedModel, input: tf.Tensor4D, k: number): Prediction[] {
  const logits = loaded.model.predict(input) as tf.Tensor;
  try {
    return topPredictions(logits, k, loaded.classNames ?? [])[0]!;
  } finally {
    logits.dispose();
  }
}

/**
 * `xai explain`: explains each image (a folder stands for its PNG and JPEG files) with each method at the chosen
 * classes, writes one heatmap PNG per image, method, class (and CRP feature), and prints the top predictions with
 * class names. Bad images and output folders stop it before the model loads.
 *
 * @returns the paths written
 */
export async function explain(
  images: readonly string[],
  options: ExplainOptions,
  io: CliIO,
): Promise<string[]> {
  // Everything the user gave is checked before the model loads, which takes seconds or a download, in this order:
  // 1. the options against each other, 2. every image, read and decoded, 3. the output folder, created and written
  // to. Only what needs the model (a class out of range, an unknown layer) is checked after it.
  const p = plan(options);
  const files = await imageFiles(images);
  const pixels = [];
  for (const path of files) pixels.push(await readImage(path));
  await prepareOutputFolder(options.out);
  const loaded = await loadModel(options.model, {
    ...(options.weights ? { weights: options.weights } : {}),
    ...(options.preprocess ? { preprocessing: options.preprocess } : {}),
  });
  for (const note of loaded.notes) io.stderr.write(`xai: note: ${note}\n`);
  const { numClasses } = loaded;
  if (options.class !== undefined && options.class >= numClasses)
    throw new CliError(
      `class ${options.class} is out of range: ${loaded.label} has ${numClasses} classes (0 to ${numClasses - 1}; indices are 0-based)`,
    );
  if (options.top !== undefined && options.top > numClasses)
    throw new CliError(`--top ${options.top} is more than the ${numClasses} classes of ${loaded.label}`);
  const segmentation = loaded.task === 'segmentation';
  if (options.region && !segmentation)
    throw new CliError(
      `--region applies to models with a per-pixel output (segmentation, such as unet); ${loaded.label} outputs one score per class`,
    );
  const area = segmentation ? regionMask(loaded, options.region) : undefined;

  const names = stems(files);
  const prepared: PreparedImage[] = pixels.map((px) => prepareImage(px, loaded));
  const built: BuiltAnalyzer[] = [];
  const written: string[] = [];
  try {
    for (const method of p.methods)
      built.push(
        makeAnalyzer(method, loaded, {
          composite: p.composite,
          layer: options.layer,
          features: p.features,
          samples: options.samples,
        }),
      );
    const shown = Math.max(3, options.top ?? 0);
    const classesOf = prepared.map((img, i) => {
      if (area) {
        const classes = regionClasses(loaded, img.input, area.mask);
        io.stdout.write(
          `${files[i]}, region x ${area.region[0]}..${area.region[2] - 1}, y ${area.region[1]}..${area.region[3] - 1}\n${formatRegionClasses(classes.slice(0, Math.min(shown, numClasses)), loaded.classNames !== undefined)}\n`,
        );
        if (options.class !== undefined) return [options.class];
        return classes.slice(0, options.top ?? 1).map((c) => c.index);
      }
      const preds = predict(loaded, img.input, Math.min(shown, numClasses));
      io.stdout.write(`${files[i]}\n${formatPredictions(preds, loaded.classNames !== undefined)}\n`);
      if (options.class !== undefined) return [options.class];
      return preds.slice(0, options.top ?? 1).map((pr) => pr.index);
    });
    const regionTag = area && options.region ? `_r${area.region.join('-')}` : '';
    const steps = classesOf.reduce((s, c) => s + c.length, 0) * built.length;
    const bar = progressBar(io.stderr, 'explaining', steps, built[0]?.label);
    try {
      for (const [i, img] of prepared.entries())
        for (const b of built)
          for (const cls of classesOf[i]!) {
            const selector = area ? new MaskSelector(area.mask, cls) : undefined;
            let expl: ReturnType<typeof analyze>;
            try {
              expl = analyze(img.input, b.analyzer, selector ?? cls);
            } finally {
              selector?.dispose();
            }
            try {
              const maps = renderExplanation(expl, [img.display], {
                colormap: options.colormap,
                overlay: options.overlay,
              });
              for (const m of maps) {
                const feature = m.feature === undefined ? '' : `_f${m.feature}`;
                const file = join(
                  options.out,
                  `${names[i]}_${slug(b.label)}${feature}_c${cls}${regionTag}.png`,
                );
                await writePNG(file, m.image);
                written.push(file);
              }
            } finally {
              expl.dispose();
            }
            await bar.tick(b.label);
          }
    } finally {
      bar.stop();
    }
  } finally {
    for (const b of built) b.dispose();
    for (const img of prepared) img.input.dispose();
    releaseModel(loaded);
  }
  io.stdout.write(`wrote ${written.length} heatmap${written.length === 1 ? '' : 's'}:\n`);
  for (const f of written) io.stdout.write(`  ${f}\n`);
  return written;
}
