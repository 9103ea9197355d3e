// Jᵀs in float64 by central differences of a float64 forward function.

import { type Arr, dot, sample, stack } from './array.js';
import type { Forward } from './layers.js';

/**
 * `∂⟨s, f(x)⟩/∂x_k` for every input k, one sample at a time: every layer here maps sample b of its inputs to
 * sample b of its output (that is checked separately), so perturbing sample b moves only sample b of ⟨s, f⟩ and
 * the other samples need not be recomputed. Steps are 1e-6·max(1, |x|): the truncation error of a central
 * difference (~h²·f''') and the rounding error (~1e-16·|⟨s, f⟩|/h) both stay near 1e-10.
 */
export function vjpByDifferences(f: Forward, inputs: readonly Arr[], s: Arr): Arr[] {
  const batch = inputs[0]!.shape[0]!;
  const perSample: Arr[][] = [];
  for (let b = 0; b < batch; b++) {
    const xs = inputs.map((x) => sample(x, b));
    const sb = sample(s, b);
    const loss = () => dot(sb, f(xs));
    perSample.push(
      xs.map((x) => {
        const g = new Float64Array(x.data.length);
        for (let i = 0; i < g.length; i++) {
          const v = x.data[i]!;
          const h = 1e-6 * Math.max(1, Math.abs(v));
          x.data[i] = v + h;
          const up = loss();
          const hi = x.data[i]!;
          x.data[i] = v - h;
          const down = loss();
          const lo = x.data[i]!;
          x.data[i] = v;
          g[i] = (up - down) / (hi - lo);
        }
        return { shape: [...x.shape], data: g };
      }),
    );
  }
  return inputs.map((_, k) => stack(perSample.map((p) => p[k]!)));
}
