/**
 * A custom layer for LRP: a TF.js layer `Rescale` (multiply by a constant, so the demo CNN takes 0..255 pixels)
 * is unknown to LRP until its layer kind is registered with `registerLayerKind`: how to read it, its forward pass
 * and its vector-Jacobian product. Shows the model-check error first, then the explanation, and checks it against the plain model's.
 *
 *   node dist/custom-layer.js [--out out/custom-layer]
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { analyze } from '@xai-ts/base';
import { heatmap } from '@xai-ts/heatmap';
import { montage, writePNG } from '@xai-ts/heatmap/node';
import { EpsilonPlus, LRP, ModelCheckError, registerLayerKind } from '@xai-ts/lrp';
import { demoDataset, loadDemoModel } from '@xai-ts/zoo';
import { outputDir, setupBackend } from './common.js';

/** Multiplies its input by `scale`; no weights. */
class Rescale extends tf.layers.Layer {
  static className = 'Rescale';
  readonly scale: number;
  constructor(config: { scale: number; name?: string }) {
    super(config);
    this.scale = config.scale;
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.mul(Array.isArray(inputs) ? inputs[0]! : inputs, this.scale);
  }
  override getConfig() {
    return { ...super.getConfig(), scale: this.scale };
  }
}
tf.serialization.registerClass(Rescale); // so that canonize/flattenModel can rebuild it

const { values } = parseArgs({ options: { out: { type: 'string', default: 'out/custom-layer' } } });
await setupBackend();
const out = await outputDir(values.out);

const demo = await loadDemoModel();
const input = tf.input({ shape: [32, 32, 3] });
const scaled = new Rescale({ scale: 1 / 255, name: 'rescale' }).apply(input) as tf.SymbolicTensor;
const model = tf.model({ inputs: input, outputs: demo.apply(scaled) as tf.SymbolicTensor });

try {
  new LRP(model, new EpsilonPlus());
} catch (e) {
  if (!(e instanceof ModelCheckError)) throw e;
  console.log(`before registerLayerKind: ${e.message}\n`);
}

// A parameter-free function: ZeroRule and EpsilonRule go through `R_in = a ⊙ vjp(R / stab(f(a)))`, and gradient
// methods through the same vector-Jacobian product.
registerLayerKind({
  name: 'Rescale',
  classNames: ['Rescale'],
  groups: ['activation'],
  read: (layer) => {
    const { scale } = layer as Rescale;
    return {
      relevance: { kind: 'function' },
      forward: ([x]) => tf.mul(x!, scale),
      vjp: (_inputs, _output, s) => [tf.mul(s, scale)],
    };
  },
});

const lrp = new LRP(model, new EpsilonPlus());
console.log(lrp.toString());

const { images, masks } = demoDataset({ n: 3, seed: 8 });
const pixels = tf.mul(images, 255); // what the wrapped model takes
const expl = analyze(pixels, lrp);

// Rescale only multiplies, so it passes relevance through: the heatmaps equal those of the plain demo model.
const plain = new LRP(demo, new EpsilonPlus());
const reference = analyze(images, plain, [...expl.outputSelection]);
const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(expl.val, reference.val))).dataSync()[0]!);
console.log(`\nlargest difference to the plain model's LRP: ${diff.toExponential(2)}`);
if (!(diff < 1e-4)) throw new Error('the Rescale layer should pass relevance through unchanged');

const file = `${out}/custom-layer.png`;
await writePNG(
  file,
  montage([heatmap(expl), heatmap(reference)], { scale: 4, rowLabels: ['Rescale', 'plain'] }),
);
console.log(`wrote ${file}`);

expl.dispose();
reference.dispose();
lrp.dispose();
plain.dispose();
tf.dispose([images, masks, pixels]);
model.dispose();
