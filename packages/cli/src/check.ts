import { LRP, ModelCheckError } from '@xai-ts/lrp';
import { DEFAULT_COMPOSITE, lrpModel, makeComposite, parseComposite, releaseModel } from './analyzers.js';
import type { CliIO } from './io.js';
import { loadModel, type Preprocessing } from './models.js';

/** The options of `xai check`. */
export interface CheckOptions {
  composite?: string | undefined;
  preprocess?: Preprocessing | undefined;
}

/**
 * `xai check`: runs LRP's model check on a model and prints the result and the `layer => rule` table of a
 * composite. VGG models are checked without downloading weights: only the architecture matters.
 *
 * @returns true when LRP can explain the model
 */
export async function check(spec: string, options: CheckOptions, io: CliIO): Promise<boolean> {
  const name = parseComposite(options.composite ?? DEFAULT_COMPOSITE);
  const loaded = await loadModel(spec, {
    architectureOnly: true,
    ...(options.preprocess ? { preprocessing: options.preprocess } : {}),
  });
  for (const note of loaded.notes) io.stderr.write(`xai: note: ${note}\n`);
  try {
    const model = lrpModel(loaded);
    const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer').length;
    const folded = model !== loaded.model ? ' (BatchNorm folded into the layers before it by canonize)' : '';
    let lrp: LRP;
    try {
      lrp = new LRP(model, makeComposite(name, loaded));
    } catch (e) {
      if (!(e instanceof ModelCheckError)) throw e;
      io.stdout.write(
        `model check of ${loaded.label}: FAILED, ${e.problems.length} problem${e.problems.length === 1 ? '' : 's'}\n`,
      );
      for (const p of e.problems)
        io.stdout.write(`  - ${p.index >= 0 ? `layer ${p.index} "${p.layer}": ` : ''}${p.message}\n`);
      return false;
    }
    try {
      io.stdout.write(`model check of ${loaded.label}: passed, ${layers} layers${folded}\n`);
      io.stdout.write(`rules of ${name}:\n${lrp.toString()}\n`);
    } finally {
      lrp.dispose();
    }
    return true;
  } finally {
    releaseModel(loaded);
  }
}
