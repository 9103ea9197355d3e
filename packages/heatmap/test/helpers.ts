import type { Heatmap } from '../src/index.js';

/** The RGBA value of pixel (x, y). */
export function px(image: Heatmap, x: number, y: number): [number, number, number, number] {
  const o = 4 * (y * image.width + x);
  return [image.data[o]!, image.data[o + 1]!, image.data[o + 2]!, image.data[o + 3]!];
}

/** The RGB values of every pixel, row-major. */
export function rgbOf(image: Heatmap): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < image.data.length; i += 4)
    out.push([image.data[i]!, image.data[i + 1]!, image.data[i + 2]!]);
  return out;
}
