import { afterEach, describe, expect, it, vi } from 'vitest';
import { drawHeatmap, type Heatmap, HeatmapEnvironmentError, toImageData } from '../src/index.js';

const map: Heatmap = { width: 2, height: 1, data: new Uint8ClampedArray([1, 2, 3, 255, 4, 5, 6, 255]) };

class FakeImageData {
  constructor(
    readonly data: Uint8ClampedArray,
    readonly width: number,
    readonly height: number,
  ) {}
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('browser helpers', () => {
  it('toImageData needs a DOM', () => {
    expect(typeof ImageData).toBe('undefined');
    expect(() => toImageData(map)).toThrow(HeatmapEnvironmentError);
    expect(() => toImageData(map)).toThrow(/ImageData is not available here/);
  });

  it('toImageData copies the pixels into an ImageData', () => {
    vi.stubGlobal('ImageData', FakeImageData);
    const img = toImageData(map) as unknown as FakeImageData;
    expect(img).toBeInstanceOf(FakeImageData);
    expect([img.width, img.height]).toEqual([2, 1]);
    expect(img.data).toEqual(map.data);
    expect(img.data).not.toBe(map.data);
  });

  it('drawHeatmap sizes a canvas and puts the pixels at (x, y)', () => {
    vi.stubGlobal('ImageData', FakeImageData);
    const ctx = { putImageData: vi.fn() };
    const canvas = { width: 300, height: 150, getContext: vi.fn(() => ctx) };
    drawHeatmap(canvas as unknown as HTMLCanvasElement, map);
    expect([canvas.width, canvas.height]).toEqual([2, 1]);
    expect(canvas.getContext).toHaveBeenCalledWith('2d');
    expect(ctx.putImageData).toHaveBeenCalledWith(expect.any(FakeImageData), 0, 0);

    const kept = { width: 300, height: 150, getContext: () => ctx };
    drawHeatmap(kept as unknown as HTMLCanvasElement, map, { resize: false, x: 5, y: 7 });
    expect([kept.width, kept.height]).toEqual([300, 150]);
    expect(ctx.putImageData).toHaveBeenLastCalledWith(expect.any(FakeImageData), 5, 7);

    drawHeatmap(ctx as unknown as CanvasRenderingContext2D, map, { x: 1 });
    expect(ctx.putImageData).toHaveBeenLastCalledWith(expect.any(FakeImageData), 1, 0);
  });

  it('drawHeatmap says when a canvas has no 2D context', () => {
    vi.stubGlobal('ImageData', FakeImageData);
    const canvas = { width: 1, height: 1, getContext: () => null };
    expect(() => drawHeatmap(canvas as unknown as HTMLCanvasElement, map)).toThrow(/no 2D context/);
  });
});
