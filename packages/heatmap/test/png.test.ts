import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { encode } from 'fast-png';
import { afterAll, describe, expect, it } from 'vitest';
import { heatmap } from '../src/index.js';
import { decodePNG, encodePNG, readPNG, writePNG } from '../src/node.js';
import { px } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'xai-heatmap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('PNG', () => {
  it('round-trips a heatmap through bytes', () => {
    const x = tf.randomNormal([1, 5, 7, 3], 0, 1, 'float32', 3);
    const [map] = heatmap(x);
    x.dispose();
    const bytes = encodePNG(map!);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    const back = decodePNG(bytes);
    expect([back.width, back.height]).toEqual([7, 5]);
    expect(back.data).toEqual(map!.data);
  });

  it('round-trips through a file, keeping alpha', () => {
    const img = { width: 2, height: 1, data: new Uint8ClampedArray([1, 2, 3, 4, 250, 251, 252, 253]) };
    const path = join(dir, 'two.png');
    return writePNG(path, img)
      .then(() => readPNG(path))
      .then((back) => expect(back).toEqual(img));
  });

  it('decodes grey, grey+alpha, RGB, 16-bit and palette PNGs to RGBA', () => {
    const grey = decodePNG(
      encode({ width: 2, height: 1, data: new Uint8Array([0, 200]), channels: 1, depth: 8 }),
    );
    expect(px(grey, 1, 0)).toEqual([200, 200, 200, 255]);
    const greyAlpha = decodePNG(
      encode({ width: 1, height: 1, data: new Uint8Array([90, 10]), channels: 2, depth: 8 }),
    );
    expect(px(greyAlpha, 0, 0)).toEqual([90, 90, 90, 10]);
    const rgb = decodePNG(
      encode({ width: 1, height: 1, data: new Uint8Array([9, 8, 7]), channels: 3, depth: 8 }),
    );
    expect(px(rgb, 0, 0)).toEqual([9, 8, 7, 255]);
    const deep = decodePNG(
      encode({
        width: 1,
        height: 1,
        data: new Uint16Array([0xff00, 0x1234, 0x0001]),
        channels: 3,
        depth: 16,
      }),
    );
    expect(px(deep, 0, 0)).toEqual([255, 18, 0, 255]);
    const indexed = decodePNG(
      encode({
        width: 2,
        height: 1,
        data: new Uint8Array([1, 0]),
        channels: 1,
        depth: 8,
        palette: [
          [10, 20, 30],
          [40, 50, 60],
        ],
      }),
    );
    expect([px(indexed, 0, 0), px(indexed, 1, 0)]).toEqual([
      [40, 50, 60, 255],
      [10, 20, 30, 255],
    ]);
  });

  it('says what went wrong for bytes that are not a PNG', () => {
    expect(() => decodePNG(new Uint8Array([1, 2, 3]))).toThrow(/cannot decode the PNG/);
    expect(() => encodePNG({ width: 1, height: 1, data: new Uint8ClampedArray(3) })).toThrow(/RGBA needs 4/);
  });
});
