// Writes a trained model into a TypeScript module of the zoo (its topology, weight manifest and weights as base64),
// for the demo training scripts (train-demo.mjs, train-demo-unet.mjs).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';

/**
 * Saves `model` into `out` as `export const <name>` with `header` (a function of the weights' byte count giving the
 * module's leading comment lines, without the `// `) and `doc` (the constant's TSDoc line), then formats it with
 * biome. Returns the weights' byte count.
 */
export async function writeModelModule(model, { out, name, header, doc, log }) {
  let artifacts;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const weights = Buffer.from(artifacts.weightData);
  const comment = header(weights.length)
    .split('\n')
    .map((line) => `// ${line}`)
    .join('\n');
  writeFileSync(
    out,
    `${comment}
import type { io } from '@tensorflow/tfjs';

/** ${doc} */
export const ${name}: { modelTopology: object; weightSpecs: io.WeightsManifestEntry[]; weightsBase64: string } = {
  modelTopology: ${JSON.stringify(artifacts.modelTopology)},
  weightSpecs: ${JSON.stringify(artifacts.weightSpecs)},
  weightsBase64: '${weights.toString('base64')}',
};
`,
  );
  try {
    execFileSync('npx', ['biome', 'format', '--write', out], { stdio: 'inherit' });
  } catch {
    log(`could not format ${out} with biome (outside the workspace?); the file is complete but unformatted`);
  }
  return weights.length;
}
