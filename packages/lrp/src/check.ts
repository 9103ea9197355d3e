import type * as tf from '@tensorflow/tfjs';
import { Engine, type ModelProblem } from '@xai-ts/engine';
import { lrpProblems } from './planner/plan.js';

/**
 * Checks that LRP can explain the model, as RelevancePropagation.jl's `check_model` does: every layer read by a
 * registered kind, every layer that relevance reaches with an LRP rule, no softmax at the output. Returns every
 * problem found, each with what to do (rules are checked when an analyzer is built).
 *
 * @example
 * ```ts
 * for (const p of checkModel(model)) console.log(`${p.index} ${p.layer}: ${p.message}`);
 * ```
 */
export function checkModel(model: tf.LayersModel): ModelProblem[] {
  const engine = new Engine(model, { vjp: false });
  try {
    return lrpProblems(engine);
  } finally {
    engine.dispose();
  }
}
