// Dense float64 arrays (row-major, batch first) for the reference implementation: no TF.js op touches them.

/** A row-major float64 array. */
export interface Arr {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function zeros(shape: readonly number[]): Arr {
  return { shape: [...shape], data: new Float64Array(sizeOf(shape)) };
}

export function arr(shape: readonly number[], data: ArrayLike<number>): Arr {
  if (data.length !== sizeOf(shape)) throw new Error(`${data.length} values for shape [${shape}]`);
  return { shape: [...shape], data: Float64Array.from(data) };
}

/** Row-major strides. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}

/** The multi-index of flat position `flat`. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    idx[i] = flat % shape[i]!;
    flat = Math.floor(flat / shape[i]!);
  }
  return idx;
}

export function map(a: Arr, f: (v: number, i: number) => number): Arr {
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = f(a.data[i]!, i);
  return { shape: [...a.shape], data: out };
}

/** Sample `b` of a batch-first array, keeping a batch axis of 1. */
export function sample(a: Arr, b: number): Arr {
  const per = a.data.length / a.shape[0]!;
  return { shape: [1, ...a.shape.slice(1)], data: a.data.slice(b * per, (b + 1) * per) };
}

/** Joins batch-first arrays along the batch axis. */
export function stack(parts: readonly Arr[]): Arr {
  const first = parts[0]!;
  const data = new Float64Array(parts.reduce((n, p) => n + p.data.length, 0));
  let at = 0;
  for (const p of parts) {
    data.set(p.data, at);
    at += p.data.length;
  }
  return { shape: [parts.reduce((n, p) => n + p.shape[0]!, 0), ...first.shape.slice(1)], data };
}

export function dot(a: Arr, b: Arr): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += a.data[i]! * b.data[i]!;
  return s;
}

export function maxAbs(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]!));
  return m;
}

/** max |a − b| / max |b| (b the reference); NaN anywhere gives Infinity. */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i]! - b[i]!);
    if (Number.isNaN(e)) return Number.POSITIVE_INFINITY;
    d = Math.max(d, e);
  }
  const scale = maxAbs(b);
  return scale === 0 ? d : d / scale;
}

/** Where |a − b| is largest: index, both values (for failure messages). */
export function worst(a: ArrayLike<number>, b: ArrayLike<number>, shape: readonly number[]): string {
  let at = 0;
  let d = -1;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i]! - b[i]!);
    if (e > d || Number.isNaN(e)) {
      d = e;
      at = i;
    }
  }
  return `at [${unravel(at, shape)}]: ${a[at]} vs ${b[at]} (reference max |·| ${maxAbs(b).toExponential(3)})`;
}
