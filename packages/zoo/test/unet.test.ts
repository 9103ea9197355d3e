import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { uNet, ZooError } from '../src/index.js';

const kinds = (model: tf.LayersModel) => model.layers.map((l) => `${l.name}:${l.getClassName()}`);

describe('uNet', () => {
  it('builds encoder, bottleneck and decoder with skip concatenations, and per-pixel logits', () => {
    const model = uNet({ inputShape: [32, 48, 3], classes: 5, depth: 2, filters: 4, seed: 1 });
    expect(model.name).toBe('unet');
    expect(model.outputs[0]!.shape).toEqual([null, 32, 48, 5]);
    expect(kinds(model).slice(0, 8)).toEqual([
      'input_layer:InputLayer',
      'enc0_conv1:Conv2D',
      'enc0_relu1:Activation',
      'enc0_conv2:Conv2D',
      'enc0_relu2:Activation',
      'enc0_pool:MaxPooling2D',
      'enc1_conv1:Conv2D',
      'enc1_relu1:Activation',
    ]);
    expect(model.getLayer('bottleneck_conv1').outputShape).toEqual([null, 8, 12, 16]);
    expect(model.getLayer('dec1_up').getClassName()).toBe('Conv2DTranspose');
    expect(model.getLayer('dec1_up').outputShape).toEqual([null, 16, 24, 8]);
    expect(model.getLayer('dec1_concat').inboundNodes[0]!.inboundLayers.map((l) => l.name)).toEqual([
      'enc1_relu2',
      'dec1_up',
    ]);
    expect(model.getLayer('dec0_concat').outputShape).toEqual([null, 32, 48, 8]);
    expect(model.getLayer('logits').getConfig()).toMatchObject({ kernelSize: [1, 1], activation: 'linear' });
    // 3·3·3·4+4, 3·3·4·4+4 | 3·3·4·8+8, 3·3·8·8+8 | 3·3·8·16+16, 3·3·16·16+16 | up 2·2·16·8+8, 3·3·16·8+8,
    // 3·3·8·8+8 | up 2·2·8·4+4, 3·3·8·4+4, 3·3·4·4+4 | 4·5+5
    expect(model.countParams()).toBe(
      112 + 148 + 296 + 584 + 1168 + 2320 + 520 + 1160 + 584 + 132 + 292 + 148 + 25,
    );
    const y = model.predict(tf.ones([2, 32, 48, 3])) as tf.Tensor;
    expect(y.shape).toEqual([2, 32, 48, 5]);
    y.dispose();
    model.dispose();
  });

  it('upsamples with UpSampling2D (nearest or bilinear) when asked, and adds BatchNorm without conv biases', () => {
    for (const upsampling of ['nearest', 'bilinear'] as const) {
      const model = uNet({ inputShape: [16, 16, 1], depth: 2, filters: 2, upsampling, batchNorm: true });
      expect(model.getLayer('dec0_up').getClassName()).toBe('UpSampling2D');
      expect(model.getLayer('dec0_up').getConfig()).toMatchObject({
        size: [2, 2],
        interpolation: upsampling,
      });
      expect(model.getLayer('enc0_conv1').getConfig()).toMatchObject({ useBias: false });
      expect(model.getLayer('enc0_bn1').getClassName()).toBe('BatchNormalization');
      expect(model.outputs[0]!.shape).toEqual([null, 16, 16, 2]);
      model.dispose();
    }
  });

  it('rejects sizes not divisible by 2^depth and bad options with a ZooError', () => {
    expect(() => uNet({ inputShape: [24, 32, 3], depth: 4 })).toThrow(/divisible by 16, got 24×32/);
    expect(() => uNet({ classes: 0 })).toThrow(ZooError);
    expect(() => uNet({ depth: 1.5 })).toThrow(/depth must be a positive integer/);
    expect(() => uNet({ upsampling: 'cubic' as 'nearest' })).toThrow(/upsampling must be/);
  });
});
