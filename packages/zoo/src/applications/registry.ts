import type * as tf from '@tensorflow/tfjs';
import type { PreprocessMode } from '../imagenet/preprocess.js';
import type { ApplicationOptions } from './common.js';
import { denseNet121 } from './densenet121.js';
import { efficientNetB0 } from './efficientnet-b0.js';
import { inceptionV3 } from './inception-v3.js';
import { mobileNetV2 } from './mobilenet-v2.js';
import { resNet50 } from './resnet50.js';
import { resNet50V2 } from './resnet50-v2.js';

/**
 * The Keras Applications the zoo builds, by their Keras names.
 *
 * @example
 * ```ts
 * const name: KerasApplication = 'ResNet50';
 * KERAS_APPLICATIONS[name].inputSize; // 224
 * ```
 */
export type KerasApplication =
  | 'ResNet50'
  | 'ResNet50V2'
  | 'MobileNetV2'
  | 'InceptionV3'
  | 'DenseNet121'
  | 'EfficientNetB0';

/**
 * What the zoo knows of one Keras application.
 *
 * @example
 * ```ts
 * const info: KerasApplicationInfo = KERAS_APPLICATIONS.InceptionV3; // inputSize 299, preprocessing 'tf'
 * ```
 */
export interface KerasApplicationInfo {
  /** The builder (random weights). */
  build: (options?: ApplicationOptions) => tf.LayersModel;
  /** The name Keras gives the model (MobileNetV2's ends in its alpha and size: `mobilenetv2_1.00_224`). */
  modelName: string;
  /** The input size of Keras's ImageNet weights (and the builder's default). */
  inputSize: number;
  /** The least height and width the builder takes. */
  minSize: number;
  /** The preprocessing its ImageNet weights expect (`none`: inside the model). */
  preprocessing: PreprocessMode;
}

/**
 * Each Keras application: builder, model name, ImageNet input size, least input size and preprocessing mode
 * (Keras's `<module>.preprocess_input`: ResNet50 `caffe`; ResNet50V2, MobileNetV2 and InceptionV3 `tf`; DenseNet121
 * `torch`; EfficientNetB0 none, its Rescaling and Normalization layers are in the model).
 *
 * @example
 * ```ts
 * const { build, inputSize, preprocessing } = KERAS_APPLICATIONS.DenseNet121; // 224, 'torch'
 * const model = build({ classifierActivation: null });
 * ```
 */
export const KERAS_APPLICATIONS: Readonly<Record<KerasApplication, KerasApplicationInfo>> = {
  ResNet50: { build: resNet50, modelName: 'resnet50', inputSize: 224, minSize: 32, preprocessing: 'caffe' },
  ResNet50V2: {
    build: resNet50V2,
    modelName: 'resnet50v2',
    inputSize: 224,
    minSize: 32,
    preprocessing: 'tf',
  },
  MobileNetV2: {
    build: mobileNetV2,
    modelName: 'mobilenetv2_1.00_224',
    inputSize: 224,
    minSize: 32,
    preprocessing: 'tf',
  },
  InceptionV3: {
    build: inceptionV3,
    modelName: 'inception_v3',
    inputSize: 299,
    minSize: 75,
    preprocessing: 'tf',
  },
  DenseNet121: {
    build: denseNet121,
    modelName: 'densenet121',
    inputSize: 224,
    minSize: 32,
    preprocessing: 'torch',
  },
  EfficientNetB0: {
    build: efficientNetB0,
    modelName: 'efficientnetb0',
    inputSize: 224,
    minSize: 32,
    preprocessing: 'none',
  },
};

/**
 * The preprocessing mode of each application's ImageNet weights (see `preprocessInput`).
 *
 * @example
 * ```ts
 * const x = preprocessInput(rgb, APPLICATION_PREPROCESSING.ResNet50); // caffe: BGR minus the means
 * ```
 */
export const APPLICATION_PREPROCESSING: Readonly<Record<KerasApplication, PreprocessMode>> =
  Object.fromEntries(Object.entries(KERAS_APPLICATIONS).map(([k, v]) => [k, v.preprocessing])) as Record<
    KerasApplication,
    PreprocessMode
  >;

/**
 * The Keras application a model is, by the name its builder gave it (`resnet50`, `mobilenetv2_0.35_96`, …).
 *
 * @param model - a model from one of the application builders
 * @returns the application, or `undefined` for any other model
 *
 * @example
 * ```ts
 * applicationOf(resNet50V2()); // 'ResNet50V2'
 * ```
 */
export function applicationOf(model: tf.LayersModel): KerasApplication | undefined {
  if (model.name.startsWith('mobilenetv2_')) return 'MobileNetV2';
  return (Object.keys(KERAS_APPLICATIONS) as KerasApplication[]).find(
    (k) => KERAS_APPLICATIONS[k].modelName === model.name,
  );
}
