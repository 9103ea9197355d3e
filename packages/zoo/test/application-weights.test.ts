import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applicationWeightsFile,
  applicationWeightsFiles,
  ChecksumError,
  efficientNetB0,
  kerasApplication,
  loadApplicationWeights,
  readKerasH5,
  uNet,
  WeightsMismatchError,
  WeightsNotFoundError,
} from '../src/index.js';
import { knownWeightsFiles } from '../src/node/cache.js';
import { kerasApplication as nodeKerasApplication } from '../src/node/index.js';
import { kerasApplicationH5 } from './fixtures-applications.js';
import { EFFICIENTNET_B0_BLOCKS } from './keras-expectations.js';

const same = (a: tf.Tensor, b: tf.Tensor) => {
  const [x, y] = [a.dataSync() as Float32Array, b.dataSync() as Float32Array];
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(
    Buffer.from(y.buffer, y.byteOffset, y.byteLength),
  );
};

describe('Keras Applications ImageNet files', () => {
  it("has each file's URL and the MD5 file_hash Keras pins for it", () => {
    const expected: [Parameters<typeof applicationWeightsFile>[0], boolean, string, string][] = [
      [
        'ResNet50',
        true,
        'tensorflow/keras-applications/resnet/resnet50_weights_tf_dim_ordering_tf_kernels.h5',
        '2cb95161c43110f7111970584f804107',
      ],
      [
        'ResNet50',
        false,
        'tensorflow/keras-applications/resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5',
        '4d473c1dd8becc155b73f8504c6f6626',
      ],
      [
        'ResNet50V2',
        true,
        'tensorflow/keras-applications/resnet/resnet50v2_weights_tf_dim_ordering_tf_kernels.h5',
        '3ef43a0b657b3be2300d5770ece849e0',
      ],
      [
        'ResNet50V2',
        false,
        'tensorflow/keras-applications/resnet/resnet50v2_weights_tf_dim_ordering_tf_kernels_notop.h5',
        'fac2f116257151a9d068a22e544a4917',
      ],
      [
        'DenseNet121',
        true,
        'tensorflow/keras-applications/densenet/densenet121_weights_tf_dim_ordering_tf_kernels.h5',
        '9d60b8095a5708f2dcce2bca79d332c7',
      ],
      [
        'DenseNet121',
        false,
        'tensorflow/keras-applications/densenet/densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5',
        '30ee3e1110167f948a6b9946edeeb738',
      ],
      [
        'InceptionV3',
        true,
        'tensorflow/keras-applications/inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels.h5',
        '9a0d58056eeedaa3f26cb7ebd46da564',
      ],
      [
        'InceptionV3',
        false,
        'tensorflow/keras-applications/inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5',
        'bcbd6486424b2319ff4ef7d526e38f63',
      ],
      ['EfficientNetB0', true, 'keras-applications/efficientnetb0.h5', '902e53a9f72be733fc0bcb005b3ebbac'],
      [
        'EfficientNetB0',
        false,
        'keras-applications/efficientnetb0_notop.h5',
        '50bc09e76180e00e4465e1a485ddc09d',
      ],
    ];
    for (const [app, includeTop, path, md5] of expected) {
      const f = applicationWeightsFile(app, { includeTop });
      expect(f.url).toBe(`https://storage.googleapis.com/${path}`);
      expect(f).toMatchObject({
        md5,
        format: 'keras-h5',
        source: 'keras',
        fileName: path.slice(path.lastIndexOf('/') + 1),
      });
      expect(f.sha256).toBeUndefined();
    }
    const mobile = applicationWeightsFile('MobileNetV2', { alpha: 0.35, size: 96, includeTop: false });
    expect(mobile.url).toBe(
      'https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96_no_top.h5',
    );
    expect(mobile.md5).toBeUndefined();
    expect(applicationWeightsFile('MobileNetV2').fileName).toBe(
      'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5',
    );
    expect(() => applicationWeightsFile('MobileNetV2', { alpha: 0.6 })).toThrow(
      /alpha 0.35, 0.5, 0.75, 1, 1.3, 1.4/,
    );
    expect(() => applicationWeightsFile('VGG16' as 'ResNet50')).toThrow(/unknown Keras application "VGG16"/);
  });

  it("are known to the Node cache, so a cached copy is checked against Keras's pin", () => {
    const known = knownWeightsFiles();
    for (const f of applicationWeightsFiles()) expect(known.get(f.fileName)).toEqual(f);
    expect(applicationWeightsFiles()).toHaveLength(10 + 2 * 6 * 5);
  });
});

describe('loading a Keras .h5 file into an application', () => {
  // EfficientNetB0 without the top, 32 × 32: every convolution, depthwise and BatchNorm of B0, the Normalization
  // with its int64 count; about 16 MB of HDF5, written here from a model with other random weights.
  const options = { includeTop: false, inputShape: [32, 32, 3] as [number, number, number] };
  let source: tf.LayersModel;
  let bytes: Uint8Array;
  let x: tf.Tensor;
  let expected: tf.Tensor;
  beforeAll(async () => {
    source = efficientNetB0({ ...options, seed: 1 });
    // The file's statistics differ from the builder's (they are weights like any other).
    source
      .getLayer('normalization')
      .setWeights([tf.tensor1d([0.4, 0.5, 0.6]), tf.tensor1d([0.2, 0.3, 0.25]), tf.scalar(42)]);
    bytes = await kerasApplicationH5(source);
    x = tf.randomUniform([2, 32, 32, 3], 0, 255, 'float32', 9);
    expected = source.predict(x) as tf.Tensor;
  });
  afterAll(() => {
    tf.dispose([x, expected]);
    source.dispose();
  });

  it('reads the layout, int64 count included', async () => {
    const layers = await readKerasH5(bytes);
    expect(layers.get('normalization')!.map((w) => [w.shape, Array.from(w.data)])).toEqual([
      [[3], Array.from(Float32Array.from([0.4, 0.5, 0.6]))],
      [[3], Array.from(Float32Array.from([0.2, 0.3, 0.25]))],
      [[], [42]],
    ]);
    expect(layers.get('block2a_dwconv')![0]!.shape).toEqual([3, 3, 96, 1]);
    expect(layers.get('stem_activation')).toEqual([]);
  });

  it('reproduces the outputs exactly after loading by layer name', async () => {
    const model = await kerasApplication('EfficientNetB0', { ...options, seed: 2, weights: bytes });
    const y = model.predict(x) as tf.Tensor;
    expect(same(y, expected)).toBe(true);
    const before = efficientNetB0({ ...options, seed: 2 });
    const z = before.predict(x) as tf.Tensor;
    expect(same(z, expected)).toBe(false);
    tf.dispose([y, z]);
    model.dispose();
    before.dispose();
  });

  it('matches layers in order, as Keras does, when a file names them otherwise', async () => {
    // Files from older Keras versions name automatically named layers differently (conv2d_1 for conv2d, …).
    let n = 0;
    const renamed = await kerasApplicationH5(source, {
      rename: (name) => (name === 'input_layer' ? name : `layer_${n++}`),
    });
    const layers = await readKerasH5(renamed);
    expect(layers.has('stem_conv')).toBe(false);
    const model = efficientNetB0({ ...options, seed: 3 });
    loadApplicationWeights(model, layers);
    const y = model.predict(x) as tf.Tensor;
    expect(same(y, expected)).toBe(true);
    y.dispose();
    model.dispose();
  });

  it('names the missing layer and what to do, for a file without the top or of another model', async () => {
    const layers = await readKerasH5(bytes);
    const withTop = efficientNetB0({ inputShape: [32, 32, 3], classifierActivation: null });
    expect(() => loadApplicationWeights(withTop, layers)).toThrow(WeightsMismatchError);
    expect(() => loadApplicationWeights(withTop, layers)).toThrow(
      /no layer "predictions" \(Dense\).*_notop.*includeTop: false/,
    );
    withTop.dispose();
    const missing = new Map(layers);
    missing.delete(`${EFFICIENTNET_B0_BLOCKS[4]}se_reduce`);
    const model = efficientNetB0(options);
    expect(() => loadApplicationWeights(model, missing)).toThrow(
      /no layer "block3b_se_reduce" \(Conv2D\) of efficientnetb0, and hold 130 layers with weights where the model has 131/,
    );
    const unet = uNet({ inputShape: [16, 16, 3], depth: 1, filters: 2 });
    const unetFile = await readKerasH5(await kerasApplicationH5(unet));
    expect(() => loadApplicationWeights(model, unetFile)).toThrow(
      /no layer "normalization".*efficientnetb0\(_notop\)\.h5/,
    );
    unet.dispose();
    model.dispose();
  });

  it('names the layer, the weight and both shapes for a weight that does not fit', async () => {
    const small = uNet({ inputShape: [16, 16, 3], depth: 1, filters: 2, classes: 3 });
    const file = await readKerasH5(await kerasApplicationH5(small));
    const wider = uNet({ inputShape: [16, 16, 3], depth: 1, filters: 4, classes: 3 });
    expect(() => loadApplicationWeights(wider, file)).toThrow(
      /weight 0 of layer "enc0_conv1" has shape \[3,3,3,2\] in the file but the model needs \[3,3,3,4\]/,
    );
    const top = efficientNetB0({ inputShape: [32, 32, 3], classes: 3 });
    const topFile = await readKerasH5(await kerasApplicationH5(top));
    const other = efficientNetB0({ inputShape: [32, 32, 3], classes: 5 });
    expect(() => loadApplicationWeights(other, topFile)).toThrow(
      /layer "predictions" has shape \[1280,3\].*includeTop: false/,
    );
    for (const m of [small, wider, top, other]) m.dispose();
    await expect(kerasApplication('ResNet50', { pretrained: true, classes: 10 })).rejects.toThrow(
      /1000 classes, not 10/,
    );
  });
});

describe('the Node entry: the checked cache path of VGG', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'xai-zoo-apps-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("refuses a local file that is not Keras's pinned file (MD5), and offline names the URL", async () => {
    const unet = uNet({ inputShape: [16, 16, 3], depth: 1, filters: 2 });
    const path = join(dir, 'resnet50.h5');
    await writeFile(path, await kerasApplicationH5(unet));
    unet.dispose();
    await expect(nodeKerasApplication('ResNet50', { pretrained: true, path })).rejects.toThrow(ChecksumError);
    await expect(nodeKerasApplication('ResNet50', { pretrained: true, path })).rejects.toThrow(/MD5/);
    await expect(
      nodeKerasApplication('DenseNet121', {
        pretrained: true,
        includeTop: false,
        offline: true,
        cacheDir: dir,
      }),
    ).rejects.toThrow(WeightsNotFoundError);
    await expect(
      nodeKerasApplication('DenseNet121', {
        pretrained: true,
        includeTop: false,
        offline: true,
        cacheDir: dir,
      }),
    ).rejects.toThrow(/densenet121_weights_tf_dim_ordering_tf_kernels_notop\.h5.*storage\.googleapis\.com/);
  });

  it("loads MobileNetV2's unpinned file from a local path (checked as HDF5)", async () => {
    const options = { alpha: 0.35, inputShape: [96, 96, 3] as [number, number, number], includeTop: false };
    const source = (await kerasApplication('MobileNetV2', { ...options, seed: 1 })) as tf.LayersModel;
    const path = join(dir, 'mobilenet.h5');
    await writeFile(path, await kerasApplicationH5(source));
    const model = await nodeKerasApplication('MobileNetV2', { ...options, pretrained: true, path, seed: 2 });
    expect(model.name).toBe('mobilenetv2_0.35_96');
    const x = tf.randomUniform([1, 96, 96, 3], -1, 1, 'float32', 4);
    const [a, b] = [source.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor];
    expect(same(a, b)).toBe(true);
    tf.dispose([x, a, b]);
    source.dispose();
    model.dispose();
    await writeFile(path, new TextEncoder().encode('<!DOCTYPE html><html>login</html>'));
    await expect(nodeKerasApplication('MobileNetV2', { ...options, pretrained: true, path })).rejects.toThrow(
      /HTML/,
    );
  });
});
