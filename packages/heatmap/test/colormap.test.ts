import { describe, expect, it } from 'vitest';
import { Colormap, colormapNames, getColormap, HeatmapOptionError, parseColor } from '../src/index.js';

describe('built-in colormaps: known endpoints and midpoints', () => {
  // matplotlib's definitions (x 255, halves rounded up) and the published tables of viridis & co.
  it.each([
    ['seismic', 0, [0, 0, 77]],
    ['seismic', 0.25, [0, 0, 255]],
    ['seismic', 0.5, [255, 255, 255]],
    ['seismic', 0.75, [255, 0, 0]],
    ['seismic', 1, [128, 0, 0]],
    ['bwr', 0, [0, 0, 255]],
    ['bwr', 0.5, [255, 255, 255]],
    ['bwr', 1, [255, 0, 0]],
    ['bwr', 0.25, [128, 128, 255]],
    ['coolwarm', 0, [59, 76, 192]],
    ['coolwarm', 0.5, [221, 221, 221]],
    ['coolwarm', 1, [180, 4, 38]],
    ['RdBu', 0, [103, 0, 31]],
    ['RdBu', 0.5, [247, 247, 247]],
    ['RdBu', 1, [5, 48, 97]],
    ['RdBu_r', 0, [5, 48, 97]],
    ['RdBu_r', 1, [103, 0, 31]],
    ['viridis', 0, [68, 1, 84]],
    ['viridis', 1, [253, 231, 37]],
    ['inferno', 0, [0, 0, 4]],
    ['inferno', 1, [252, 255, 164]],
    ['magma', 0, [0, 0, 4]],
    ['magma', 1, [252, 253, 191]],
    ['jet', 0, [0, 0, 128]],
    ['jet', 0.11, [0, 0, 255]],
    ['jet', 0.5, [123, 255, 123]],
    ['jet', 0.75, [255, 151, 0]],
    ['jet', 1, [128, 0, 0]],
    ['grays', 0, [0, 0, 0]],
    ['grays', 0.5, [128, 128, 128]],
    ['grays', 1, [255, 255, 255]],
    ['Greys', 0, [255, 255, 255]],
    ['Greys', 1, [0, 0, 0]],
    ['batlow', 0, [1, 25, 89]],
    ['batlow', 1, [250, 204, 250]],
    ['berlin', 0, [158, 176, 255]],
    ['berlin', 1, [255, 173, 173]],
    ['vik', 0, [0, 18, 97]],
    ['vik', 1, [89, 0, 8]],
  ] as const)('%s(%d) = %j', (name, t, rgb) => {
    expect(getColormap(name).at(t)).toEqual(rgb);
  });

  it('interpolates viridis linearly between its 256 entries', () => {
    const v = getColormap('viridis');
    expect(v.size).toBe(256);
    // entries 0 and 1 are #440154 and #440256: halfway between them is (68, 1.5, 85) -> (68, 2, 85)
    expect(v.at(0.5 / 255)).toEqual([68, 2, 85]);
  });

  it('seismic and bwr are white in the middle and mirror blue and red around it', () => {
    // seismic's dark ends differ (0.3 blue, 0.5 red), its inner half is symmetric
    for (const [name, t] of [
      ['seismic', 0.4],
      ['seismic', 0.3],
      ['bwr', 0.1],
      ['bwr', 0.4],
    ] as const) {
      const cmap = getColormap(name);
      expect(cmap.at(0.5)).toEqual([255, 255, 255]);
      const [r0, g0, b0] = cmap.at(t);
      expect(cmap.at(1 - t)).toEqual([b0, g0, r0]);
    }
  });

  it('every listed name resolves, case-insensitively, with its reverse', () => {
    for (const name of colormapNames) {
      const cmap = getColormap(name);
      expect(cmap.name).toBe(name);
      expect(getColormap(name.toUpperCase()).at(0.3)).toEqual(cmap.at(0.3));
      expect(getColormap(`${name}_r`).at(0.25)).toEqual(cmap.at(0.75));
    }
    expect(getColormap('gray').at(1)).toEqual([255, 255, 255]);
  });

  it('clamps t outside [0, 1]', () => {
    expect(getColormap('bwr').at(-3)).toEqual([0, 0, 255]);
    expect(getColormap('bwr').at(7)).toEqual([255, 0, 0]);
  });
});

describe('user palettes', () => {
  it('spreads colours evenly and interpolates linearly', () => {
    const cmap = getColormap(['#000000', [100, 200, 50], '#fff']);
    expect(cmap.at(0)).toEqual([0, 0, 0]);
    expect(cmap.at(0.25)).toEqual([50, 100, 25]);
    expect(cmap.at(0.5)).toEqual([100, 200, 50]);
    expect(cmap.at(0.75)).toEqual([178, 228, 153]); // (100+255)/2 = 177.5 -> 178
    expect(cmap.at(1)).toEqual([255, 255, 255]);
  });

  it('accepts stops at any positions, and a Colormap as is', () => {
    const cmap = new Colormap('edge', [
      { at: 0, color: [0, 0, 0] },
      { at: 0.8, color: [200, 0, 0] },
      { at: 1, color: [200, 200, 0] },
    ]);
    expect(cmap.at(0.4)).toEqual([100, 0, 0]);
    expect(cmap.at(0.9)).toEqual([200, 100, 0]);
    expect(getColormap(cmap)).toBe(cmap);
    expect(cmap.reversed().at(0.1)).toEqual([200, 100, 0]);
    expect(cmap.reversed().name).toBe('edge_r');
  });

  it('parses hex colours', () => {
    expect(parseColor('#FF8000')).toEqual([255, 128, 0]);
    expect(parseColor('#0f8')).toEqual([0, 255, 136]);
  });
});

describe('colormap errors', () => {
  it('names the valid colormaps for an unknown name', () => {
    expect(() => getColormap('rainbow')).toThrow(HeatmapOptionError);
    expect(() => getColormap('rainbow')).toThrow(/unknown colormap 'rainbow'.*seismic.*viridis.*batlow/);
  });

  it('rejects malformed palettes', () => {
    expect(() => getColormap(['#000000'])).toThrow(/at least two colours/);
    expect(() => getColormap(['#00000', '#ffffff'])).toThrow(/palette entry 0 '#00000' is not a hex colour/);
    expect(() => getColormap([[0, 0, 300], '#ffffff'])).toThrow(/palette entry 0 .*0\.\.255/);
    expect(
      () =>
        new Colormap('bad', [
          { at: 0.5, color: [0, 0, 0] },
          { at: 0.2, color: [0, 0, 0] },
        ]),
    ).toThrow(/positions must rise/);
    expect(
      () =>
        new Colormap('short', [
          { at: 0, color: [0, 0, 0] },
          { at: 0.5, color: [0, 0, 0] },
        ]),
    ).toThrow(/last at 1/);
  });
});
