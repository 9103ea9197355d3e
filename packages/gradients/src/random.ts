/**
 * A seeded stream of standard normal numbers: xoshiro128** seeded through splitmix32, turned into normals with the
 * Box–Muller transform. The same seed gives the same sequence on every platform (32-bit integer arithmetic only).
 */
export class NormalStream {
  #s: Uint32Array;
  #spare: number | undefined;

  /** @param seed - any integer; it is reduced to 32 bits */
  constructor(seed: number) {
    let state = seed >>> 0;
    const splitmix32 = (): number => {
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
      return (z ^ (z >>> 15)) >>> 0;
    };
    this.#s = Uint32Array.of(splitmix32(), splitmix32(), splitmix32(), splitmix32());
  }

  /** The next uniformly distributed 32-bit unsigned integer (xoshiro128**). */
  nextUint32(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = s[1]! << 9;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  /** The next standard normal number (mean 0, standard deviation 1). */
  nextNormal(): number {
    if (this.#spare !== undefined) {
      const z = this.#spare;
      this.#spare = undefined;
      return z;
    }
    // u1 in (0, 1): never 0, so the logarithm stays finite.
    const u1 = (this.nextUint32() + 0.5) / 4294967296;
    const u2 = this.nextUint32() / 4294967296;
    const r = Math.sqrt(-2 * Math.log(u1));
    this.#spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  /** Fills `out` with normal numbers of mean 0 and standard deviation `std`, in order. */
  fill(out: Float32Array, std: number): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = std * this.nextNormal();
    return out;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A seed for an unseeded run. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 4294967296);
}
