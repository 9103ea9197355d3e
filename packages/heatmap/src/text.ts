import * as tf from '@tensorflow/tfjs';
import { formatShape } from '@xai-ts/base';
import { type ColormapSpec, getColormap } from './colormap.js';
import { HeatmapShapeError, HeatmapValueError } from './errors.js';
import { checkReduction, type Reduction, reduceChannels } from './reduce.js';
import { checkRangeScale, type RangeScale, scaleValues } from './scale.js';

/** Options of {@link textHeatmap} and {@link textHeatmapAnsi}. */
export interface TextHeatmapOptions {
  /** The colormap. Default `bwr` (blue, white, red: light enough to read text on). */
  colormap?: ColormapSpec;
  /** How values are mapped to the colormap. Default `centered`. */
  rangescale?: RangeScale;
  /** How a relevance tensor `[T, D]` (per token and embedding dimension) becomes one value per token. Default `sum`. */
  reduce?: Reduction;
  /** Between tokens. Default `' '`; `''` for sub-word tokens that carry their own spaces. */
  separator?: string;
}

interface Colored {
  readonly token: string;
  readonly value: number;
  readonly bg: readonly [number, number, number];
  readonly fg: readonly [number, number, number];
}

/**
 * Colours tokens by their relevance as HTML (TextHeatmaps.jl's idea): one `<span>` per token with its background
 * colour, a readable text colour and the value as a tooltip, inside a `<div class="xai-text-heatmap">`. Tokens are
 * HTML-escaped.
 *
 * @param tokens - the tokens, in order
 * @param relevance - one value per token: an array, or a tensor `[T]`, `[1, T]`, `[T, D]` or `[1, T, D]` (`D`
 *   reduced with `reduce`)
 * @param options - colormap, range scaling, reduction, separator
 * @throws {@link HeatmapShapeError} when the relevance does not have one value per token
 * @throws {@link HeatmapValueError} for NaN or ±Infinity
 *
 * @example
 * ```ts
 * const html = textHeatmap(['the', 'movie', 'was', 'great'], [0.01, 0.2, -0.05, 0.9]);
 * ```
 */
export function textHeatmap(
  tokens: readonly string[],
  relevance: ArrayLike<number> | tf.Tensor,
  options: TextHeatmapOptions = {},
): string {
  const spans = colorTokens(tokens, relevance, options).map(
    ({ token, value, bg, fg }) =>
      `<span class="xai-token" style="background-color:${hex(bg)};color:${hex(fg)}" title="${formatValue(value)}">${escapeHtml(token)}</span>`,
  );
  return `<div class="xai-text-heatmap">${spans.join(escapeHtml(options.separator ?? ' '))}</div>`;
}

/**
 * Colours tokens by their relevance for a terminal: 24-bit ANSI background and foreground colours per token,
 * reset after each.
 *
 * @param tokens - the tokens, in order
 * @param relevance - one value per token (see {@link textHeatmap})
 * @param options - colormap, range scaling, reduction, separator
 *
 * @example
 * ```ts
 * console.log(textHeatmapAnsi(['the', 'movie', 'was', 'great'], [0.01, 0.2, -0.05, 0.9]));
 * ```
 */
export function textHeatmapAnsi(
  tokens: readonly string[],
  relevance: ArrayLike<number> | tf.Tensor,
  options: TextHeatmapOptions = {},
): string {
  return colorTokens(tokens, relevance, options)
    .map(
      ({ token, bg, fg }) =>
        `\x1b[48;2;${bg[0]};${bg[1]};${bg[2]}m\x1b[38;2;${fg[0]};${fg[1]};${fg[2]}m${token}\x1b[0m`,
    )
    .join(options.separator ?? ' ');
}

function colorTokens(
  tokens: readonly string[],
  relevance: ArrayLike<number> | tf.Tensor,
  options: TextHeatmapOptions,
): Colored[] {
  if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === 'string'))
    throw new HeatmapShapeError('tokens must be an array of strings');
  const colormap = getColormap(options.colormap ?? 'bwr');
  const rangescale = checkRangeScale(options.rangescale ?? 'centered');
  const reduce = checkReduction(options.reduce ?? 'sum');
  const values = relevanceValues(relevance, tokens.length, reduce);
  values.forEach((v, i) => {
    if (!Number.isFinite(v))
      throw new HeatmapValueError(`the relevance of token ${i} ('${tokens[i]}') is ${v}; it must be finite`);
  });
  const t = Float64Array.from(values);
  scaleValues(t, { rangescale });
  const px = new Uint8ClampedArray(3);
  return tokens.map((token, i) => {
    colormap.write(t[i]!, px, 0);
    const bg = [px[0]!, px[1]!, px[2]!] as const;
    return { token, value: values[i]!, bg, fg: readableOn(bg) };
  });
}

function relevanceValues(
  relevance: ArrayLike<number> | tf.Tensor,
  count: number,
  reduce: Reduction,
): number[] {
  let values: number[];
  if (relevance instanceof tf.Tensor) {
    let shape = relevance.shape;
    if (shape.length >= 2 && shape[0] === 1 && (shape.length === 3 || shape[1] === count))
      shape = shape.slice(1);
    if (shape.length === 1) values = Array.from(relevance.dataSync());
    else if (shape.length === 2) {
      const reduced = tf.tidy(() => reduceChannels(relevance.reshape([1, 1, shape[0]!, shape[1]!]), reduce));
      values = Array.from(reduced.dataSync());
      reduced.dispose();
    } else
      throw new HeatmapShapeError(
        `a token relevance of shape ${formatShape(relevance.shape)} is not understood: give [T], [1, T], [T, D] or [1, T, D]`,
      );
  } else values = Array.from(relevance ?? [], Number);
  if (values.length !== count)
    throw new HeatmapShapeError(
      `${count} tokens but ${values.length} relevance values; give one value per token`,
    );
  return values;
}

/** Black on light backgrounds, white on dark ones (Rec. 709 luma). */
function readableOn(bg: readonly [number, number, number]): readonly [number, number, number] {
  const luma = 0.2126 * bg[0] + 0.7152 * bg[1] + 0.0722 * bg[2];
  return luma > 128 ? [0, 0, 0] : [255, 255, 255];
}

function hex(c: readonly [number, number, number]): string {
  return `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

function formatValue(v: number): string {
  return String(Number(v.toPrecision(4)));
}

/**
 * Escapes `& < > " '` for HTML text and attribute values.
 *
 * @example
 * ```ts
 * escapeHtml('<b>"hi"</b>'); // '&lt;b&gt;&quot;hi&quot;&lt;/b&gt;'
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
