import { readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readGraph, stripSoftmax } from '@xai-ts/canonize';
import {
  DEMO_CLASS_NAMES,
  DEMO_SEGMENTATION_CLASSES,
  IMAGENET_CLASSES,
  KERAS_APPLICATIONS,
  type KerasApplication,
  loadDemoModel,
  loadDemoUNet,
  NORMALIZATION,
  type PreprocessMode,
  type VggDepth,
  type WeightSource,
  weightSourceOf,
} from '@xai-ts/zoo';
import {
  ensureWeightsFile,
  fileSystem,
  kerasApplication,
  urlWeightsFile,
  vgg11,
  vgg13,
  vgg16,
  vgg19,
} from '@xai-ts/zoo/node';
import { CliError, oneLine } from './errors.js';

/**
 * How images become model inputs: `unit` RGB / 255 (the demo models), `raw` RGB in 0..255 (EfficientNet, whose
 * normalisation is inside the model), `torchvision` (Keras's `torch` mode: DenseNet121), `keras` (Keras's `caffe`
 * mode: VGG, ResNet50) ImageNet normalisation, or `tf`: RGB scaled to [-1, 1] (ResNet50V2, MobileNetV2,
 * InceptionV3).
 */
export type Preprocessing = 'unit' | 'raw' | 'torchvision' | 'keras' | 'tf';

/** The preprocessings, for option validation. */
export const PREPROCESSINGS: readonly Preprocessing[] = ['unit', 'raw', 'torchvision', 'keras', 'tf'];

/** The Keras applications the command knows, by their names on the command line. */
const APPLICATIONS: Readonly<Record<string, KerasApplication>> = {
  resnet50: 'ResNet50',
  resnet50v2: 'ResNet50V2',
  mobilenetv2: 'MobileNetV2',
  inceptionv3: 'InceptionV3',
  efficientnetb0: 'EfficientNetB0',
  densenet121: 'DenseNet121',
};

/** The command's preprocessing for each of Keras's `preprocess_input` modes. */
const FROM_KERAS_MODE: Readonly<Record<PreprocessMode, Preprocessing>> = {
  caffe: 'keras',
  torch: 'torchvision',
  tf: 'tf',
  none: 'raw',
};

/** A model ready to explain, with what the command needs to know about it. */
export interface LoadedModel {
  /** The model; it outputs logits. */
  readonly model: tf.LayersModel;
  /** How the user named it: `demo`, `vgg16`, or a path. */
  readonly label: string;
  /** The class names, when known (the demo's shapes, ImageNet for 1000 classes). */
  readonly classNames: readonly string[] | undefined;
  /** Outputs of the model: classes per sample (classification) or per pixel (segmentation). */
  readonly numClasses: number;
  /**
   * `classification`: output `[batch, classes]`; `segmentation`: per-pixel logits `[batch, height, width, classes]`,
   * explained for a region (`--region`).
   */
  readonly task: 'classification' | 'segmentation';
  /** Segmentation: the output's height and width (the coordinates of `--region`). */
  readonly outputSize?: readonly [height: number, width: number];
  /** Input height, width and channels. */
  readonly inputSize: readonly [height: number, width: number, channels: number];
  /** How images are turned into inputs. */
  readonly preprocessing: Preprocessing;
  /** The lowest and highest input value of each channel (ZBox bounds, SmoothGrad noise scale). */
  readonly inputRange: { readonly low: readonly number[]; readonly high: readonly number[] };
  /** The last convolution with a spatial output, the default layer of CRP and Grad-CAM. */
  readonly lastConvLayer: string | undefined;
  /** What was done to the model on loading, for the user (such as removing a final softmax). */
  readonly notes: readonly string[];
}

/** Options of {@link loadModel}. */
export interface LoadModelOptions {
  /** VGG weights: a local `.safetensors` (torchvision) or `.h5` (keras) file, or an http(s) URL. */
  weights?: string;
  /**
   * Skip pretrained weights (enough for a model check: only the architecture matters): VGG is built with zero
   * weights, without touching the download cache.
   */
  architectureOnly?: boolean;
  /** Override how images become inputs (a model.json's default is `unit`). */
  preprocessing?: Preprocessing;
}

const VGG = /^vgg(11|13|16|19)(?:[-_]?(bn))?$/i;
const BUILDERS = { 11: vgg11, 13: vgg13, 16: vgg16, 19: vgg19 } as const;

function rangeOf(p: Preprocessing, channels: number): { low: number[]; high: number[] } {
  if (p === 'tf') return { low: Array(channels).fill(-1), high: Array(channels).fill(1) };
  if (p === 'unit' || p === 'raw') {
    const high = p === 'unit' ? 1 : 255;
    return { low: Array(channels).fill(0), high: Array(channels).fill(high) };
  }
  const n = NORMALIZATION[p];
  const low = n.mean.map((m, c) => (0 - m) / n.std[c]!);
  const high = n.mean.map((m, c) => (255 * n.scale - m) / n.std[c]!);
  return { low, high };
}

function lastSpatialLayer(model: tf.LayersModel): string | undefined {
  const graph = readGraph(model);
  const nodes = graph.nodes;
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!;
    // a segmentation's per-pixel classifier (its output layer) is no feature layer
    if (graph.output.kind === 'layer' && graph.output.index === i) continue;
    const shape = node.layer.outputShape as (number | null)[];
    if (/Conv2D$/.test(node.className) && shape.length === 4) return node.name;
  }
  return undefined;
}

function describe(
  model: tf.LayersModel,
  label: string,
  preprocessing: Preprocessing,
  classNames?: readonly string[],
  notes: readonly string[] = [],
): LoadedModel {
  if (model.inputs.length !== 1 || model.outputs.length !== 1)
    throw new CliError(
      `${label} has ${model.inputs.length} inputs and ${model.outputs.length} outputs; xai explains image models with one input and one output`,
    );
  const inShape = model.inputs[0]!.shape;
  const outShape = model.outputs[0]!.shape;
  const [, h, w, c] = inShape;
  if (inShape.length !== 4 || !h || !w || (c !== 1 && c !== 3))
    throw new CliError(
      `${label} takes inputs of shape [${inShape.map((d) => d ?? 'null').join(', ')}]; xai explains image models with input [batch, height, width, 1 or 3]`,
    );
  const segmentation = outShape.length === 4 && !!outShape[1] && !!outShape[2] && !!outShape[3];
  if (!segmentation && (outShape.length !== 2 || !outShape[1]))
    throw new CliError(
      `${label} outputs shape [${outShape.map((d) => d ?? 'null').join(', ')}]; xai explains classifiers with output [batch, classes] and segmentations with per-pixel output [batch, height, width, classes]`,
    );
  if ((preprocessing === 'torchvision' || preprocessing === 'keras') && (c !== 3 || h !== w))
    throw new CliError(
      `--preprocess ${preprocessing} needs a square RGB input, but ${label} takes ${h}×${w}×${c}; use unit or raw`,
    );
  const numClasses = segmentation ? outShape[3]! : outShape[1]!;
  const names = classNames ?? (numClasses === IMAGENET_CLASSES.length ? IMAGENET_CLASSES : undefined);
  return {
    model,
    label,
    classNames: names,
    numClasses,
    task: segmentation ? 'segmentation' : 'classification',
    ...(segmentation ? { outputSize: [outShape[1]!, outShape[2]!] as const } : {}),
    inputSize: [h, w, c],
    preprocessing,
    inputRange: rangeOf(preprocessing, c),
    lastConvLayer: lastSpatialLayer(model),
    notes,
  };
}

async function vggWeights(weights: string): Promise<{ source: WeightSource; path: string }> {
  // A URL goes through the zoo's download cache: checked, resumable, downloaded once.
  if (/^https?:\/\//.test(weights)) {
    const file = urlWeightsFile(weights);
    return { source: file.source, path: await ensureWeightsFile(file) };
  }
  const source: WeightSource =
    extname(new URL(weights, 'file:///').pathname) === '.h5' ? 'keras' : 'torchvision';
  if (!(await isFile(weights)))
    throw new CliError(
      `no weights file at ${weights}: give a .safetensors (torchvision/timm) or .h5 (keras-applications) file, or a URL`,
    );
  return { source, path: weights };
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Loads the model the user named: `demo` (the shipped demo CNN), `vgg11` … `vgg19` (optionally `_bn`, ImageNet
 * weights from the zoo's cache or `--weights`), or a `model.json` (or its directory) written by `model.save`.
 *
 * @param spec - the model's name or path
 * @param options - weights, architecture only, preprocessing
 * @returns the model and what the command needs to know about it
 * @throws {@link CliError} for an unknown name, a missing file or a model that is not an image classifier
 */
export async function loadModel(spec: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
  if (spec === 'demo') {
    if (options.weights)
      throw new CliError('--weights is for VGG and the Keras applications; the demo model ships its weights');
    return describe(await loadDemoModel(), 'demo', options.preprocessing ?? 'unit', DEMO_CLASS_NAMES);
  }
  const application = APPLICATIONS[spec.toLowerCase()];
  if (application) {
    const info = KERAS_APPLICATIONS[application];
    let path: string | undefined;
    if (options.weights && !options.architectureOnly) {
      if (/^https?:\/\//.test(options.weights))
        path = await ensureWeightsFile(urlWeightsFile(options.weights));
      else if (!(await isFile(options.weights)))
        throw new CliError(
          `no weights file at ${options.weights}: give Keras's ImageNet .h5 file of ${application} (as keras.applications downloads it), or a URL`,
        );
      else path = options.weights;
    }
    let model: tf.LayersModel;
    try {
      model = await kerasApplication(application, {
        classifierActivation: null,
        pretrained: !options.architectureOnly,
        ...(path ? { path } : {}),
      });
    } catch (e) {
      throw new CliError(`could not build ${application} with its ImageNet weights: ${oneLine(e)}`);
    }
    return describe(
      model,
      spec.toLowerCase(),
      options.preprocessing ?? FROM_KERAS_MODE[info.preprocessing],
      IMAGENET_CLASSES,
    );
  }
  if (spec === 'unet') {
    if (options.weights) throw new CliError('--weights is not for unet: the demo U-Net ships its weights');
    return describe(await loadDemoUNet(), 'unet', options.preprocessing ?? 'unit', DEMO_SEGMENTATION_CLASSES);
  }
  const vgg = VGG.exec(spec);
  if (vgg) {
    const depth = Number(vgg[1]) as VggDepth;
    const batchNorm = vgg[2] !== undefined;
    const w = options.weights && !options.architectureOnly ? await vggWeights(options.weights) : undefined;
    // architecture only: no download, no cache, and zeros instead of 138 million random numbers
    const model = await BUILDERS[depth as keyof typeof BUILDERS]({
      batchNorm,
      ...(options.architectureOnly ? { pretrained: false, init: 'zeros' as const } : { pretrained: true }),
      ...(w ? { weights: w.source, path: w.path } : {}),
    });
    const source = weightSourceOf(model) ?? 'torchvision';
    return describe(model, spec.toLowerCase(), options.preprocessing ?? source, IMAGENET_CLASSES);
  }
  if (spec.endsWith('.json') || (await isDirectory(spec))) {
    if (options.weights)
      throw new CliError(
        `--weights is for VGG and the Keras applications; ${spec} names its weight files in its weightsManifest`,
      );
    const json = spec.endsWith('.json') ? spec : join(spec, 'model.json');
    if (!(await isFile(json))) throw new CliError(`no model file at ${json}`);
    let format: unknown;
    try {
      format = (JSON.parse(await readFile(json, 'utf8')) as { format?: unknown }).format;
    } catch (e) {
      throw new CliError(`${json} is not valid JSON: ${(e as Error).message}`);
    }
    if (format === 'graph-model')
      throw new CliError(
        `${json} is a TF.js graph model; xai explains Keras layers models (tf.LayersModel, format 'layers-model')`,
      );
    let model: tf.LayersModel;
    try {
      model = await tf.loadLayersModel(fileSystem(json));
    } catch (e) {
      throw new CliError(`could not load ${json} as a TF.js layers model: ${oneLine(e)}`);
    }
    // The methods explain logits: a final softmax would turn LRP's check into an error and gradients into
    // gradients of probabilities.
    const logits = stripSoftmax(model);
    if (logits === model) return describe(model, spec, options.preprocessing ?? 'unit');
    model.dispose();
    return describe(logits, spec, options.preprocessing ?? 'unit', undefined, [
      `removed the final softmax of ${spec}: the methods explain its logits`,
    ]);
  }
  throw new CliError(
    `unknown model '${spec}': use demo, unet, vgg11, vgg13, vgg16, vgg19 (add _bn for BatchNorm), ${Object.keys(APPLICATIONS).join(', ')}, or the path of a model.json`,
  );
}
