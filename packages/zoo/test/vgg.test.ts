import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { WeightsMismatchError, ZooError } from '../src/errors.js';
import { readKerasH5 } from '../src/formats/keras-h5.js';
import { buildVgg, type VggDepth, vggSpec } from '../src/vgg/architecture.js';
import { vggWeightsFile } from '../src/vgg/sources.js';
import { loadTorchvisionWeights } from '../src/vgg/torchvision.js';
import { createVgg, type WeightsFetcher, weightSourceOf } from '../src/vgg/vgg.js';
import { kerasH5, PLAN11, SMALL, timmSafetensors, timmStateDict } from './fixtures-vgg.js';
import { torchVgg } from './torch-reference.js';

const noNetwork: WeightsFetcher = async (file) => {
  throw new Error(`test tried to fetch ${file.url}`);
};

describe('VGG architecture', () => {
  it.each([
    [11, 132_863_336],
    [13, 133_047_848],
    [16, 138_357_544],
    [19, 143_667_240],
  ] as const)('VGG%i has %i parameters', (depth, count) => {
    const model = buildVgg(vggSpec(depth as VggDepth, { init: 'zeros' }));
    expect(model.countParams()).toBe(count);
    model.dispose();
  });

  it("has Keras' layer names, a 224×224×3 input and a linear (logit) output", () => {
    const model = buildVgg(vggSpec(16, { ...SMALL, inputSize: 224, init: 'zeros' }));
    const names = model.layers.map((l) => l.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'block1_conv1',
        'block1_pool',
        'block5_conv3',
        'block5_pool',
        'flatten',
        'fc1',
        'fc2',
      ]),
    );
    expect(names.at(-1)).toBe('predictions');
    expect(model.inputs[0]!.shape).toEqual([null, 224, 224, 3]);
    expect(model.outputs[0]!.shape).toEqual([null, 1000]);
    expect((model.getLayer('predictions').getConfig() as { activation: string }).activation).toBe('linear');
    model.dispose();
  });

  it('puts BatchNorm and ReLU after each conv with batchNorm, and stops at block5_pool without the top', () => {
    const bn = buildVgg(vggSpec(11, { ...SMALL, batchNorm: true, init: 'zeros' }));
    expect(bn.layers.slice(1, 5).map((l) => l.name)).toEqual([
      'block1_conv1',
      'block1_conv1_bn',
      'block1_conv1_relu',
      'block1_pool',
    ]);
    bn.dispose();
    const features = buildVgg(vggSpec(19, { ...SMALL, includeTop: false, init: 'zeros' }));
    expect(features.outputs[0]!.shape).toEqual([null, 2, 2, 16]);
    features.dispose();
  });
});

describe('torchvision / timm safetensors weights', () => {
  it.each([false, true])('map exactly onto the Keras layout (batchNorm %s)', async (batchNorm) => {
    const bytes = timmSafetensors(batchNorm, 3);
    const model = await createVgg(
      11,
      { weights: { source: 'torchvision', data: bytes }, batchNorm },
      noNetwork,
      SMALL,
    );
    expect(weightSourceOf(model)).toBe('torchvision');
    const x = tf.randomUniform([2, 64, 64, 3], -1, 1, 'float32', 4);
    const logits = (model.predict(x) as tf.Tensor).arraySync() as number[][];
    const images = (x.transpose([0, 3, 1, 2]).arraySync() as number[][][][]).map((img) => ({
      c: 3,
      h: 64,
      w: 64,
      data: Float64Array.from(img.flat(2)),
    }));
    const sd = timmStateDict(batchNorm, 3);
    images.forEach((img, s) => {
      const ref = torchVgg(img, PLAN11, sd, batchNorm);
      const scale = Math.max(...ref.map(Math.abs));
      for (let k = 0; k < 1000; k++) expect(Math.abs(logits[s]![k]! - ref[k]!)).toBeLessThan(1e-4 * scale);
    });
    tf.dispose(x);
    model.dispose();
  });

  it('load the features alone with includeTop: false', async () => {
    const bytes = timmSafetensors(true, 4);
    const full = await createVgg(
      11,
      { weights: { source: 'torchvision', data: bytes }, batchNorm: true },
      noNetwork,
      SMALL,
    );
    const features = await createVgg(
      11,
      { weights: { source: 'torchvision', data: bytes }, batchNorm: true, includeTop: false },
      noNetwork,
      SMALL,
    );
    const x = tf.randomUniform([1, 64, 64, 3], -1, 1, 'float32', 5);
    const pool5 = tf.model({
      inputs: full.inputs,
      outputs: full.getLayer('block5_pool').output as tf.SymbolicTensor,
    });
    expect((features.predict(x) as tf.Tensor).arraySync()).toEqual(
      (pool5.predict(x) as tf.Tensor).arraySync(),
    );
    x.dispose();
    full.dispose();
    features.dispose();
  });

  it('reads torchvision-layout keys (classifier.0/3/6) too', () => {
    const timm = timmStateDict(false, 5);
    const tv = new Map(
      [...timm].map(([k, v]) => [
        k
          .replace('pre_logits.fc1', 'classifier.0')
          .replace('pre_logits.fc2', 'classifier.3')
          .replace('head.fc', 'classifier.6'),
        k.endsWith('fc1.weight') || k.endsWith('fc2.weight')
          ? { shape: [v.shape[0]!, v.data.length / v.shape[0]!], data: v.data }
          : v,
      ]),
    );
    const a = buildVgg(vggSpec(11, { ...SMALL, init: 'zeros' }));
    const b = buildVgg(vggSpec(11, { ...SMALL, init: 'zeros' }));
    loadTorchvisionWeights(a, timm);
    loadTorchvisionWeights(b, tv);
    const x = tf.randomUniform([1, 64, 64, 3], 0, 1, 'float32', 6);
    expect((a.predict(x) as tf.Tensor).arraySync()).toEqual((b.predict(x) as tf.Tensor).arraySync());
    x.dispose();
    a.dispose();
    b.dispose();
  });

  it('names the missing or misshapen tensor', async () => {
    const sd = timmStateDict(false, 1);
    sd.delete('features.3.weight');
    const model = buildVgg(vggSpec(11, { ...SMALL, init: 'zeros' }));
    expect(() => loadTorchvisionWeights(model, sd)).toThrow(
      /no tensor "features.3.weight" for layer "block2_conv1"/,
    );
    const bn = timmStateDict(true, 1);
    expect(() => loadTorchvisionWeights(model, bn)).toThrow(WeightsMismatchError);
    model.dispose();
    await expect(
      createVgg(11, { weights: { source: 'torchvision', data: new Uint8Array(4) } }, noNetwork, SMALL),
    ).rejects.toThrow(/at least 8 bytes/);
  });
});

describe('keras-applications HDF5 weights', () => {
  it('load layer by layer into the same function', async () => {
    const source = buildVgg(vggSpec(16, SMALL));
    const bytes = await kerasH5(source);
    const layers = await readKerasH5(bytes);
    expect(layers.get('block1_conv1')!.map((w) => w.shape)).toEqual([[3, 3, 3, 4], [4]]);
    expect(layers.get('block1_pool')).toEqual([]);
    const model = await createVgg(16, { weights: { source: 'keras', data: bytes } }, noNetwork, SMALL);
    expect(weightSourceOf(model)).toBe('keras');
    const x = tf.randomUniform([2, 64, 64, 3], 0, 255, 'float32', 8);
    const want = (source.predict(x) as tf.Tensor).dataSync();
    const got = (model.predict(x) as tf.Tensor).dataSync();
    expect(Array.from(got)).toEqual(Array.from(want));
    tf.dispose(x);
    source.dispose();
    model.dispose();
  });

  it('explains a notop file and a non-HDF5 file', async () => {
    const source = buildVgg(vggSpec(16, { ...SMALL, includeTop: false, init: 'zeros' }));
    const bytes = await kerasH5(source);
    source.dispose();
    await expect(
      createVgg(16, { weights: { source: 'keras', data: bytes } }, noNetwork, SMALL),
    ).rejects.toThrow(/no layer "fc1": this looks like a _notop file/);
    await expect(readKerasH5(new Uint8Array(100))).rejects.toThrow(/not HDF5/);
  });
});

describe('options and sources', () => {
  it('rejects combinations no weights exist for', async () => {
    await expect(createVgg(16, { pretrained: true, numClasses: 10 }, noNetwork)).rejects.toThrow(
      /includeTop: false/,
    );
    expect(() => vggWeightsFile(11, { source: 'keras' })).toThrow(ZooError);
    expect(() => vggWeightsFile(16, { source: 'keras', batchNorm: true })).toThrow(/no BatchNorm VGG/);
  });

  it("init: 'zeros' builds the architecture without drawing random weights; random is the default", async () => {
    const zeros = await createVgg(11, { init: 'zeros' }, noNetwork, SMALL);
    const random = await createVgg(11, {}, noNetwork, SMALL);
    expect(zeros.countParams()).toBe(random.countParams());
    const largest = (w: tf.Tensor) => tf.tidy(() => w.abs().max().dataSync()[0]!);
    expect(zeros.getWeights().map(largest)).toEqual(zeros.getWeights().map(() => 0));
    expect(largest(random.getLayer('block1_conv1').getWeights()[0]!)).toBeGreaterThan(0);
    zeros.dispose();
    random.dispose();
  });

  it('names the published files', () => {
    expect(vggWeightsFile(16).url).toBe(
      'https://huggingface.co/timm/vgg16.tv_in1k/resolve/main/model.safetensors',
    );
    expect(vggWeightsFile(13, { batchNorm: true }).url).toContain('timm/vgg13_bn.tv_in1k');
    const keras = vggWeightsFile(19, { source: 'keras', includeTop: false });
    expect(keras.fileName).toBe('vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5');
    expect(keras.md5).toBe('253f8cb515780f3b799900260a226db6');
  });

  it('fetches through the given fetcher when pretrained', async () => {
    const bytes = timmSafetensors(false, 2);
    const asked: string[] = [];
    const model = await createVgg(
      11,
      { pretrained: true },
      async (file) => {
        asked.push(file.fileName);
        return bytes;
      },
      SMALL,
    );
    expect(asked).toEqual(['timm-vgg11.tv_in1k.safetensors']);
    model.dispose();
  });
});
