import * as tf from '@tensorflow/tfjs';
import { WeightsMismatchError, ZooError } from '../errors.js';
import { keras3WeightPaths, readKerasWeights } from '../formats/keras-h5.js';
import type { RawTensor } from '../formats/safetensors.js';
import type { WeightsFile } from '../vgg/sources.js';
import { browserFetcher, type Progress, type WeightsFetcher } from '../vgg/vgg.js';
import type { ApplicationOptions } from './common.js';
import type { MobileNetV2Options } from './mobilenet-v2.js';
import { KERAS_APPLICATIONS, type KerasApplication } from './registry.js';

const GCS = 'https://storage.googleapis.com/tensorflow/keras-applications';

/**
 * The ImageNet files of Keras Applications and the MD5 `file_hash` Keras pins for each (keras/src/applications/*.py
 * at keras-team/keras 3422977a5e38fb2f7709aaa9a08e47f0c43d0f60): [url with the top, its md5, url without, its md5].
 * Keras publishes no hash for MobileNetV2's files; theirs are checked by format and the SHA-256 measured at download.
 */
const FILES: Record<Exclude<KerasApplication, 'MobileNetV2'>, [string, string, string, string]> = {
  ResNet50: [
    `${GCS}/resnet/resnet50_weights_tf_dim_ordering_tf_kernels.h5`,
    '2cb95161c43110f7111970584f804107',
    `${GCS}/resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5`,
    '4d473c1dd8becc155b73f8504c6f6626',
  ],
  ResNet50V2: [
    `${GCS}/resnet/resnet50v2_weights_tf_dim_ordering_tf_kernels.h5`,
    '3ef43a0b657b3be2300d5770ece849e0',
    `${GCS}/resnet/resnet50v2_weights_tf_dim_ordering_tf_kernels_notop.h5`,
    'fac2f116257151a9d068a22e544a4917',
  ],
  InceptionV3: [
    `${GCS}/inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels.h5`,
    '9a0d58056eeedaa3f26cb7ebd46da564',
    `${GCS}/inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5`,
    'bcbd6486424b2319ff4ef7d526e38f63',
  ],
  DenseNet121: [
    `${GCS}/densenet/densenet121_weights_tf_dim_ordering_tf_kernels.h5`,
    '9d60b8095a5708f2dcce2bca79d332c7',
    `${GCS}/densenet/densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5`,
    '30ee3e1110167f948a6b9946edeeb738',
  ],
  EfficientNetB0: [
    'https://storage.googleapis.com/keras-applications/efficientnetb0.h5',
    '902e53a9f72be733fc0bcb005b3ebbac',
    'https://storage.googleapis.com/keras-applications/efficientnetb0_notop.h5',
    '50bc09e76180e00e4465e1a485ddc09d',
  ],
};

/** MobileNetV2's published widths and sizes. */
const MOBILENET_ALPHAS = [0.35, 0.5, 0.75, 1.0, 1.3, 1.4];
const MOBILENET_SIZES = [96, 128, 160, 192, 224];

/**
 * The ImageNet weights file Keras Applications publishes for an application.
 *
 * @param application - `ResNet50`, `ResNet50V2`, `MobileNetV2`, `InceptionV3`, `DenseNet121` or `EfficientNetB0`
 * @param options - `includeTop` (default true; false gives the `_notop` file); MobileNetV2 also `alpha` (1.0) and
 *   `size` (224), which name its file
 * @returns the file's name, URL and the MD5 Keras pins (none for MobileNetV2)
 * @throws {@link ZooError} for an unknown application, or a MobileNetV2 alpha or size Keras has no weights for
 *
 * @example
 * ```ts
 * applicationWeightsFile('ResNet50').md5; // '2cb95161c43110f7111970584f804107'
 * applicationWeightsFile('EfficientNetB0', { includeTop: false }).fileName; // 'efficientnetb0_notop.h5'
 * ```
 */
export function applicationWeightsFile(
  application: KerasApplication,
  options: { includeTop?: boolean; alpha?: number; size?: number } = {},
): WeightsFile {
  const top = options.includeTop ?? true;
  if (application === 'MobileNetV2') {
    const alpha = options.alpha ?? 1.0;
    const size = options.size ?? 224;
    if (!MOBILENET_ALPHAS.includes(alpha) || !MOBILENET_SIZES.includes(size))
      throw new ZooError(
        `Keras publishes MobileNetV2 ImageNet weights for alpha ${MOBILENET_ALPHAS.join(', ')} and sizes ${MOBILENET_SIZES.join(', ')}, not alpha ${alpha} at ${size}`,
      );
    // Python's str(float(alpha)): 1.0, 0.35, ...
    const a = Number.isInteger(alpha) ? alpha.toFixed(1) : String(alpha);
    const fileName = `mobilenet_v2_weights_tf_dim_ordering_tf_kernels_${a}_${size}${top ? '' : '_no_top'}.h5`;
    return { source: 'keras', format: 'keras-h5', fileName, url: `${GCS}/mobilenet_v2/${fileName}` };
  }
  const entry = FILES[application];
  if (!entry)
    throw new ZooError(
      `unknown Keras application "${String(application)}"; use one of ${Object.keys(KERAS_APPLICATIONS).join(', ')}`,
    );
  const [url, md5] = top ? [entry[0], entry[1]] : [entry[2], entry[3]];
  return { source: 'keras', format: 'keras-h5', fileName: url.slice(url.lastIndexOf('/') + 1), url, md5 };
}

/**
 * Every application weights file the zoo knows: each application with and without the top, MobileNetV2 at every
 * published alpha and size.
 *
 * @returns the files
 *
 * @example
 * ```ts
 * applicationWeightsFiles().filter((f) => !f.md5).length; // 60: MobileNetV2's, which Keras does not pin
 * ```
 */
export function applicationWeightsFiles(): WeightsFile[] {
  const files: WeightsFile[] = [];
  for (const app of Object.keys(KERAS_APPLICATIONS) as KerasApplication[])
    for (const includeTop of [true, false]) {
      if (app !== 'MobileNetV2') files.push(applicationWeightsFile(app, { includeTop }));
      else
        for (const alpha of MOBILENET_ALPHAS)
          for (const size of MOBILENET_SIZES)
            files.push(applicationWeightsFile(app, { includeTop, alpha, size }));
    }
  return files;
}

/**
 * Sets a Keras application's weights from a Keras file read by `readKerasWeights` (or `readKerasH5`). Each layer
 * with weights takes the file's layer of the same name (the builders use Keras's names); when some name is missing
 * but the file has exactly as many layers with weights as the model, they are matched in order, as Keras's own
 * `load_weights` reads an `.h5` file (files written by older Keras versions can name automatically named layers
 * differently, e.g. `conv2d_1` for `conv2d`). Every weight's shape is checked. Layers of the file that the model
 * lacks (the top, for `includeTop: false`) are ignored when matching by name.
 *
 * @param model - a model from an application builder
 * @param layers - the file's layers, from `readKerasWeights`; a Keras 3 file's (keys `layers/…`) are matched by class and
 *   order as Keras 3 addresses them (`keras3WeightPaths`)
 * @throws {@link WeightsMismatchError} naming the layer and what to do, for a missing layer or weight, or a shape
 *   that does not fit
 *
 * @example
 * ```ts
 * const model = resNet50({ classifierActivation: null });
 * loadApplicationWeights(model, await readKerasH5(bytes));
 * ```
 */
export function loadApplicationWeights(model: tf.LayersModel, layers: Map<string, RawTensor[]>): void {
  const weighted = model.layers.filter((l) => l.weights.length > 0);
  const keras3 = layers.size > 0 && [...layers.keys()].every((k) => k.startsWith('layers/'));
  const paths = keras3 ? keras3WeightPaths(model) : undefined;
  const keyOf = (l: tf.layers.Layer) => paths?.get(l.name) ?? l.name;
  const missing = weighted.find((l) => !layers.has(keyOf(l)));
  let pairs: [tf.layers.Layer, string, RawTensor[]][];
  if (!missing) pairs = weighted.map((l) => [l, keyOf(l), layers.get(keyOf(l))!]);
  else if (keras3)
    throw new WeightsMismatchError(
      `the Keras 3 weights have no "${keyOf(missing)}", where layer "${missing.name}" (${missing.getClassName()}) of ${model.name} would be: Keras 3 files address layers by class and order, so the file must come from the same architecture and options (${applicationHint(model)})`,
    );
  else {
    const stored = [...layers].filter(([, w]) => w.length > 0);
    if (stored.length !== weighted.length) {
      const hint =
        missing.name === 'predictions'
          ? ': this looks like a file without the top (_notop); build with includeTop: false'
          : layers.has('predictions') && !model.layers.some((l) => l.name === 'predictions')
            ? ': the file has the top (predictions) but the model has not; use the _notop file, or build with includeTop: true'
            : `: is it the file of another model? ${model.name} needs ${applicationHint(model)}`;
      throw new WeightsMismatchError(
        `the Keras weights have no layer "${missing.name}" (${missing.getClassName()}) of ${model.name}, and hold ${stored.length} layers with weights where the model has ${weighted.length}, so they cannot be matched in order either${hint}`,
      );
    }
    pairs = weighted.map((l, i) => [l, stored[i]![0], stored[i]![1]]);
  }
  const values: [tf.layers.Layer, tf.Tensor[]][] = [];
  try {
    for (const [layer, fileName, stored] of pairs) {
      const current = layer.getWeights();
      const where =
        fileName === layer.name
          ? `layer "${layer.name}"`
          : `layer "${layer.name}" (file layer "${fileName}")`;
      if (stored.length !== current.length)
        throw new WeightsMismatchError(
          `${where} has ${current.length} weights but the file holds ${stored.length} for it: the file is not for ${model.name}; check the application and its options`,
        );
      const tensors = stored.map((w, i) => {
        const want = current[i]!.shape;
        if (!tf.util.arraysEqual(w.shape, want))
          throw new WeightsMismatchError(
            `weight ${i} of ${where} has shape [${w.shape.join(',')}] in the file but the model needs [${want.join(',')}]` +
              (layer.name === 'predictions'
                ? '; Keras ImageNet weights have 1000 classes: for another number build with includeTop: false'
                : '; the file is for another architecture or width (alpha), or the input has too few channels'),
          );
        return tf.tensor(w.data, w.shape);
      });
      values.push([layer, tensors]);
    }
    for (const [layer, tensors] of values) layer.setWeights(tensors);
  } finally {
    for (const [, tensors] of values) tf.dispose(tensors);
  }
}

function applicationHint(model: tf.LayersModel): string {
  const app = (Object.keys(KERAS_APPLICATIONS) as KerasApplication[]).find(
    (k) =>
      KERAS_APPLICATIONS[k].modelName === model.name ||
      (k === 'MobileNetV2' && model.name.startsWith('mobilenetv2_')),
  );
  return app
    ? applicationWeightsFile(app).fileName.replace('.h5', '(_notop).h5')
    : "its application's Keras file";
}

/**
 * Options of `kerasApplication`: the builder's options plus which weights to load.
 *
 * @example
 * ```ts
 * const options: KerasApplicationOptions = { pretrained: true, includeTop: false, pooling: 'avg' };
 * ```
 */
export interface KerasApplicationOptions extends ApplicationOptions, Pick<MobileNetV2Options, 'alpha'> {
  /** Load Keras's ImageNet weights (default false: random weights from the builder). */
  pretrained?: boolean;
  /**
   * The bytes of a Keras weights file to load instead of downloading one (implies `pretrained`): `.h5`, Keras 3
   * `.weights.h5` or `.keras`.
   */
  weights?: Uint8Array | ArrayBuffer;
  /** Called as a download proceeds. */
  onProgress?: (progress: Progress) => void;
}

/**
 * Builds an application and, when asked, loads ImageNet weights into it. Shared by the browser entry and the Node
 * entry, which differ only in how they fetch a file.
 */
export async function createApplication(
  application: KerasApplication,
  options: KerasApplicationOptions,
  fetcher: WeightsFetcher,
): Promise<tf.LayersModel> {
  const info = KERAS_APPLICATIONS[application];
  if (!info)
    throw new ZooError(
      `unknown Keras application "${String(application)}"; use one of ${Object.keys(KERAS_APPLICATIONS).join(', ')}`,
    );
  const { pretrained: _p, weights: given, onProgress, alpha, ...build } = options;
  const pretrained = options.pretrained ?? given !== undefined;
  const includeTop = options.includeTop ?? true;
  if (pretrained && includeTop && (options.classes ?? 1000) !== 1000)
    throw new ZooError(
      `Keras's ImageNet ${application} weights have 1000 classes, not ${options.classes}; build with includeTop: false and add your own head`,
    );
  const size = options.inputShape?.[0] ?? info.inputSize;
  const file =
    pretrained && !given
      ? applicationWeightsFile(application, { includeTop, ...(alpha !== undefined ? { alpha } : {}), size })
      : undefined;
  const bytes = given
    ? given instanceof Uint8Array
      ? given
      : new Uint8Array(given)
    : file
      ? await fetcher(file, onProgress)
      : undefined;
  const model =
    application === 'MobileNetV2'
      ? mobileNetV2Build(info, { ...build, ...(alpha !== undefined ? { alpha } : {}) })
      : info.build(build);
  if (!bytes) return model;
  try {
    loadApplicationWeights(model, await readKerasWeights(bytes));
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

function mobileNetV2Build(
  info: (typeof KERAS_APPLICATIONS)['MobileNetV2'],
  options: MobileNetV2Options,
): tf.LayersModel {
  return (info.build as (o: MobileNetV2Options) => tf.LayersModel)(options);
}

/**
 * A Keras application (`ResNet50`, `ResNet50V2`, `MobileNetV2`, `InceptionV3`, `DenseNet121`, `EfficientNetB0`),
 * with random weights or Keras's ImageNet weights, fetched with `fetch` (no cache; in Node use the
 * `kerasApplication` of `@xai-ts/zoo/node`, which caches and checks the MD5 Keras pins) or given as bytes.
 *
 * @param application - the application's Keras name
 * @param options - the builder's options (inputShape, classes, includeTop, pooling, classifierActivation, seed;
 *   MobileNetV2's alpha), `pretrained`, `weights` (a file's bytes), `onProgress`
 * @returns the model; dispose it when done
 * @throws {@link ZooError} for bad options, download and format errors; {@link WeightsMismatchError} for weights
 *   that do not fit
 *
 * @example
 * ```ts
 * const model = await kerasApplication('ResNet50', { pretrained: true, classifierActivation: null });
 * const x = preprocess(pixels, { weights: model }); // caffe mode, as ResNet50's weights expect
 * ```
 */
export function kerasApplication(
  application: KerasApplication,
  options: KerasApplicationOptions = {},
): Promise<tf.LayersModel> {
  return createApplication(application, options, browserFetcher);
}
