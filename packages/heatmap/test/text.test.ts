import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  escapeHtml,
  HeatmapShapeError,
  HeatmapValueError,
  textHeatmap,
  textHeatmapAnsi,
} from '../src/index.js';

describe('textHeatmap (HTML)', () => {
  it('colours each token by its relevance, with a readable text colour and the value as a tooltip', () => {
    const html = textHeatmap(['bad', 'so-so', 'good'], [-2, 0, 1]);
    expect(html).toBe(
      '<div class="xai-text-heatmap">' +
        '<span class="xai-token" style="background-color:#0000ff;color:#ffffff" title="-2">bad</span> ' +
        '<span class="xai-token" style="background-color:#ffffff;color:#000000" title="0">so-so</span> ' +
        // bwr at t = 0.75: (255, 127.5, 127.5) -> #ff8080
        '<span class="xai-token" style="background-color:#ff8080;color:#000000" title="1">good</span>' +
        '</div>',
    );
  });

  it('escapes tokens and the separator', () => {
    const html = textHeatmap(['<script>', 'a&b', '"q\''], [1, 0, -1], { separator: '<br>' });
    expect(html).not.toContain('<script>');
    expect(html).toContain('>&lt;script&gt;</span>&lt;br&gt;<span');
    expect(html).toContain('>a&amp;b<');
    expect(html).toContain('>&quot;q&#39;<');
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('takes colormap and range-scale options', () => {
    const html = textHeatmap(['lo', 'hi'], [3, 5], { colormap: 'grays', rangescale: 'extrema' });
    expect(html).toContain('background-color:#000000;color:#ffffff" title="3">lo<');
    expect(html).toContain('background-color:#ffffff;color:#000000" title="5">hi<');
  });

  it('reads relevance tensors [T], [1, T], [T, D] and [1, T, D] without leaking', () => {
    const before = tf.memory().numTensors;
    const tokens = ['x', 'y'];
    const want = textHeatmap(tokens, [1, -1]);
    const cases = [
      tf.tensor1d([1, -1]),
      tf.tensor2d([[1, -1]]),
      tf.tensor2d([
        [0.5, 0.5],
        [-2, 1],
      ]),
      tf.tensor3d([
        [
          [0.5, 0.5],
          [-2, 1],
        ],
      ]),
    ];
    for (const t of cases) expect(textHeatmap(tokens, t)).toBe(want);
    for (const t of cases) t.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('needs one finite value per token', () => {
    expect(() => textHeatmap(['a', 'b'], [1])).toThrow(HeatmapShapeError);
    expect(() => textHeatmap(['a', 'b'], [1])).toThrow(/2 tokens but 1 relevance values/);
    expect(() => textHeatmap(['a'], [Number.NaN])).toThrow(HeatmapValueError);
    const t = tf.zeros([1, 1, 2, 2]);
    expect(() => textHeatmap(['a'], t)).toThrow(/\[1,1,2,2\] is not understood/);
    t.dispose();
  });
});

describe('textHeatmapAnsi', () => {
  it('writes 24-bit background and foreground colours and resets after each token', () => {
    expect(textHeatmapAnsi(['no', 'yes'], [-1, 1])).toBe(
      '\x1b[48;2;0;0;255m\x1b[38;2;255;255;255mno\x1b[0m \x1b[48;2;255;0;0m\x1b[38;2;255;255;255myes\x1b[0m',
    );
    expect(textHeatmapAnsi(['a', 'b'], [0, 0], { separator: '' })).toBe(
      '\x1b[48;2;255;255;255m\x1b[38;2;0;0;0ma\x1b[0m\x1b[48;2;255;255;255m\x1b[38;2;0;0;0mb\x1b[0m',
    );
  });
});
