/** Formats a shape as `[2,16,16,3]`, with `batch` for an unknown (null) dimension. */
export function formatShape(shape: readonly (number | null | undefined)[]): string {
  return `[${shape.map((d) => (d == null || d < 0 ? 'batch' : String(d))).join(',')}]`;
}
