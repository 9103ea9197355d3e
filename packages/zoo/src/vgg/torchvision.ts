import * as tf from '@tensorflow/tfjs';
import { WeightsMismatchError } from '../errors.js';
import type { RawTensor } from '../formats/safetensors.js';

/**
 * Sets a Keras-layout VGG's weights from a PyTorch state dict of torchvision's VGG, in timm's layout (the
 * `vgg16.tv_in1k` safetensors on the Hugging Face hub) or torchvision's own:
 *
 * | Keras layer                  | timm key                                  | torchvision key        | mapping                      |
 * | ---------------------------- | ----------------------------------------- | ---------------------- | ---------------------------- |
 * | `blockB_convK` (j-th conv)   | `features.{i}.weight` `[O,I,3,3]`, `.bias` | same                   | OIHW → HWIO                  |
 * | `blockB_convK_bn`            | `features.{i+1}.weight/bias/running_mean/running_var` | same       | γ, β, mean, variance         |
 * | `fc1`                        | `pre_logits.fc1.weight` `[4096,512,7,7]`  | `classifier.0.weight` `[4096,25088]` | (C,H,W) rows → (H,W,C) |
 * | `fc2`                        | `pre_logits.fc2.weight` `[4096,4096,1,1]` | `classifier.3.weight`  | transpose                    |
 * | `predictions`                | `head.fc.weight` `[1000,4096]`            | `classifier.6.weight`  | transpose                    |
 *
 * where `i` counts torchvision's `features` modules (conv, [BatchNorm,] ReLU per convolution; one MaxPool per block).
 *
 * @example
 * ```ts
 * const model = await vgg16({ init: 'zeros' });
 * loadTorchvisionWeights(model, readSafetensors(bytes));
 * ```
 */
export function loadTorchvisionWeights(model: tf.LayersModel, tensors: Map<string, RawTensor>): void {
  // `index` walks torchvision's `features`: conv, [BatchNorm,] ReLU per convolution, MaxPool per block. Without
  // BatchNorm the ReLU is fused into the Keras conv but is a module of its own in PyTorch.
  const fusedRelu = !model.layers.some((l) => l.getClassName() === 'BatchNormalization');
  let index = 0;
  for (const layer of model.layers) {
    const kind = layer.getClassName();
    if (kind === 'Conv2D') {
      const [kh, kw, cin, cout] = layer.getWeights()[0]!.shape as [number, number, number, number];
      const w = take(tensors, `features.${index}.weight`, layer.name);
      expectShape(w, [cout, cin, kh, kw], `features.${index}.weight`, layer.name);
      const bias = vector(tensors, `features.${index}.bias`, cout, layer.name);
      const kernel = tf.tidy(() => tf.tensor4d(w.data, [cout, cin, kh, kw]).transpose([2, 3, 1, 0]));
      setWeights(layer, [kernel, bias]);
      index += fusedRelu ? 2 : 1;
    } else if (kind === 'BatchNormalization') {
      const c = layer.getWeights()[0]!.shape[0]!;
      const names = ['weight', 'bias', 'running_mean', 'running_var'];
      setWeights(
        layer,
        names.map((n) => vector(tensors, `features.${index}.${n}`, c, layer.name)),
      );
      index += 1;
    } else if (kind === 'ReLU' || kind === 'MaxPooling2D') index += 1;
    else if (kind === 'Dense') loadDense(layer, tensors, model);
  }
}

function loadDense(layer: tf.layers.Layer, tensors: Map<string, RawTensor>, model: tf.LayersModel): void {
  const [fanIn, units] = layer.getWeights()[0]!.shape as [number, number];
  const keys: Record<string, [string, string]> = {
    fc1: ['pre_logits.fc1', 'classifier.0'],
    fc2: ['pre_logits.fc2', 'classifier.3'],
    predictions: ['head.fc', 'classifier.6'],
  };
  const pair = keys[layer.name];
  if (!pair) throw new WeightsMismatchError(`no PyTorch weights for Dense layer "${layer.name}"`);
  const prefix = tensors.has(`${pair[0]}.weight`) ? pair[0] : pair[1];
  const w = take(tensors, `${prefix}.weight`, layer.name);
  const rows = w.shape[0]!;
  const cols = w.data.length / rows;
  if (rows !== units || cols !== fanIn)
    throw new WeightsMismatchError(
      `"${prefix}.weight" has shape [${w.shape.join(',')}] but layer "${layer.name}" needs ${units} outputs of ${fanIn} inputs` +
        (layer.name === 'predictions' ? '; for another number of classes build with includeTop: false' : ''),
    );
  let kernel: tf.Tensor2D;
  if (layer.name === 'fc1') {
    // PyTorch flattens block5_pool as (C, H, W), Keras as (H, W, C): reorder fc1's inputs.
    const pool = model.getLayer('block5_pool').outputShape as number[];
    const [h, wd, c] = [pool[1]!, pool[2]!, pool[3]!];
    kernel = tf.tidy(() =>
      tf.tensor4d(w.data, [units, c, h, wd]).transpose([2, 3, 1, 0]).reshape([fanIn, units]),
    );
  } else kernel = tf.tidy(() => tf.tensor2d(w.data, [units, fanIn]).transpose());
  setWeights(layer, [kernel, vector(tensors, `${prefix}.bias`, units, layer.name)]);
}

function take(tensors: Map<string, RawTensor>, key: string, layer: string): RawTensor {
  const t = tensors.get(key);
  if (!t)
    throw new WeightsMismatchError(
      `the weights have no tensor "${key}" for layer "${layer}": is this a torchvision/timm VGG of the same depth and batchNorm setting?`,
    );
  return t;
}

function expectShape(t: RawTensor, shape: number[], key: string, layer: string): void {
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))
    throw new WeightsMismatchError(
      `"${key}" has shape [${t.shape.join(',')}] but layer "${layer}" needs [${shape.join(',')}]`,
    );
}

function vector(tensors: Map<string, RawTensor>, key: string, n: number, layer: string): tf.Tensor1D {
  const t = take(tensors, key, layer);
  if (t.data.length !== n)
    throw new WeightsMismatchError(`"${key}" has ${t.data.length} values but layer "${layer}" needs ${n}`);
  return tf.tensor1d(t.data);
}

function setWeights(layer: tf.layers.Layer, weights: tf.Tensor[]): void {
  layer.setWeights(weights);
  tf.dispose(weights);
}
