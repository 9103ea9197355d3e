import { existsSync, statSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { type Analyzer, analyze, IndexSelector } from '@xai-ts/base';
import { canonize } from '@xai-ts/canonize';
import {
  GradCAM,
  Gradient,
  InputTimesGradient,
  IntegratedGradients,
  SmoothDiff,
  SmoothGrad,
  SoftPlusTrick,
} from '@xai-ts/gradients';
import { type Heatmap, tensorToImages } from '@xai-ts/heatmap';
import { LRP } from '@xai-ts/lrp';
import {
  EVALUATION_METRICS,
  type Evaluation,
  type EvaluationMethod,
  type EvaluationMetric,
  evaluateMethods,
} from '@xai-ts/metrics';
import { demoDataset, type Pixels } from '@xai-ts/zoo';
import { COMPOSITES, type CompositeName, makeComposite, releaseModel } from './analyzers.js';
import { CliError } from './errors.js';
import { type EvaluationReport, evaluationHtml } from './evaluation-report.js';
import { imageFiles, prepareImage, readImage } from './images.js';
import type { CliIO } from './io.js';
import { type LoadedModel, loadModel, type Preprocessing } from './models.js';
import { assertWritable } from './output.js';
import { type Progress, progressBar } from './progress.js';
import { renderExplanation } from './render.js';

/** The methods `xai evaluate` knows, by the name it prints. */
export const EVALUATION_METHODS = [
  ...COMPOSITES,
  'Gradient',
  'InputTimesGradient',
  'SmoothGrad',
  'IntegratedGradients',
  'GradCAM',
  'SmoothDiff',
  'SoftPlusTrick',
] as const;

/** A method `xai evaluate` knows. */
export type EvaluationMethodName = (typeof EVALUATION_METHODS)[number];

/** Options of {@link evaluateCommand}. */
export interface EvaluateCommandOptions {
  /** `demo`, a VGG name or a model.json. */
  readonly model: string;
  /** `demo` (the shipped dataset, with object masks) or a folder of PNG/JPEG images. */
  readonly data: string;
  /** Methods, comma-separated (default all). */
  readonly methods?: string | undefined;
  /** Metrics, comma-separated (default all). */
  readonly metrics?: string | undefined;
  /** Images (default 200; `--quick` 24). */
  readonly n?: number | undefined;
  /** The seed of the data (demo) and of every random choice. Default 7. */
  readonly seed?: number | undefined;
  /** A run of under two minutes: fewer images, samples and perturbations. */
  readonly quick?: boolean | undefined;
  /** The output folder. */
  readonly out: string;
  /** How images become inputs. */
  readonly preprocess?: Preprocessing | undefined;
  /** The backend in use, for the report. */
  readonly backend?: string | undefined;
}

function pick<T extends string>(given: string | undefined, all: readonly T[], what: string): T[] {
  if (given === undefined) return [...all];
  const names = given
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new CliError(`--${what} is empty; give one or more of ${all.join(', ')}`);
  return names.map((name) => {
    const found = all.find((m) => m.toLowerCase() === name.toLowerCase());
    if (!found) throw new CliError(`unknown ${what.replace(/s$/, '')} "${name}"; use ${all.join(', ')}`);
    return found;
  });
}

/** The method named `name`, for a model and its copies (randomisation builds it for randomised copies). */
function methodOf(
  name: EvaluationMethodName,
  loaded: LoadedModel,
  samples: number,
  seed: number,
): EvaluationMethod {
  const span = Math.max(...loaded.inputRange.high.map((h, i) => h - loaded.inputRange.low[i]!));
  const lrpModel = (m: tf.LayersModel) =>
    m.layers.some((l) => l.getClassName() === 'BatchNormalization') ? canonize(m) : m;
  const make = (): ((m: tf.LayersModel) => Analyzer) => {
    if ((COMPOSITES as readonly string[]).includes(name))
      return (m) => {
        const target = lrpModel(m);
        const lrp = new LRP(target, makeComposite(name as CompositeName, loaded));
        if (target === m) return lrp;
        // the canonized copy belongs to the analyzer
        return Object.assign(lrp, {
          dispose: () => {
            LRP.prototype.dispose.call(lrp);
            target.dispose();
          },
        });
      };
    switch (name) {
      case 'Gradient':
        return (m) => new Gradient(m);
      case 'InputTimesGradient':
        return (m) => new InputTimesGradient(m);
      case 'SmoothGrad':
        return (m) => new SmoothGrad(m, { n: samples, std: 0.15 * span, seed });
      case 'IntegratedGradients':
        return (m) => new IntegratedGradients(m, { n: samples });
      case 'GradCAM': {
        const layer = loaded.lastConvLayer;
        if (!layer) throw new CliError(`GradCAM needs a convolution layer: ${loaded.label} has none`);
        return (m) => new GradCAM(m, { layer });
      }
      case 'SmoothDiff':
        return (m) => new SmoothDiff(m, { n: samples, std: 0.15 * span, seed });
      default:
        return (m) => new SoftPlusTrick(m, { beta: 10 / span });
    }
  };
  return { name, make: make() };
}

/** A folder of images, decoded before the model loads. */
interface FolderImages {
  readonly folder: string;
  readonly pixels: readonly Pixels[];
}

/** Lists and decodes the first `n` images of `--data <folder>`, so that a bad file stops the run before the model loads. */
async function readFolder(folder: string, n: number): Promise<FolderImages> {
  const found = await stat(folder).catch(() => undefined);
  if (!found) throw new CliError(`no data folder at ${folder}; give a folder of images or demo`);
  if (!found.isDirectory())
    throw new CliError(`--data ${folder} is not a folder; give a folder of PNG or JPEG images, or demo`);
  const files = (await imageFiles([folder])).slice(0, n);
  const pixels: Pixels[] = [];
  for (const f of files) pixels.push(await readImage(f));
  return { folder, pixels };
}

async function dataOf(
  data: 'demo' | FolderImages,
  n: number,
  seed: number,
  loaded: LoadedModel,
): Promise<{ images: tf.Tensor4D; masks?: tf.Tensor4D; label: string }> {
  if (data === 'demo') {
    const [h, w] = loaded.inputSize;
    if (h !== w)
      throw new CliError(
        `the demo data are square images; ${loaded.label} takes ${h}×${w}: give a folder of images`,
      );
    const d = demoDataset({ n, seed, size: h });
    const label = `demo (n = ${n}, seed ${seed}${h === 32 ? '' : `, ${h}×${h}`})`;
    if (loaded.preprocessing === 'unit' && loaded.inputSize[2] === 3)
      return { images: d.images, masks: d.masks, label };
    // the demo images are RGB in 0..1: turn each into pixels and prepare it as a file would be
    const rgb = await d.images.mul(255).round().data();
    d.images.dispose();
    const inputs: tf.Tensor4D[] = [];
    try {
      for (let i = 0; i < n; i++) {
        const pixels = {
          width: h,
          height: h,
          channels: 3 as const,
          data: Uint8ClampedArray.from(rgb.subarray(i * h * h * 3, (i + 1) * h * h * 3)),
        };
        inputs.push(prepareImage(pixels, loaded).input);
      }
      return { images: tf.concat(inputs, 0), masks: d.masks, label };
    } catch (e) {
      d.masks.dispose();
      throw e;
    } finally {
      tf.dispose(inputs);
    }
  }
  const inputs: tf.Tensor4D[] = [];
  try {
    for (const pixels of data.pixels) inputs.push(prepareImage(pixels, loaded).input);
    return { images: tf.concat(inputs, 0), label: `${data.folder} (${data.pixels.length} images)` };
  } finally {
    tf.dispose(inputs);
  }
}

/** The input values that are black and white in the report's pictures of the images. */
function rangeOf(loaded: LoadedModel): 'extrema' | [number, number] {
  if (loaded.preprocessing === 'unit') return [0, 1];
  if (loaded.preprocessing === 'raw') return [0, 255];
  return 'extrema';
}

/** The value of a metric of one entry, for tables. */
function cell(v: number | string | undefined): string {
  return typeof v === 'number' ? v.toFixed(3) : '–';
}

/** The metric columns of the table, CSV and JSON: `srg` and `aopc` are PixelFlipper.jl's setting's. */
function columnsOf(result: Evaluation): string[] {
  const cols: string[] = [];
  for (const m of result.metrics) {
    if (m === 'srg' || m === 'aopc')
      result.settings.forEach((s, i) => {
        cols.push(i === 0 ? m : `${m}:${s.name}`);
      });
    else if (m === 'localisation') cols.push('relevanceMass', 'relevanceRank', 'pointingGame');
    else cols.push(m);
  }
  return cols;
}

/** An entry's metrics under the column names (the first setting's SRG and AOPC as plain `srg`, `aopc`). */
function flatMetrics(metrics: Record<string, number>, result: Evaluation): Record<string, number> {
  const first = result.settings[0]?.name;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(metrics)) {
    const [name, setting] = k.split(':');
    out[setting === first ? name! : k] = v;
  }
  return out;
}

/**
 * `xai evaluate`: explains a dataset with each method and measures the explanations (faithfulness, sanity,
 * robustness, complexity, localisation), with a random attribution beside every method; prints a table and writes
 * `results.json`, `results.csv` and `index.html` (curves and randomisation plots as SVG, example heatmaps). The output
 * folder appears whole or not at all: everything is written beside it first and moved in at the end, so an interrupted
 * run leaves nothing half-written.
 */
export async function evaluateCommand(opts: EvaluateCommandOptions, io: CliIO): Promise<Evaluation> {
  const started = performance.now();
  const quick = opts.quick === true;
  const n = opts.n ?? (quick ? 24 : 200);
  const seed = opts.seed ?? 7;
  const methods = pick(opts.methods, EVALUATION_METHODS, 'methods');
  const metrics = pick(opts.metrics, EVALUATION_METRICS, 'metrics') as EvaluationMetric[];
  if (opts.data !== 'demo' && opts.metrics !== undefined && metrics.includes('localisation'))
    throw new CliError(
      'localisation needs object masks, and only --data demo has them; leave localisation out',
    );
  const out = resolve(opts.out);
  // everything that can be checked before a model is loaded: the data folder's images, read and decoded; the
  // output folder, which must be new, empty or an earlier evaluation, beside which files can be written
  const folder = opts.data === 'demo' ? undefined : await readFolder(opts.data, n);
  const parent = await stat(dirname(out)).catch(() => undefined);
  if (!parent) throw new CliError(`cannot write to ${out}: ${dirname(out)} does not exist`);
  if (!parent.isDirectory())
    throw new CliError(`cannot write to ${out}: ${dirname(out)} is a file, not a folder; give another --out`);
  if (existsSync(out) && !statSync(out).isDirectory())
    throw new CliError(
      `--out ${opts.out} is a file, not a folder; give a new or empty folder, or move the file away`,
    );
  if (existsSync(out) && (await readdir(out)).length > 0 && !existsSync(join(out, 'results.json')))
    throw new CliError(`${out} is not empty and holds no earlier evaluation; give an empty or new folder`);
  await assertWritable(dirname(out), opts.out);

  const loaded = await loadModel(opts.model, opts.preprocess ? { preprocessing: opts.preprocess } : {});
  const temp = `${out}.partial-${process.pid}`;
  const onSignal = () => {
    void rm(temp, { recursive: true, force: true }).finally(() => process.exit(130));
  };
  let images: tf.Tensor4D | undefined;
  let masks: tf.Tensor4D | undefined;
  try {
    const data = await dataOf(folder ?? 'demo', n, seed, loaded);
    images = data.images;
    masks = data.masks;
    const samples = quick ? 8 : 32;
    const evaluation: EvaluationMethod[] = methods.map((m) => methodOf(m, loaded, samples, seed));
    let bar: Progress | undefined;
    const result = await evaluateMethods(loaded.model, images, evaluation, {
      metrics,
      seed,
      ...(masks ? { masks } : {}),
      sanitySamples: quick ? 8 : 32,
      sensitivityRuns: quick ? 3 : 5,
      randomSeeds: quick ? 2 : 3,
      onProgress: async (done, total, label) => {
        if (!bar) bar = progressBar(io.stderr, 'evaluating', total, label);
        else await bar.tick(label);
        void done;
      },
    });
    bar?.stop();

    // a few example maps per method, for the report
    const examples = Math.min(4, images.shape[0]!);
    const first = images.slice(0, examples);
    let inputs: Heatmap[];
    let exampleMaps: { method: string; maps: Heatmap[] }[];
    try {
      inputs = tensorToImages(first, { range: rangeOf(loaded) });
      const selection = tf.tidy(() =>
        Array.from((loaded.model.predict(first) as tf.Tensor).argMax(-1).dataSync()),
      );
      exampleMaps = evaluation.map((method) => {
        const analyzer = method.make(loaded.model);
        try {
          const expl = analyze(first, analyzer, new IndexSelector(selection));
          try {
            return { method: method.name, maps: renderExplanation(expl, inputs).map((m) => m.image) };
          } finally {
            expl.dispose();
          }
        } finally {
          analyzer.dispose?.();
        }
      });
    } finally {
      first.dispose();
    }

    const columns = columnsOf(result);
    const rows: EvaluationReport['rows'] = [
      ...result.methods,
      result.random,
      ...(result.edges ? [result.edges] : []),
    ].map((m) => ({ method: m.method, ...flatMetrics(m.metrics, result) }));
    const report: EvaluationReport = {
      model: loaded.label,
      data: data.label,
      backend: opts.backend ?? tf.getBackend(),
      quick,
      result,
      columns,
      rows,
      examples: exampleMaps,
      inputs,
      seconds: (performance.now() - started) / 1000,
    };
    // until now nothing is on disk and an interrupt simply ends the process; from here it removes the partial folder
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    await rm(temp, { recursive: true, force: true });
    await mkdir(temp, { recursive: true });
    await writeFile(
      join(temp, 'results.json'),
      `${JSON.stringify(
        {
          model: loaded.label,
          data: data.label,
          n: result.n,
          seed,
          quick,
          backend: report.backend,
          settings: result.settings,
          methods: rows,
          curves: Object.fromEntries([...result.methods, result.random].map((m) => [m.method, m.curves])),
          randomisation: Object.fromEntries(
            [...result.methods, ...(result.edges ? [result.edges] : [])]
              .filter((m) => m.randomisation)
              .map((m) => [m.method, m.randomisation]),
          ),
        },
        null,
        2,
      )}\n`,
    );
    const csv = [
      ['method', ...columns].join(','),
      ...rows.map((r) => [r.method, ...columns.map((c) => r[c] ?? '')].join(',')),
    ];
    await writeFile(join(temp, 'results.csv'), `${csv.join('\n')}\n`);
    await writeFile(join(temp, 'index.html'), evaluationHtml(report));
    await rm(out, { recursive: true, force: true });
    await rename(temp, out);

    const width = Math.max(8, ...rows.map((r) => r.method.length));
    io.stdout.write(`evaluation of ${loaded.label} on ${data.label}${quick ? ' (quick)' : ''}\n`);
    io.stdout.write(
      `${'method'.padEnd(width)}  ${columns.map((c) => c.padStart(Math.max(7, c.length))).join('  ')}\n`,
    );
    for (const r of rows)
      io.stdout.write(
        `${r.method.padEnd(width)}  ${columns
          .map((c) => cell(r[c]).padStart(Math.max(7, c.length)))
          .join('  ')}\n`,
      );
    io.stdout.write(`wrote ${join(out, 'results.json')}, results.csv and index.html\n`);
    return result;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await rm(temp, { recursive: true, force: true });
    images?.dispose();
    masks?.dispose();
    releaseModel(loaded);
  }
}
