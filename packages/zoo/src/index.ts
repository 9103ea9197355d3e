/**
 * The model zoo of xai-ts (Metalhead.jl's role): VGG11/13/16/19 with pretrained ImageNet weights (torchvision via
 * timm's safetensors, or keras-applications HDF5), the Keras Applications ResNet50, ResNet50V2, MobileNetV2,
 * InceptionV3, DenseNet121 and EfficientNetB0 (Keras's layer names, random or Keras's ImageNet weights), a U-Net,
 * image decoding and ImageNet preprocessing (Keras's caffe, tf and torch modes), the ImageNet class names, and a small demo CNN that ships with its weights together with the procedural dataset it was trained on.
 * This entry runs in browsers and Node; Node-only helpers (download cache, files) are in `@xai-ts/zoo/node`.
 *
 * @packageDocumentation
 */

export type {
  ApplicationOptions,
  ClassifierActivation,
  Pooling,
} from './applications/common.js';
export { type DenseNet121Options, denseNet121 } from './applications/densenet121.js';
export { type EfficientNetB0Options, efficientNetB0 } from './applications/efficientnet-b0.js';
export { type InceptionV3Options, inceptionV3 } from './applications/inception-v3.js';
export { type MobileNetV2Options, mobileNetV2 } from './applications/mobilenet-v2.js';
export { Normalization, type NormalizationArgs } from './applications/normalization.js';
export {
  APPLICATION_PREPROCESSING,
  applicationOf,
  KERAS_APPLICATIONS,
  type KerasApplication,
  type KerasApplicationInfo,
} from './applications/registry.js';
export { type ResNet50Options, resNet50 } from './applications/resnet50.js';
export { type ResNet50V2Options, resNet50V2 } from './applications/resnet50-v2.js';
export { type UNetOptions, type UNetUpsampling, uNet } from './applications/unet.js';
export {
  applicationWeightsFile,
  applicationWeightsFiles,
  type KerasApplicationOptions,
  kerasApplication,
  loadApplicationWeights,
} from './applications/weights.js';
export { buildDemoModel } from './demo/architecture.js';
export { type DemoDataset, type DemoDatasetOptions, demoDataset } from './demo/dataset.js';
export { loadDemoModel } from './demo/model.js';
export { DEMO_CLASS_NAMES } from './demo/shapes.js';
export {
  buildDemoUNet,
  DEMO_SEGMENTATION_CLASSES,
  demoSegmentationMaps,
  loadDemoUNet,
} from './demo/unet.js';
export {
  ChecksumError,
  DownloadError,
  UnexpectedContentError,
  WeightsFormatError,
  WeightsMismatchError,
  WeightsNotFoundError,
  ZooError,
} from './errors.js';
export { keras3WeightPaths, readKerasH5, readKerasWeights } from './formats/keras-h5.js';
export { type RawTensor, readSafetensors, writeSafetensors } from './formats/safetensors.js';
export { decodeImage, loadImage, type Pixels } from './imagenet/image.js';
export { decodePredictions, IMAGENET_CLASSES, type Prediction } from './imagenet/labels.js';
export {
  type ChannelNormalization,
  centerResizeCrop,
  type ImageInput,
  NORMALIZATION,
  PREPROCESS_MODES,
  type PreprocessMode,
  type PreprocessOptions,
  preprocess,
  preprocessInput,
} from './imagenet/preprocess.js';
export type { VggDepth } from './vgg/architecture.js';
export { loadKerasWeights } from './vgg/keras.js';
export { vggWeightsFile, type WeightSource, type WeightsFile } from './vgg/sources.js';
export { loadTorchvisionWeights } from './vgg/torchvision.js';
export {
  fetchBytes,
  type Progress,
  type VggOptions,
  vgg11,
  vgg13,
  vgg16,
  vgg19,
  type WeightsData,
  weightSourceOf,
} from './vgg/vgg.js';
