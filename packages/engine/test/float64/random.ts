// Seeded draws. Every value is rounded to float32 so that the float32 tensor the engine sees and the float64 array
// the reference sees hold the same numbers.

import { type Arr, sizeOf } from './array.js';

/** FNV-1a: a seed from a name, so each case draws the same numbers on every backend and run. */
export function seedOf(...parts: readonly (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const ch of parts.join('|')) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: uniform in [0, 1). */
export function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal (Box–Muller). */
export function normal(seed: number): () => number {
  const u = uniform(seed);
  return () => {
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    return r * Math.cos(2 * Math.PI * u());
  };
}

/**
 * How a case's inputs are drawn. `smooth`: normal × scale. `away`: normal × scale, moved `margin` further from each
 * kink (the distribution has a gap of 2·margin around it, far wider than any finite-difference step). `distinct`:
 * a random permutation of a grid spaced `spacing` apart plus a little jitter, so every window has a unique maximum
 * that a perturbation cannot change.
 */
export type Draw =
  | { readonly kind: 'smooth'; readonly scale?: number }
  | {
      readonly kind: 'away';
      readonly kinks: readonly number[];
      readonly margin?: number;
      readonly scale?: number;
    }
  | { readonly kind: 'distinct'; readonly spacing?: number }
  | { readonly kind: 'positive'; readonly low?: number; readonly high?: number };

/** Draws arrays of `shapes` (batch axis included) jointly: `distinct` values are distinct across all of them. */
export function drawInputs(shapes: readonly (readonly number[])[], how: Draw, seed: number): Arr[] {
  const sizes = shapes.map(sizeOf);
  const total = sizes.reduce((a, b) => a + b, 0);
  const values = new Float64Array(total);
  const n = normal(seed);
  const u = uniform(seed ^ 0x9e3779b9);
  if (how.kind === 'smooth') for (let i = 0; i < total; i++) values[i] = n() * (how.scale ?? 1);
  else if (how.kind === 'positive') {
    const lo = how.low ?? 0.5;
    const hi = how.high ?? 1.5;
    for (let i = 0; i < total; i++) values[i] = lo + (hi - lo) * u();
  } else if (how.kind === 'away') {
    const margin = how.margin ?? 0.05;
    for (let i = 0; i < total; i++) {
      let v = n() * (how.scale ?? 1);
      // nearest kink first, so that a value between two close kinks lands outside both gaps
      const kinks = [...how.kinks].sort((a, b) => Math.abs(v - a) - Math.abs(v - b));
      for (const k of kinks) if (Math.abs(v - k) < margin) v = k + Math.sign(v - k || 1) * margin;
      values[i] = v;
    }
  } else {
    const spacing = how.spacing ?? 0.02;
    const order = Array.from({ length: total }, (_, i) => i);
    for (let i = total - 1; i > 0; i--) {
      const j = Math.floor(u() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (let i = 0; i < total; i++) values[i] = (order[i]! - total / 2) * spacing + 0.1 * spacing * u();
  }
  const out: Arr[] = [];
  let at = 0;
  shapes.forEach((shape, k) => {
    const data = new Float64Array(sizes[k]!);
    for (let i = 0; i < data.length; i++) data[i] = Math.fround(values[at + i]!);
    at += sizes[k]!;
    out.push({ shape: [...shape], data });
  });
  return out;
}

/** A normal float32-representable array (cotangents, weights). */
export function drawNormal(shape: readonly number[], seed: number, scale = 1, shift = 0): Arr {
  const n = normal(seed);
  const data = new Float64Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = Math.fround(shift + scale * n());
  return { shape: [...shape], data };
}
