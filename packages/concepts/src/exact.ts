// Exact sums of float32 values: every finite float32 is an integer multiple of 2^-149, so scaling by 2^149 gives a
// BigInt, and BigInt addition is associative. Per-class sums of relevance then do not depend on the order in which
// shards are merged: the store of a run is the same whichever worker finished first.

const SCALE_BITS = 149n;
const view = new DataView(new ArrayBuffer(4));

/**
 * `value` (rounded to float32) as an exact integer count of 2^-149: the unit of the store's per-class sums, whose
 * addition is associative.
 *
 * @throws RangeError for NaN or ±Infinity
 * @example
 * ```ts
 * exactUnits(1) + exactUnits(2 ** -149); // 2n ** 149n + 1n
 * ```
 */
export function exactUnits(value: number): bigint {
  view.setFloat32(0, value);
  const bits = view.getUint32(0);
  const sign = bits >>> 31 ? -1n : 1n;
  const exponent = (bits >>> 23) & 0xff;
  const fraction = bits & 0x7fffff;
  if (exponent === 0xff) throw new RangeError(`cannot sum a non-finite value exactly: ${value}`);
  // subnormals: fraction × 2^-149; normals: (2^23 + fraction) × 2^(exponent - 150)
  if (exponent === 0) return sign * BigInt(fraction);
  return sign * (BigInt(0x800000 + fraction) << BigInt(exponent - 1));
}

/**
 * An exact sum in units of 2^-149 as a number (rounded to 64 significant bits, then to a double).
 *
 * @example
 * ```ts
 * unitsToNumber(exactUnits(0.1) + exactUnits(0.2)); // 0.30000000447034836 (the float32 values' exact sum)
 * ```
 */
export function unitsToNumber(units: bigint): number {
  if (units === 0n) return 0;
  const negative = units < 0n;
  let u = negative ? -units : units;
  // keep 64 significant bits so that Number() rounds once, then scale
  let shift = 0n;
  const bits = BigInt(u.toString(2).length);
  if (bits > 64n) {
    shift = bits - 64n;
    u >>= shift;
  }
  const value = Number(u) * 2 ** Number(shift - SCALE_BITS);
  return negative ? -value : value;
}
