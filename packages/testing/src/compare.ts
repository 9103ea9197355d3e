import type * as tf from '@tensorflow/tfjs';
import type { AttributionSpec } from './cases.js';
import type { StoredTensor } from './safetensors.js';

/** How an attribution compares with its reference. */
export interface Comparison {
  readonly pass: boolean;
  /** max over elements of |ours − ref| / (atol + rtol·|ref|): ≤ 1 passes elementwise. */
  readonly worstRatio: number;
  /** ‖ours − ref‖₂ / ‖ref‖₂. */
  readonly relL2: number;
  readonly message: string;
}

/**
 * Compares with the reference's own tolerance: elementwise `|ours − ref| ≤ atol + rtol·|ref|`, or, for maps
 * flagged ill-conditioned, the relative L2 error.
 */
export function compareAttribution(
  ours: tf.Tensor | Float32Array,
  spec: AttributionSpec,
  expected: StoredTensor,
): Comparison {
  const actual = ours instanceof Float32Array ? ours : (ours.dataSync() as Float32Array);
  if (!(ours instanceof Float32Array) && ours.shape.join() !== expected.shape.join())
    return {
      pass: false,
      worstRatio: Infinity,
      relL2: Infinity,
      message: `shape [${ours.shape}] vs [${expected.shape}]`,
    };
  if (actual.length !== expected.data.length)
    return {
      pass: false,
      worstRatio: Infinity,
      relL2: Infinity,
      message: `size ${actual.length} vs ${expected.data.length}`,
    };
  const { rtol, atol, relL2: relTol } = spec.tolerance;
  let worst = 0;
  let worstAt = 0;
  let diff2 = 0;
  let ref2 = 0;
  for (let i = 0; i < actual.length; i++) {
    const r = expected.data[i]!;
    const d = Math.abs(actual[i]! - r);
    const ratio = d / (atol + rtol * Math.abs(r));
    if (!(ratio <= worst)) {
      worst = ratio;
      worstAt = i;
    }
    diff2 += d * d;
    ref2 += r * r;
  }
  const relL2 = Math.sqrt(diff2) / Math.sqrt(ref2);
  const pass = spec.illConditioned ? relL2 <= relTol : worst <= 1;
  return {
    pass,
    worstRatio: worst,
    relL2,
    message: `${spec.id}: worst |Δ|/tol = ${worst.toExponential(3)} at ${worstAt} (ours ${actual[worstAt]}, ref ${expected.data[worstAt]}), relL2 = ${relL2.toExponential(3)}${spec.illConditioned ? ` (ill-conditioned, relL2 tol ${relTol})` : ''}`,
  };
}
