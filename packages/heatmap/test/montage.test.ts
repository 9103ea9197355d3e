import { describe, expect, it } from 'vitest';
import type { Heatmap } from '../src/index.js';
import { montage } from '../src/node.js';
import { px } from './helpers.js';

const solid = (width: number, height: number, rgb: [number, number, number]): Heatmap => {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < data.length; i += 4) data.set([...rgb, 255], i);
  return { width, height, data };
};
const RED = [255, 0, 0, 255];
const BLUE = [0, 0, 255, 255];
const WHITE = [255, 255, 255, 255];
const BLACK = [0, 0, 0, 255];

describe('montage', () => {
  it('lays tiles out in rows and columns with padding', () => {
    const r = solid(2, 1, [255, 0, 0]);
    const b = solid(2, 1, [0, 0, 255]);
    const sheet = montage(
      [
        [r, b],
        [b, null],
      ],
      { padding: 1 },
    );
    expect([sheet.width, sheet.height]).toEqual([7, 5]); // 1 + 2 * (2 + 1), 1 + 2 * (1 + 1)
    expect(px(sheet, 0, 0)).toEqual(WHITE);
    expect([px(sheet, 1, 1), px(sheet, 2, 1), px(sheet, 3, 1), px(sheet, 4, 1), px(sheet, 5, 1)]).toEqual([
      RED,
      RED,
      WHITE,
      BLUE,
      BLUE,
    ]);
    expect([px(sheet, 1, 3), px(sheet, 4, 3)]).toEqual([BLUE, WHITE]); // the null cell stays empty
  });

  it('scales tiles by an integer factor and centres smaller tiles', () => {
    const big = solid(4, 4, [0, 0, 255]);
    const small = solid(1, 1, [255, 0, 0]);
    const sheet = montage([[big, small]], { padding: 0, scale: 2 });
    expect([sheet.width, sheet.height]).toEqual([16, 8]);
    // the 1×1 tile becomes 2×2 in the middle of its 8×8 cell: x 11..12, y 3..4
    expect([px(sheet, 11, 3), px(sheet, 12, 4), px(sheet, 10, 3), px(sheet, 13, 4)]).toEqual([
      RED,
      RED,
      WHITE,
      WHITE,
    ]);
  });

  it('draws column labels above and row labels to the left, in the bitmap font', () => {
    const tile = solid(5, 5, [0, 255, 0]);
    const sheet = montage([[tile]], { columnLabels: ['A'], padding: 0 });
    // Seven plus 'A' is 5 wide and 7 high: top row .###., middle row #####
    expect(sheet.height).toBe(7 + 5);
    expect([0, 1, 2, 3, 4].map((x) => px(sheet, x, 0))).toEqual([WHITE, BLACK, BLACK, BLACK, WHITE]);
    expect([0, 1, 2, 3, 4].map((x) => px(sheet, x, 3))).toEqual([BLACK, BLACK, BLACK, BLACK, BLACK]);
    expect(px(sheet, 2, 7)).toEqual([0, 255, 0, 255]);

    const labelled = montage([[tile], [tile]], {
      rowLabels: ['img 1', 'img 2'],
      columnLabels: ['a very long analyzer name'],
      labelScale: 2,
      textColor: '#ff00ff',
    });
    const band = labelled.width - (4 + 5 + 4);
    expect(band).toBeGreaterThan(4);
    let magenta = 0;
    for (let y = 0; y < labelled.height; y++)
      for (let x = 0; x < band; x++) if (px(labelled, x, y).join() === '255,0,255,255') magenta++;
    expect(magenta).toBeGreaterThan(20);
    // the long column label is shortened to fit the 5-pixel column, so nothing is drawn past it
    for (let y = 0; y < 18; y++) expect(px(labelled, labelled.width - 1, y)).toEqual(WHITE);
  });

  it('is deterministic and replaces characters the font lacks', () => {
    const grid = [[solid(8, 8, [1, 2, 3])]];
    const a = montage(grid, { rowLabels: ['Grad×Input é'], columnLabels: ['LRP'] });
    const b = montage(grid, { rowLabels: ['Grad?Input ?'], columnLabels: ['LRP'] });
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
  });

  it('rejects empty grids and label counts that do not fit', () => {
    expect(() => montage([])).toThrow(/non-empty grid/);
    expect(() => montage([[solid(1, 1, [0, 0, 0])]], { rowLabels: ['a', 'b'] })).toThrow(
      /2 row labels for 1 rows/,
    );
    expect(() => montage([[solid(1, 1, [0, 0, 0])]], { columnLabels: [] })).toThrow(/0 column labels for 1/);
    expect(() => montage([[solid(1, 1, [0, 0, 0])]], { scale: 1.5 })).toThrow(
      /scale must be a positive integer/,
    );
  });
});
