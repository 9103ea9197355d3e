/**
 * A seeded stream of pseudo-random numbers (mulberry32, normals by Box–Muller): the same seed gives the same numbers
 * on every platform, so every metric that samples is reproducible.
 *
 * @example
 * ```ts
 * const rng = new Seeded(7);
 * rng.uniform(); // in [0, 1)
 * rng.normal();  // standard normal
 * ```
 */
export class Seeded {
  #state: number;
  #spare: number | undefined;

  /** @param seed - any integer, reduced to 32 bits */
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** The next uniform number in [0, 1). */
  uniform(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** The next standard normal number. */
  normal(): number {
    if (this.#spare !== undefined) {
      const z = this.#spare;
      this.#spare = undefined;
      return z;
    }
    const u1 = this.uniform() + 1 / 8589934592; // never 0
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.#spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }
}
