import type * as tf from '@tensorflow/tfjs';
import type { Prediction } from '@xai-ts/zoo';

/**
 * The top-k classes of each sample from a model's logits, with softmax probabilities. The zoo's
 * `decodePredictions` does the same with `tf.gather(…, batchDims = 1)`, which the wasm backend of TF.js 4.22
 * computes wrongly (and can crash on), so the command reads the logits and ranks them in JavaScript.
 *
 * @param logits - `[batch, classes]`
 * @param k - classes per sample (at most all)
 * @param names - a name per class
 */
export function topPredictions(logits: tf.Tensor, k: number, names: readonly string[]): Prediction[][] {
  const [batch, classes] = logits.shape as [number, number];
  const values = logits.dataSync();
  const out: Prediction[][] = [];
  for (let s = 0; s < batch; s++) {
    const row = Array.from(values.subarray(s * classes, (s + 1) * classes));
    const max = Math.max(...row);
    const exp = row.map((v) => Math.exp(v - max));
    const total = exp.reduce((a, b) => a + b, 0);
    const order = row.map((_, i) => i).sort((a, b) => row[b]! - row[a]! || a - b);
    out.push(
      order.slice(0, Math.min(k, classes)).map((index) => ({
        index,
        name: names[index] ?? `class ${index}`,
        logit: row[index]!,
        probability: exp[index]! / total,
      })),
    );
  }
  return out;
}
