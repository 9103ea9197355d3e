/**
 * The README's example, as RelevancePropagation.jl's README tells it: VGG16 with ImageNet weights explains why an
 * image shows a castle (class 483), then why it might be a street sign (919; Julia's 920, here 0-based).
 *
 *   node dist/vgg16-castle.js [castle.jpg] [--out out/vgg16] [--offline] [--weights vgg16.safetensors]
 *
 * The weights (528 MB, torchvision's, as safetensors) are downloaded once into the cache (~/.cache/xai-ts, or
 * $XAI_TS_CACHE). With --offline, or without network, the script says where to get them and where to put them.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type * as tf from '@tensorflow/tfjs';
import { analyze } from '@xai-ts/base';
import { heatmap } from '@xai-ts/heatmap';
import { writePNG } from '@xai-ts/heatmap/node';
import { EpsilonPlusFlat, LRP } from '@xai-ts/lrp';
import { decodePredictions, IMAGENET_CLASSES, preprocess, ZooError } from '@xai-ts/zoo';
import { loadImage, vgg16 } from '@xai-ts/zoo/node';
import { outputDir, setupBackend } from './common.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: 'string', default: 'out/vgg16' },
    offline: { type: 'boolean', default: false },
    weights: { type: 'string' },
  },
});
const imagePath = positionals[0] ?? 'castle.jpg';

const backend = await setupBackend();
let model: tf.LayersModel;
try {
  model = await vgg16({
    pretrained: true,
    offline: values.offline,
    ...(values.weights ? { path: values.weights } : {}),
  });
} catch (e) {
  // Missing weights (offline, or no network) are expected here: say what to do, no stack trace.
  if (!(e instanceof ZooError)) throw e;
  console.log(`VGG16's pretrained weights are not available: ${e.message}`);
  console.log(
    '\nTo run this example, either let it download the weights (528 MB, once) by running it without --offline on a machine with internet access, or download the file named above yourself and put it at the path named above, or pass it with --weights <file>.',
  );
  process.exit(0);
}

if (!existsSync(imagePath)) {
  console.log(
    `No image at ${imagePath}: pass the path of a photo of a castle (JPEG or PNG), e.g. node dist/vgg16-castle.js my-castle.jpg`,
  );
  model.dispose();
  process.exit(0);
}

console.log(`backend: ${backend}`);
const input = preprocess(await loadImage(imagePath), { weights: model }); // [1, 224, 224, 3]
const logits = model.predict(input) as tf.Tensor;
for (const p of decodePredictions(logits, 3)[0]!)
  console.log(`  ${p.index} ${p.name}: ${(100 * p.probability).toFixed(1)} %`);
logits.dispose();

const out = await outputDir(values.out);
const analyzer = new LRP(model, new EpsilonPlusFlat());
const expl = analyze(input, analyzer); // the top class: "castle"
const street = analyze(input, analyzer, 919); // "street sign"
for (const [e, name] of [
  [expl, IMAGENET_CLASSES[expl.outputSelection[0]!]!],
  [street, IMAGENET_CLASSES[919]!],
] as const) {
  const file = `${out}/${name.replaceAll(' ', '-')}.png`;
  await writePNG(file, heatmap(e)[0]!);
  console.log(`heatmap for "${name}" -> ${file}`);
  e.dispose();
}
analyzer.dispose();
input.dispose();
model.dispose();
