import { fonts, renderPixels } from 'js-pixel-fonts';
import { type PaletteColor, parseColor, type RGB } from './colormap.js';
import { HeatmapOptionError, HeatmapShapeError } from './errors.js';
import { checkImage, type Heatmap } from './image.js';

/** Options of {@link montage}. */
export interface MontageOptions {
  /** One label per row (for example the image or class), drawn left of the row. */
  rowLabels?: readonly string[];
  /** One label per column (for example the analyzer), drawn above it; shortened with `..` to fit the column. */
  columnLabels?: readonly string[];
  /** Enlarges every tile by this integer factor (nearest neighbour), for small maps. Default 1. */
  scale?: number;
  /** Pixels between tiles and around the edge. Default 4. */
  padding?: number;
  /** Enlarges the 7-pixel bitmap font by this integer factor. Default 1. */
  labelScale?: number;
  /** Background colour. Default white. */
  background?: PaletteColor;
  /** Label colour. Default black. */
  textColor?: PaletteColor;
}

/**
 * Lays heatmaps out in a labelled grid, one row per image and one column per analyzer, for comparisons
 * (Zennit's and the Julia docs' comparison figures). Tiles of different sizes are centred in cells of the largest
 * size; `null` leaves a cell empty. Labels use a small bitmap font (js-pixel-fonts' "Seven plus", printable ASCII;
 * other characters show as `?`), so the result is the same on every machine.
 *
 * @param grid - rows of tiles
 * @param options - labels, tile scale, padding, colours
 * @returns one RGBA image
 * @throws `HeatmapShapeError` (from `@xai-ts/heatmap`) for an empty grid or a tile that is not an RGBA image
 * @throws `HeatmapOptionError` for label counts that do not fit the grid, or bad scales
 *
 * @example
 * ```ts
 * const lrp = heatmap(lrpExpl); // one map per image
 * const grad = heatmap(gradExpl);
 * const sheet = montage(
 *   [[lrp[0], grad[0]], [lrp[1], grad[1]]],
 *   { rowLabels: ['castle', 'street sign'], columnLabels: ['LRP', 'Gradient'], scale: 2 },
 * );
 * await writePNG('comparison.png', sheet);
 * ```
 */
export function montage(
  grid: readonly (readonly (Heatmap | null | undefined)[])[],
  options: MontageOptions = {},
): Heatmap {
  if (!grid?.length || grid.every((row) => !row?.length))
    throw new HeatmapShapeError('montage needs a non-empty grid: rows (images) of tiles (analyzers)');
  const rows = grid.length;
  const cols = Math.max(...grid.map((row) => row.length));
  const scale = positiveInt(options.scale ?? 1, 'scale');
  const pad = nonNegativeInt(options.padding ?? 4, 'padding');
  const labelScale = positiveInt(options.labelScale ?? 1, 'labelScale');
  const bg = parseColor(options.background ?? [255, 255, 255], 'background');
  const fg = parseColor(options.textColor ?? [0, 0, 0], 'textColor');
  const { rowLabels, columnLabels } = options;
  if (rowLabels && rowLabels.length !== rows)
    throw new HeatmapOptionError(`${rowLabels.length} row labels for ${rows} rows; give one per row`);
  if (columnLabels && columnLabels.length !== cols)
    throw new HeatmapOptionError(
      `${columnLabels.length} column labels for ${cols} columns; give one per column`,
    );

  let cellW = 1;
  let cellH = 1;
  for (const [r, row] of grid.entries())
    for (const [c, tile] of row.entries()) {
      if (tile == null) continue;
      checkImage(tile, `tile (row ${r}, column ${c})`);
      cellW = Math.max(cellW, tile.width * scale);
      cellH = Math.max(cellH, tile.height * scale);
    }
  const colTexts = columnLabels?.map((label) => fitText(label, Math.floor(cellW / labelScale)));
  const rowTexts = rowLabels?.map((label) => glyphs(label));
  const topBand = colTexts ? Math.max(...colTexts.map((t) => t.length)) * labelScale + pad : 0;
  const leftBand = rowTexts ? Math.max(...rowTexts.map(textWidth)) * labelScale + pad : 0;
  const width = pad + leftBand + cols * (cellW + pad);
  const height = pad + topBand + rows * (cellH + pad);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < data.length; i += 4) {
    data[i] = bg[0];
    data[i + 1] = bg[1];
    data[i + 2] = bg[2];
    data[i + 3] = 255;
  }
  const sheet: Heatmap = { width, height, data };
  const cellX = (c: number) => pad + leftBand + c * (cellW + pad);
  const cellY = (r: number) => pad + topBand + r * (cellH + pad);

  for (const [r, row] of grid.entries())
    for (const [c, tile] of row.entries()) {
      if (tile == null) continue;
      const x0 = cellX(c) + ((cellW - tile.width * scale) >> 1);
      const y0 = cellY(r) + ((cellH - tile.height * scale) >> 1);
      blit(sheet, tile, x0, y0, scale);
    }
  colTexts?.forEach((text, c) => {
    const x = cellX(c) + ((cellW - textWidth(text) * labelScale) >> 1);
    drawText(sheet, text, x, pad, labelScale, fg);
  });
  rowTexts?.forEach((text, r) => {
    const y = cellY(r) + ((cellH - text.length * labelScale) >> 1);
    drawText(sheet, text, pad, Math.max(y, 0), labelScale, fg);
  });
  return sheet;
}

type Bitmap = readonly (readonly number[])[];

const FONT = fonts.sevenPlus;

/** Renders one line of text as rows of 0/1, characters the font lacks shown as `?`. */
function glyphs(text: string): Bitmap {
  const line = [...text.replace(/[\r\n\t]+/g, ' ')].map((ch) => (FONT.glyphs[ch] ? ch : '?')).join('');
  return line.length === 0 ? [[]] : renderPixels(line, FONT);
}

function textWidth(bitmap: Bitmap): number {
  return Math.max(0, ...bitmap.map((row) => row.length));
}

/** The text, shortened with `..` until it fits `maxWidth` font pixels, and cut at the edge if even that is too wide. */
function fitText(text: string, maxWidth: number): Bitmap {
  let bitmap = glyphs(text);
  for (let keep = text.length - 1; textWidth(bitmap) > maxWidth && keep > 0; keep--)
    bitmap = glyphs(`${text.slice(0, keep)}..`);
  return textWidth(bitmap) > maxWidth ? bitmap.map((row) => row.slice(0, maxWidth)) : bitmap;
}

function drawText(sheet: Heatmap, bitmap: Bitmap, x0: number, y0: number, s: number, color: RGB): void {
  for (const [gy, row] of bitmap.entries())
    for (const [gx, on] of row.entries()) {
      if (!on) continue;
      for (let dy = 0; dy < s; dy++)
        for (let dx = 0; dx < s; dx++) setPixel(sheet, x0 + gx * s + dx, y0 + gy * s + dy, color);
    }
}

function setPixel(sheet: Heatmap, x: number, y: number, color: RGB): void {
  if (x < 0 || y < 0 || x >= sheet.width || y >= sheet.height) return;
  const o = 4 * (y * sheet.width + x);
  sheet.data[o] = color[0];
  sheet.data[o + 1] = color[1];
  sheet.data[o + 2] = color[2];
  sheet.data[o + 3] = 255;
}

function blit(sheet: Heatmap, tile: Heatmap, x0: number, y0: number, s: number): void {
  for (let y = 0; y < tile.height * s; y++) {
    const src = Math.floor(y / s) * tile.width;
    const dst = (y0 + y) * sheet.width + x0;
    for (let x = 0; x < tile.width * s; x++) {
      const i = 4 * (src + Math.floor(x / s));
      sheet.data.set(tile.data.subarray(i, i + 4), 4 * (dst + x));
    }
  }
}

function positiveInt(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 1)
    throw new HeatmapOptionError(`${name} must be a positive integer, got ${v}`);
  return v;
}

function nonNegativeInt(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 0)
    throw new HeatmapOptionError(`${name} must be a non-negative integer, got ${v}`);
  return v;
}
