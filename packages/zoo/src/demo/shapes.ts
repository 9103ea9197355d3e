/**
 * The shapes of the demo dataset as inside-tests in the shape's own frame: `(u, v)` is a pixel centre relative to
 * the shape's centre, rotated into the shape's orientation and divided by its radius, so every shape fits the unit
 * disc (the square's corners reach 1.06).
 */
export const SHAPES = {
  circle: (u: number, v: number): boolean => u * u + v * v <= 1,
  square: (u: number, v: number): boolean => Math.abs(u) <= 0.75 && Math.abs(v) <= 0.75,
  triangle: (u: number, v: number): boolean => insideTriangle(u, v),
  cross: (u: number, v: number): boolean =>
    (Math.abs(u) <= 0.3 && Math.abs(v) <= 1) || (Math.abs(v) <= 0.3 && Math.abs(u) <= 1),
  ring: (u: number, v: number): boolean => {
    const d = u * u + v * v;
    return d <= 1 && d >= 0.55 * 0.55;
  },
} as const;

/**
 * The class names of the demo dataset, in label order (label `i` is `DEMO_CLASS_NAMES[i]`).
 *
 * @example
 * ```ts
 * DEMO_CLASS_NAMES[0]; // the name of label 0
 * ```
 */
export const DEMO_CLASS_NAMES: readonly string[] = Object.freeze(Object.keys(SHAPES));

// The equilateral triangle inscribed in the unit circle, one vertex up.
const TRI: readonly (readonly [number, number])[] = [90, 210, 330].map((deg) => {
  const a = (deg * Math.PI) / 180;
  return [Math.cos(a), Math.sin(a)] as const;
});

function insideTriangle(u: number, v: number): boolean {
  // Counter-clockwise vertices: inside when the point is left of (or on) every edge.
  for (let i = 0; i < 3; i++) {
    const [ax, ay] = TRI[i]!;
    const [bx, by] = TRI[(i + 1) % 3]!;
    if ((bx - ax) * (v - ay) - (by - ay) * (u - ax) < 0) return false;
  }
  return true;
}
