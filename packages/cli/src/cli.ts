import { readFileSync } from 'node:fs';
import { EVALUATION_METRICS } from '@xai-ts/metrics';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { COMPOSITES, DEFAULT_COMPOSITE, METHODS } from './analyzers.js';
import { BACKENDS, selectBackend } from './backend.js';
import { addCacheCommand } from './cache-command.js';
import { check } from './check.js';
import { addConceptsCommand } from './concepts-command.js';
import { DEMO_SEED, runDemo } from './demo.js';
import { exitCodeOf, oneLine } from './errors.js';
import { EVALUATION_METHODS, evaluateCommand } from './evaluate.js';
import { explain } from './explain.js';
import type { CliIO } from './io.js';
import { PREPROCESSINGS, type Preprocessing } from './models.js';

const VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

function integer(what: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min)
      throw new InvalidArgumentError(`${what} must be an integer ≥ ${min}.`);
    return n;
  };
}

function region(value: string): [number, number, number, number] {
  const parts = value.split(',').map((s) => s.trim());
  const n = parts.map(Number);
  if (parts.length !== 4 || parts.some((s) => !/^\d+$/.test(s)))
    throw new InvalidArgumentError(
      'give the region as x0,y0,x1,y1: four pixel coordinates of the output, ends exclusive, such as 8,4,24,20.',
    );
  const [x0, y0, x1, y1] = n as [number, number, number, number];
  if (x1 <= x0 || y1 <= y0)
    throw new InvalidArgumentError(
      `the region ${value} is empty: x1 must exceed x0 and y1 must exceed y0 (ends exclusive).`,
    );
  return [x0, y0, x1, y1];
}

function idList(value: string): number[] {
  const ids = value.split(',').map((s) => s.trim());
  if (ids.length === 0 || ids.some((s) => !/^\d+$/.test(s)))
    throw new InvalidArgumentError('give 0-based feature ids separated by commas, such as 3,7.');
  return ids.map(Number);
}

const backendOption = () =>
  new Option(
    '--backend <name>',
    'TF.js backend (default: tensorflow if tfjs-node is installed, else wasm)',
  ).choices(BACKENDS);
const preprocessOption = () =>
  new Option(
    '--preprocess <kind>',
    'how images become inputs: unit (RGB/255), raw (0..255), torchvision or keras (ImageNet), tf (-1..1); default by model',
  ).choices(PREPROCESSINGS);
const verboseOption = () => new Option('--verbose', 'print the stack trace of an error');

interface Outcome {
  code: number;
}

function program(io: CliIO, outcome: Outcome): Command {
  const root = new Command('xai')
    .description('Explain TensorFlow.js image classifiers: LRP, CRP, gradient methods, heatmaps')
    .version(VERSION)
    .addOption(verboseOption())
    .exitOverride()
    .showSuggestionAfterError(false)
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(`xai: ${s.replace(/^error: /, '')}`),
    });

  root
    .command('explain')
    .description('explain images with a model and write heatmap PNGs; prints the top predictions')
    .argument('<images...>', 'PNG or JPEG files')
    .option(
      '-m, --model <model>',
      'demo, unet, vgg11 ... vgg19 (_bn for BatchNorm), resnet50, resnet50v2, mobilenetv2, inceptionv3, efficientnetb0, densenet121, or a model.json',
      'demo',
    )
    .option(
      '--weights <path|url>',
      'pretrained weights: VGG a .safetensors (torchvision/timm) or .h5 (keras) file or URL; the Keras applications their ImageNet .h5 file or URL',
    )
    .option('--method <names>', `one or more of ${METHODS.join(', ')}, separated by commas`, 'lrp')
    .option('--composite <name>', `LRP/CRP preset: ${COMPOSITES.join(', ')} (default ${DEFAULT_COMPOSITE})`)
    .addOption(new Option('--class <index>', 'explain this 0-based class').argParser(integer('a class', 0)))
    .addOption(
      new Option(
        '--region <x0,y0,x1,y1>',
        'segmentation models: explain this region of the output (pixels, ends exclusive; default: the whole output)',
      ).argParser(region),
    )
    .addOption(
      new Option('--top <k>', 'explain the k most likely classes (default 1)')
        .argParser(integer('--top', 1))
        .conflicts('class'),
    )
    .option(
      '--layer <name>',
      'the concept layer of CRP, the feature layer of Grad-CAM (default: last convolution)',
    )
    .addOption(
      new Option('--features <ids>', 'CRP: these channels of the layer, such as 3,7').argParser(idList),
    )
    .addOption(
      new Option('--top-features <k>', 'CRP: the k most relevant channels (default 3)')
        .argParser(integer('--top-features', 1))
        .conflicts('features'),
    )
    .option('--overlay', 'lay the heatmaps over the image (default: Grad-CAM only)')
    .option('--no-overlay', 'never lay heatmaps over the image')
    .option('--colormap <name>', 'a colormap such as seismic, RdBu_r, inferno, jet (default: by method)')
    .addOption(preprocessOption())
    .addOption(
      new Option('--samples <n>', 'samples of SmoothGrad and IntegratedGradients (default 50)').argParser(
        integer('--samples', 2),
      ),
    )
    .requiredOption('-o, --out <dir>', 'where to write the PNGs')
    .addOption(backendOption())
    .addOption(verboseOption())
    .action(async (images: string[], opts: Record<string, unknown>) => {
      await selectBackend(opts.backend as string | undefined);
      await explain(
        images,
        {
          model: opts.model as string,
          weights: opts.weights as string | undefined,
          method: opts.method as string,
          composite: opts.composite as string | undefined,
          class: opts.class as number | undefined,
          top: opts.top as number | undefined,
          layer: opts.layer as string | undefined,
          features: opts.features as number[] | undefined,
          topFeatures: opts.topFeatures as number | undefined,
          overlay: opts.overlay as boolean | undefined,
          colormap: opts.colormap as string | undefined,
          preprocess: opts.preprocess as Preprocessing | undefined,
          samples: opts.samples as number | undefined,
          region: opts.region as [number, number, number, number] | undefined,
          out: opts.out as string,
        },
        io,
      );
    });

  root
    .command('demo')
    .description(
      'explain images of the demo dataset with every LRP preset, CRP and the gradient methods; writes montage.png and index.html',
    )
    .requiredOption('-o, --out <dir>', 'where to write montage.png and index.html')
    .addOption(new Option('--images <n>', 'how many images (default 8)').argParser(integer('--images', 1)))
    .addOption(
      new Option('--seed <s>', `the dataset's seed (default ${DEMO_SEED})`).argParser(integer('--seed', 0)),
    )
    .addOption(
      new Option('--samples <n>', 'samples of SmoothGrad and IntegratedGradients (default 50)').argParser(
        integer('--samples', 2),
      ),
    )
    .addOption(backendOption())
    .addOption(verboseOption())
    .action(async (opts: Record<string, unknown>) => {
      const backend = await selectBackend(opts.backend as string | undefined);
      await runDemo({
        out: opts.out as string,
        io,
        backend,
        ...(opts.images !== undefined ? { n: opts.images as number } : {}),
        ...(opts.seed !== undefined ? { seed: opts.seed as number } : {}),
        ...(opts.samples !== undefined ? { samples: opts.samples as number } : {}),
      });
    });

  root
    .command('check')
    .description("run LRP's model check and print the layer => rule table of a composite")
    .argument(
      '<model>',
      'demo, unet, vgg11 ... vgg19 (_bn), resnet50, resnet50v2, mobilenetv2, inceptionv3, efficientnetb0, densenet121, or a model.json (no pretrained weights are needed)',
    )
    .option('--composite <name>', `a preset: ${COMPOSITES.join(', ')} (default ${DEFAULT_COMPOSITE})`)
    .addOption(preprocessOption())
    .addOption(backendOption())
    .addOption(verboseOption())
    .action(async (model: string, opts: Record<string, unknown>) => {
      await selectBackend(opts.backend as string | undefined);
      const ok = await check(
        model,
        {
          composite: opts.composite as string | undefined,
          preprocess: opts.preprocess as Preprocessing | undefined,
        },
        io,
      );
      if (!ok) outcome.code = 1;
    });
  root
    .command('evaluate')
    .description(
      'measure explanations of a dataset: pixel flipping (SRG, AOPC), randomisation sanity, sensitivity, complexity, localisation; writes results.json, results.csv and index.html',
    )
    .requiredOption('-o, --out <dir>', 'the folder to write results.json, results.csv and index.html to')
    .option('--model <model>', 'demo, vgg11 ... vgg19 (_bn), or a model.json', 'demo')
    .option(
      '--data <data>',
      'demo (the demo dataset, with object masks) or a folder of PNG/JPEG images',
      'demo',
    )
    .option('--methods <list>', `comma-separated, default all: ${EVALUATION_METHODS.join(', ')}`)
    .option('--metrics <list>', `comma-separated, default all: ${EVALUATION_METRICS.join(', ')}`)
    .addOption(
      new Option('-n, --n <n>', 'how many images (default 200; --quick 24)').argParser(integer('--n', 2)),
    )
    .addOption(
      new Option('--seed <s>', 'the seed of the data and every random choice (default 7)').argParser(
        integer('--seed', 0),
      ),
    )
    .option('--quick', 'a run of under two minutes: fewer images, samples and perturbations')
    .addOption(preprocessOption())
    .addOption(backendOption())
    .addOption(verboseOption())
    .action(async (opts: Record<string, unknown>) => {
      const backend = await selectBackend(opts.backend as string | undefined);
      await evaluateCommand(
        {
          model: opts.model as string,
          data: opts.data as string,
          methods: opts.methods as string | undefined,
          metrics: opts.metrics as string | undefined,
          n: opts.n as number | undefined,
          seed: opts.seed as number | undefined,
          quick: opts.quick === true,
          out: opts.out as string,
          preprocess: opts.preprocess as Preprocessing | undefined,
          backend,
        },
        io,
      );
    });
  addCacheCommand(root, io, (code) => {
    outcome.code = code;
  });
  addConceptsCommand(root, io, (code) => {
    outcome.code = code;
  });
  return root;
}

/**
 * Runs the `xai` command line: `xai explain`, `xai demo`, `xai check`, `xai evaluate` (see `xai --help`). Errors are one line on
 * stderr: exit code 2 for a mistake in what was given (unknown option, method or composite, a missing or
 * unreadable file, a class out of range, a model LRP cannot explain), 1 for a failed model check or an unexpected
 * error. `--verbose` adds the stack trace.
 *
 * @param argv - the arguments after the program name (`process.argv.slice(2)`)
 * @param io - where to write (default: the process's stdout and stderr)
 * @returns the exit code: 0 on success
 *
 * @example
 * ```ts
 * process.exitCode = await main(['demo', '--out', 'demo-out']);
 * ```
 */
export async function main(
  argv: readonly string[],
  io: CliIO = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const verbose = argv.includes('--verbose');
  const outcome: Outcome = { code: 0 };
  try {
    await program(io, outcome).parseAsync([...argv], { from: 'user' });
    return outcome.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has written its message (one line) or the help text
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
      return 2;
    }
    io.stderr.write(`xai: ${oneLine(error)}\n`);
    if (verbose && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return exitCodeOf(error);
  }
}
