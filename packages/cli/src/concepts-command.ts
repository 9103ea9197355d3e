import { stat } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import {
  attributionGraph,
  type ConceptDataset,
  demoConceptDataset,
  generatorDataset,
} from '@xai-ts/concepts';
import { atlasData } from '@xai-ts/concepts/atlas';
import { AtlasOutputError, writeAtlas } from '@xai-ts/concepts/atlas/node';
import { folderDataset, mineToStore, openStoreFile, startConceptWorker } from '@xai-ts/concepts/node';
import { compositeFromSpec, LRP } from '@xai-ts/lrp';
import { NORMALIZATION } from '@xai-ts/zoo';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { BACKENDS, selectBackend } from './backend.js';
import { CliError } from './errors.js';
import { prepareImage, readImage } from './images.js';
import type { CliIO } from './io.js';
import { type LoadedModel, loadModel } from './models.js';

/** The seed of `xai concepts mine demo`'s samples. */
const DEMO_DATA_SEED = 0;

/**
 * Options of {@link conceptsMine}.
 *
 * @example
 * ```ts
 * const options: ConceptsMineOptions = { model: 'demo', out: 'concepts.sqlite', layers: ['conv2', 'conv3'], top: 16 };
 * ```
 */
export interface ConceptsMineOptions {
  /** The model: `demo`, `vgg16`, a model.json … */
  model: string;
  /** The store file (resumed when it exists). */
  out: string;
  /** The layers to mine (default: the last convolution of each block). */
  layers?: string[] | undefined;
  /** Top samples kept per channel (default 16). */
  top?: number | undefined;
  /** `demo`: how many samples (default 500); a folder: at most this many of its images (default all). */
  n?: number | undefined;
  /** Worker threads (default 0: the main thread). */
  workers?: number | undefined;
  /** Samples per shard, the unit of a commit (default 50). */
  shardSize?: number | undefined;
  /**
   * Store the attribution graph of each concept on its top sample, through the mined layers below (depth 2, width
   * 3), for the atlas (default true).
   */
  graphs?: boolean | undefined;
  /**
   * Mine through this BullMQ queue on Redis (`redis://host:port`): the shards go to `xai concepts worker`s on any
   * machines; this process reads the samples and commits the store. Default: mine here.
   */
  queue?: string | undefined;
}

/**
 * `xai concepts mine DATA|demo --model M --out STORE`: mines the channels of a model's layers over a dataset (the
 * demo shapes, or a folder of images with one subfolder per class) into a concept store, resumably: rerunning the
 * same command continues where a stopped run ended. Progress on stderr (samples/s and ETA on a terminal, JSON
 * lines otherwise), a summary on stdout.
 *
 * @param io - where to write
 * @param data - `demo`, or a folder of PNG/JPEG images
 * @param options - the model, the store and the mining settings
 * @returns the exit code, 0
 * @throws {@link CliError} for a missing folder or a store mined with other settings
 * @example
 * ```ts
 * await conceptsMine(io, 'demo', { model: 'demo', out: 'concepts.sqlite', n: 500, workers: 2 });
 * ```
 */
export async function conceptsMine(io: CliIO, data: string, options: ConceptsMineOptions): Promise<number> {
  const loaded = await loadModel(options.model);
  const dataset = await datasetOf(data, loaded, options.n);
  const { store, minedShards, skippedShards, seconds } = await mineToStore({
    model: loaded.model,
    modelName: options.model,
    dataset,
    out: options.out,
    ...(options.layers ? { layers: options.layers } : {}),
    top: options.top ?? 16,
    shardSize: options.shardSize ?? 50,
    workers: options.workers ?? 0,
    ...(loaded.classNames && !dataset.classNames ? { classNames: loaded.classNames } : {}),
    progress: io.stderr,
    graphs: options.graphs === false ? false : { depth: 2, width: 3 },
    ...(options.queue
      ? {
          queue: {
            url: options.queue,
            onStalled: (shard: number) =>
              io.stderr.write(
                `xai: the worker of shard ${shard} stopped; the shard goes back to the queue\n`,
              ),
          },
        }
      : {}),
  });
  const config = store.config()!;
  const mined = store.samples().length;
  store.close();
  const rate = seconds > 0 && minedShards > 0 ? `, ${(mined / seconds).toFixed(1)} samples/s` : '';
  io.stdout.write(
    `${options.out}: ${mined} samples of ${dataset.name}, layers ${config.layers.map((l) => l.name).join(', ')}, top ${config.top}; ` +
      `${minedShards} shard${minedShards === 1 ? '' : 's'} mined now${skippedShards ? `, ${skippedShards} found done` : ''} in ${seconds.toFixed(1)} s${rate}\n`,
  );
  return 0;
}

async function datasetOf(data: string, loaded: LoadedModel, n: number | undefined): Promise<ConceptDataset> {
  const [h, w, c] = loaded.inputSize;
  if (data === 'demo') {
    if (h !== 32 || w !== 32 || c !== 3)
      throw new CliError(
        `the demo data are 32×32 RGB images, but ${loaded.label} takes ${h}×${w}×${c}; give a folder of images`,
      );
    return demoConceptDataset({ n: n ?? 500, seed: DEMO_DATA_SEED });
  }
  const found = await stat(data).catch(() => undefined);
  if (!found?.isDirectory())
    throw new CliError(
      `${data} is not a folder; give demo or a folder of PNG/JPEG images (one subfolder per class for labels)`,
    );
  if (c !== 3) throw new CliError(`${loaded.label} takes ${c}-channel inputs; folders of images give RGB`);
  const p = loaded.preprocessing;
  const folder = await folderDataset(data, {
    size: [h, w],
    preprocess:
      p === 'unit' || p === 'raw'
        ? p
        : p === 'tf'
          ? (rgb) => rgb.div(127.5).sub(1) as tf.Tensor3D
          : (rgb) => {
              const norm = NORMALIZATION[p];
              let y = rgb.mul(norm.scale);
              if (norm.bgr) y = tf.reverse(y, -1);
              return y.sub(tf.tensor1d(norm.mean)).div(tf.tensor1d(norm.std)) as tf.Tensor3D;
            },
  });
  if (n === undefined || n >= folder.size) return folder;
  return generatorDataset({
    name: `${folder.name}[:${n}]`,
    size: n,
    inputShape: folder.inputShape,
    ...(folder.classNames ? { classNames: folder.classNames } : {}),
    sample: async (i) => (await folder.batch([i]))[0]!,
  });
}

/**
 * `xai concepts graph STORE --layer L --channel C --image IMG`: the attribution graph of a concept on an image (which
 * lower-layer channels carry its relevance), with the model and LRP composite of the store's run, as JSON on
 * stdout.
 *
 * @param io - where to write
 * @param storePath - a store written by `xai concepts mine`
 * @param options - the concept, the image, the depth and width of the graph
 * @returns the exit code, 0
 * @throws {@link CliError} for a missing store or a layer it did not mine
 * @example
 * ```ts
 * await conceptsGraph(io, 'concepts.sqlite', { layer: 'conv3', channel: 7, image: 'cat.png' });
 * ```
 */
export async function conceptsGraph(
  io: CliIO,
  storePath: string,
  options: {
    layer: string;
    channel: number;
    image: string;
    depth?: number | undefined;
    width?: number | undefined;
  },
): Promise<number> {
  if (!(await stat(storePath).catch(() => undefined))?.isFile())
    throw new CliError(`no concept store at ${storePath}`);
  const store = await openStoreFile(storePath);
  const config = store.config();
  store.close();
  if (!config) throw new CliError(`${storePath} holds no mining run`);
  const layers = config.layers.map((l) => l.name);
  if (!layers.includes(options.layer))
    throw new CliError(
      `${storePath} has no concepts of layer "${options.layer}"; it mined ${layers.join(', ')}`,
    );
  const pixels = await readImage(options.image);
  const loaded = await loadModel(config.model);
  const lrp = new LRP(loaded.model, compositeFromSpec(config.composite));
  const { input } = prepareImage(pixels, loaded);
  try {
    const graph = attributionGraph(lrp, input, {
      layer: options.layer,
      channel: options.channel,
      ...(options.depth !== undefined ? { depth: options.depth } : {}),
      ...(options.width !== undefined ? { width: options.width } : {}),
    });
    io.stdout.write(`${JSON.stringify(graph, null, 2)}\n`);
  } finally {
    input.dispose();
    lrp.dispose();
  }
  return 0;
}

/**
 * `xai concepts worker --queue URL`: mines the shards of any `xai concepts mine --queue URL` run from the queue until
 * stopped (Ctrl-C or SIGTERM finish the current shard, then exit 0). One JSON line per shard started and done on
 * stdout.
 *
 * @param io - where to write
 * @param options - the queue, the lock duration and the backend
 * @param stop - resolves when the worker should stop (the command passes SIGINT/SIGTERM)
 * @returns the exit code, 0
 * @example
 * ```ts
 * await conceptsWorker(io, { queue: 'redis://10.0.0.5:6379' }, new Promise((r) => process.once('SIGTERM', r)));
 * ```
 */
export async function conceptsWorker(
  io: CliIO,
  options: { queue: string; lockMs?: number | undefined; backend?: string | undefined },
  stop: Promise<unknown>,
): Promise<number> {
  const worker = await startConceptWorker({
    url: options.queue,
    ...(options.backend ? { backend: options.backend } : {}),
    ...(options.lockMs !== undefined
      ? { lockDurationMs: options.lockMs, stalledIntervalMs: Math.max(100, Math.round(options.lockMs / 2)) }
      : {}),
    onEvent: (e) => io.stdout.write(`${JSON.stringify(e)}\n`),
  });
  io.stderr.write(`xai: concepts worker listening on ${options.queue}\n`);
  await stop;
  await worker.close();
  io.stderr.write(
    `xai: concepts worker stopped after ${worker.mined} shard${worker.mined === 1 ? '' : 's'}\n`,
  );
  return 0;
}

/**
 * `xai concepts show STORE --out DIR`: writes the concept atlas of a store as a static site that opens from
 * `file://` (index.html: every channel's top samples and crops, per-class relevance, attribution graphs, search by
 * class; live.html: explain an image in the browser with the demo model).
 *
 * @param io - where to write
 * @param storePath - a store written by `xai concepts mine`
 * @param options - the output folder, whether to overwrite it, whether to write the live page
 * @returns the exit code, 0
 * @throws {@link CliError} for a missing store or an output folder that holds other files
 * @example
 * ```ts
 * await conceptsShow(io, 'concepts.sqlite', { out: 'atlas' });
 * ```
 */
export async function conceptsShow(
  io: CliIO,
  storePath: string,
  options: { out: string; overwrite?: boolean | undefined; live?: boolean | undefined },
): Promise<number> {
  if (!(await stat(storePath).catch(() => undefined))?.isFile())
    throw new CliError(`no concept store at ${storePath}`);
  const store = await openStoreFile(storePath);
  let data: ReturnType<typeof atlasData>;
  try {
    if (!store.config())
      throw new CliError(`${storePath} holds no mining run; mine one with xai concepts mine`);
    data = atlasData(store);
  } finally {
    store.close();
  }
  try {
    const site = await writeAtlas(data, options.out, {
      ...(options.overwrite ? { overwrite: true } : {}),
      ...(options.live === false ? { live: false } : {}),
    });
    io.stdout.write(
      `wrote the atlas of ${data.concepts.length} concepts (${data.layers.map((l) => l.name).join(', ')}) to ${site.index}${site.live ? ` and ${site.live}` : ''}\n`,
    );
  } catch (e) {
    if (e instanceof AtlasOutputError) throw new CliError(e.message);
    throw e;
  }
  return 0;
}

function integer(what: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min)
      throw new InvalidArgumentError(`${what} must be an integer ≥ ${min}.`);
    return n;
  };
}

function names(value: string): string[] {
  const list = value.split(',').map((s) => s.trim());
  if (list.some((s) => s === ''))
    throw new InvalidArgumentError('give layer names separated by commas, such as conv2,conv3.');
  return list;
}

/**
 * Adds `xai concepts mine`, `worker`, `show` and `graph` to the command line.
 *
 * @param root - the `xai` command
 * @param io - where to write
 * @param exit - receives the exit code
 * @example
 * ```ts
 * addConceptsCommand(root, io, (code) => { outcome.code = code; });
 * ```
 */
export function addConceptsCommand(root: Command, io: CliIO, exit: (code: number) => void): void {
  const concepts = root
    .command('concepts')
    .description(
      'concept discovery: mine the samples that make each channel relevant or active, attribution graphs',
    );
  const backend = () =>
    new Option(
      '--backend <name>',
      'TF.js backend of the main thread (default: tensorflow if tfjs-node is installed, else wasm)',
    ).choices(BACKENDS);
  concepts
    .command('mine')
    .description('mine a dataset into a concept store (resumable: rerun the same command to continue)')
    .argument('<data>', 'demo, or a folder of PNG/JPEG images (one subfolder per class for labels)')
    .requiredOption('-m, --model <model>', 'demo, vgg11 … vgg19 (_bn), or a model.json')
    .option(
      '--layers <names>',
      'layers to mine, separated by commas (default: the last convolution of each block)',
      names,
    )
    .addOption(
      new Option('--top <k>', 'samples kept per channel (default 16)').argParser(integer('--top', 1)),
    )
    .addOption(
      new Option('--n <count>', 'demo: samples (default 500); a folder: at most this many images').argParser(
        integer('--n', 1),
      ),
    )
    .addOption(
      new Option('--workers <count>', 'worker threads (default 0: the main thread)').argParser(
        integer('--workers', 0),
      ),
    )
    .addOption(
      new Option('--shard-size <count>', 'samples per commit (default 50)').argParser(
        integer('--shard-size', 1),
      ),
    )
    .option('--no-graphs', "skip the attribution graphs of each concept's top sample (stored for the atlas)")
    .option(
      '--queue <url>',
      'mine through a BullMQ queue on Redis (redis://host:port) with xai concepts worker',
    )
    .requiredOption('-o, --out <store>', 'the store file (SQLite); resumed when it exists')
    .addOption(backend())
    .option('--verbose', 'print the stack trace of an error')
    .action(async (data: string, opts: Record<string, unknown>) => {
      await selectBackend(opts.backend as string | undefined);
      exit(
        await conceptsMine(io, data, {
          model: opts.model as string,
          out: opts.out as string,
          layers: opts.layers as string[] | undefined,
          top: opts.top as number | undefined,
          n: opts.n as number | undefined,
          workers: opts.workers as number | undefined,
          shardSize: opts.shardSize as number | undefined,
          graphs: opts.graphs as boolean | undefined,
          queue: opts.queue as string | undefined,
        }),
      );
    });
  concepts
    .command('worker')
    .description(
      'mine shards from a queue for xai concepts mine --queue runs, on this machine, until stopped',
    )
    .requiredOption('--queue <url>', 'the Redis server of the queue, redis://host:port')
    .addOption(
      new Option(
        '--lock-ms <ms>',
        "how long a dead worker's shard waits before another worker takes it (default 30000)",
      ).argParser(integer('--lock-ms', 200)),
    )
    .addOption(
      new Option('--backend <name>', 'TF.js backend to mine on (default: wasm when installed)').choices(
        BACKENDS,
      ),
    )
    .option('--verbose', 'print the stack trace of an error')
    .action(async (opts: Record<string, unknown>) => {
      const backendName = await selectBackend(opts.backend as string | undefined);
      const stop = new Promise((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      exit(
        await conceptsWorker(
          io,
          { queue: opts.queue as string, lockMs: opts.lockMs as number | undefined, backend: backendName },
          stop,
        ),
      );
    });
  concepts
    .command('show')
    .description('write the concept atlas of a store: a static site that opens from file://')
    .argument('<store>', 'a store written by xai concepts mine')
    .requiredOption('-o, --out <dir>', 'the folder of the site (new or empty, or use --overwrite)')
    .option('--overwrite', "replace the site's files in a folder that holds them")
    .option('--no-live', 'leave out live.html, the page that explains an uploaded image in the browser')
    .option('--verbose', 'print the stack trace of an error')
    .action(async (storePath: string, opts: Record<string, unknown>) => {
      exit(
        await conceptsShow(io, storePath, {
          out: opts.out as string,
          overwrite: opts.overwrite as boolean | undefined,
          live: opts.live as boolean | undefined,
        }),
      );
    });
  concepts
    .command('graph')
    .description(
      "print a concept's attribution graph on an image as JSON: the lower-layer channels that carry its relevance",
    )
    .argument('<store>', 'a store written by xai concepts mine')
    .requiredOption('--layer <name>', 'the concept layer (one the store mined)')
    .addOption(
      new Option('--channel <c>', 'the concept channel')
        .argParser(integer('--channel', 0))
        .makeOptionMandatory(),
    )
    .requiredOption('--image <file>', 'a PNG or JPEG image')
    .addOption(
      new Option('--depth <levels>', 'levels below the concept (default 2)').argParser(integer('--depth', 0)),
    )
    .addOption(
      new Option('--width <k>', 'channels kept per node and level (default 3)').argParser(
        integer('--width', 1),
      ),
    )
    .addOption(backend())
    .option('--verbose', 'print the stack trace of an error')
    .action(async (storePath: string, opts: Record<string, unknown>) => {
      await selectBackend(opts.backend as string | undefined);
      exit(
        await conceptsGraph(io, storePath, {
          layer: opts.layer as string,
          channel: opts.channel as number,
          image: opts.image as string,
          depth: opts.depth as number | undefined,
          width: opts.width as number | undefined,
        }),
      );
    });
}
