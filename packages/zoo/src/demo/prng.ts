/**
 * A small seeded PRNG (SplitMix32 seeding a Mulberry32 stream), so that generated data are the same on every
 * platform and backend. `Math.random` and TF.js' own random ops are neither seedable here nor stable across
 * versions.
 */
export interface Rng {
  /** A uniform float in [0, 1). */
  next(): number;
  /** A uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** A uniform integer in [0, n). */
  int(n: number): number;
  /** A standard normal sample (Box–Muller). */
  normal(): number;
}

/**
 * Creates a seeded generator. Equal seeds give equal streams.
 *
 * @param seed - any finite number; its 32-bit integer part is used
 */
export function createRng(seed: number): Rng {
  // SplitMix32 scrambles the seed so that nearby seeds give unrelated streams.
  let s = (seed | 0) ^ 0x9e3779b9;
  s = Math.imul(s ^ (s >>> 16), 0x85ebca6b);
  s = Math.imul(s ^ (s >>> 13), 0xc2b2ae35);
  let state = (s ^ (s >>> 16)) >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (n) => Math.floor(next() * n),
    normal: () => {
      const u = 1 - next(); // (0, 1]: log stays finite
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
  };
}
