/**
 * A custom LRP rule in a few lines: the γ-rule written as a `HookRule` (modify the weights and the bias once, the
 * generic step does the rest), used in a composite, checked against the built-in `GammaRule`, and a second rule
 * with its own denominator. Writes the heatmaps of both.
 *
 *   node dist/custom-rule.js [--out out/custom-rule]
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { analyze } from '@xai-ts/base';
import { heatmap, tensorToImages } from '@xai-ts/heatmap';
import { montage, writePNG } from '@xai-ts/heatmap/node';
import {
  Composite,
  EpsilonRule,
  GammaRule,
  GlobalTypeMap,
  HookRule,
  LRP,
  type Rule,
  stabilize,
} from '@xai-ts/lrp';
import { demoDataset, loadDemoModel } from '@xai-ts/zoo';
import { outputDir, setupBackend } from './common.js';

/** `W̃ = W + γW⁺`, `b̃ = b + γb⁺`: favours positive contributions (RelevancePropagation.jl's GammaRule). */
class MyGammaRule extends HookRule {
  constructor(readonly gamma = 0.25) {
    super();
  }
  toString() {
    return `MyGammaRule(gamma=${this.gamma})`;
  }
  override modifyWeight(w: tf.Tensor) {
    return tf.add(w, tf.mul(this.gamma, tf.relu(w))); // computed once, when the analyzer is built
  }
  override modifyBias(b: tf.Tensor) {
    return tf.add(b, tf.mul(this.gamma, tf.relu(b)));
  }
}

/** An ε-rule whose ε scales with the layer's output: `stab(z, 0.25 · std(z))` (Zennit's "EpsilonStd" idea). */
class RelativeEpsilonRule extends HookRule {
  toString() {
    return 'RelativeEpsilonRule(0.25 std)';
  }
  // Parameter-free layers (pooling) are fine too: the step then goes through the layer's vector-Jacobian product.
  override isCompatible() {
    return true;
  }
  override modifyDenominator(z: tf.Tensor) {
    const std = tf.moments(z).variance.sqrt();
    return tf.add(z, tf.mul(tf.where(tf.greaterEqual(z, 0), 1, -1), tf.add(tf.mul(0.25, std), 1e-9)));
  }
}

const { values } = parseArgs({ options: { out: { type: 'string', default: 'out/custom-rule' } } });
await setupBackend();
const out = await outputDir(values.out);
const model = await loadDemoModel();
const { images, masks } = demoDataset({ n: 3, seed: 21 });

const withConvRule = (conv: Rule) =>
  new Composite(
    new GlobalTypeMap([
      ['conv', conv],
      ['dense', new EpsilonRule()],
    ]),
  );

const mine = new LRP(model, withConvRule(new MyGammaRule()));
const builtin = new LRP(model, withConvRule(new GammaRule()));
const relative = new LRP(model, new RelativeEpsilonRule());
console.log(mine.toString());

const a = analyze(images, mine);
const b = analyze(images, builtin);
const c = analyze(images, relative);
const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a.val, b.val))).dataSync()[0]!);
const scale = tf.tidy(() => tf.max(tf.abs(b.val)).dataSync()[0]!);
console.log(
  `MyGammaRule vs GammaRule: largest difference ${diff.toExponential(2)} (largest relevance ${scale.toFixed(4)})`,
);
if (!(diff <= 1e-5 * scale)) throw new Error('MyGammaRule should compute what GammaRule does');

// stabilize(z, e) is the library's z + sign(z)·e; the hand-written denominator above is the same with e = 0.25 std.
const check = tf.tidy(() => Array.from(stabilize(tf.tensor1d([-2, 0, 3]), 0.5).dataSync()));
console.log(`stabilize([-2, 0, 3], 0.5) = [${check.join(', ')}]`);

const inputs = tensorToImages(images, { range: [0, 1] });
const [mapsA, mapsC] = [heatmap(a), heatmap(c)];
const file = `${out}/custom-rule.png`;
await writePNG(
  file,
  montage(
    inputs.map((img, i) => [img, mapsA[i]!, mapsC[i]!]),
    { scale: 4, columnLabels: ['input', 'MyGamma', 'RelEps'] },
  ),
);
console.log(`wrote ${file}`);

for (const e of [a, b, c]) e.dispose();
for (const l of [mine, builtin, relative]) l.dispose();
tf.dispose([images, masks]);
model.dispose();
