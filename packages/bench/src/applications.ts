import * as tf from '@tensorflow/tfjs';
import { analyze } from '@xai-ts/base';
import { canonize } from '@xai-ts/canonize';
import { type Composite, EpsilonGammaBox, EpsilonPlusFlat, LRP } from '@xai-ts/lrp';
import { mobileNetV2, resNet50 } from '@xai-ts/zoo';
import type { Result } from './run.js';

type Timer = (f: () => tf.Tensor | tf.Tensor[], n: number) => Promise<number>;
type AgainstForward = (
  f: () => tf.Tensor | tf.Tensor[],
  forward: () => tf.Tensor,
  n: number,
) => Promise<{ ms: number; forwardMs: number }>;

/**
 * MobileNetV2 and ResNet50 at 224×224×3, batch 1: the forward pass of the canonized model (BatchNorm folded, as one
 * explains it), and EpsilonPlusFlat and EpsilonGammaBox as ratios to forward passes timed alternately with them
 * (targets: ≤ 3.5× and ≤ 4×); also the forward pass of the model as built (BatchNorm layers unfolded, what
 * `model.predict` costs its user) and each LRP time as a ratio to it.
 */
export async function applications(options: {
  backend: string;
  threads: number;
  runs: number;
  time: Timer;
  timeAgainstForward: AgainstForward;
}): Promise<Result[]> {
  const { backend, threads, runs, time, timeAgainstForward } = options;
  const results: Result[] = [];
  const models: [string, () => tf.LayersModel][] = [
    ['MobileNetV2', () => mobileNetV2({ classifierActivation: null, seed: 1 })],
    ['ResNet50', () => resNet50({ classifierActivation: null, seed: 1 })],
  ];
  const presets: [string, () => Composite][] = [
    ['EpsilonPlusFlat', () => new EpsilonPlusFlat()],
    ['EpsilonGammaBox', () => new EpsilonGammaBox({ low: -3, high: 3 })],
  ];
  const x = tf.randomUniform([1, 224, 224, 3], -2, 2, 'float32', 1);
  for (const [modelName, build] of models) {
    const raw = build();
    const model = canonize(raw);
    const forward = () => model.predict(x) as tf.Tensor;
    let asBuiltMs: number | undefined;
    const row = (name: string, ms: number, forwardMs: number) => {
      results.push({
        name,
        backend,
        batch: 1,
        threads,
        medianMs: ms,
        forwardMs,
        ratioToForward: ms / forwardMs,
        ...(asBuiltMs ? { ratioToModelAsBuilt: ms / asBuiltMs } : {}),
      });
      const asBuilt = asBuiltMs ? `; ${(ms / asBuiltMs).toFixed(2)}× the model as built` : '';
      console.log(
        `  batch 1  ${name.padEnd(36)} ${ms.toFixed(0).padStart(8)} ms  ${(ms / forwardMs).toFixed(2).padStart(6)}× (forward beside it ${forwardMs.toFixed(0)} ms${asBuilt})`,
      );
    };
    const forwardMs = await time(forward, runs);
    row(`${modelName} forward`, forwardMs, forwardMs);
    // the model as Keras Applications defines it, BatchNorm layers unfolded: what model.predict costs its user
    asBuiltMs = await time(() => raw.predict(x) as tf.Tensor, runs);
    row(`${modelName} forward, BN unfolded`, asBuiltMs, forwardMs);
    raw.dispose();
    for (const [presetName, make] of presets) {
      const lrp = new LRP(model, make());
      const call = () => {
        const e = analyze(x, lrp, 0);
        e.output.dispose();
        return e.val;
      };
      const t = await timeAgainstForward(call, forward, runs);
      row(`${modelName} lrp:${presetName}`, t.ms, t.forwardMs);
      lrp.dispose();
    }
    model.dispose();
  }
  x.dispose();
  return results;
}
