import * as tf from '@tensorflow/tfjs';
import { type LayerGraph, readGraph } from '@xai-ts/canonize';
import { Engine } from '@xai-ts/engine';
import { ConceptLayerError } from './errors.js';

/**
 * A box in input pixels, half-open: rows `y0 ≤ y < y1`, columns `x0 ≤ x < x1`.
 *
 * @example
 * ```ts
 * const [y0, x0, y1, x1]: Box = receptiveField(graph, 'conv2', [3, 4]);
 * ```
 */
export type Box = [y0: number, x0: number, y1: number, x1: number];

/**
 * The rows and the columns a set of units at some layer's output occupies. Every layer the walk knows acts on rows
 * and columns separately, so propagating the two projections is exact (and gaps left by dilation stay gaps).
 */
type Span = { rows: number[]; cols: number[] };

const IDENTITY = new Set([
  'Activation',
  'ReLU',
  'LeakyReLU',
  'PReLU',
  'ELU',
  'ThresholdedReLU',
  'Softmax',
  'BatchNormalization',
  'LayerNormalization',
  'Dropout',
  'SpatialDropout2D',
  'GaussianNoise',
  'GaussianDropout',
  'AlphaDropout',
  'Rescaling',
  'Normalization',
  'Add',
  'Subtract',
  'Multiply',
  'Average',
  'Maximum',
  'Minimum',
]);

type Geometry = { kernel: number[]; stride: number[]; dilation: number[]; padding: 'same' | 'valid' };

function pair(v: unknown, fallback: number): number[] {
  if (v === undefined || v === null) return [fallback, fallback];
  return Array.isArray(v) ? [Number(v[0]), Number(v[1] ?? v[0])] : [Number(v), Number(v)];
}

/** The window geometry of a convolution or pooling layer, or undefined for another kind. */
function windowOf(className: string, cfg: Record<string, unknown>): Geometry | undefined {
  const padding = cfg.padding === 'same' ? 'same' : 'valid';
  if (className === 'Conv2D' || className === 'SeparableConv2D')
    return {
      kernel: pair(cfg.kernelSize, 1),
      stride: pair(cfg.strides, 1),
      dilation: pair(cfg.dilationRate, 1),
      padding,
    };
  // TF.js 4.22's DepthwiseConv2D ignores its dilationRate: the engine explains what the layer computes
  if (className === 'DepthwiseConv2D')
    return { kernel: pair(cfg.kernelSize, 1), stride: pair(cfg.strides, 1), dilation: [1, 1], padding };
  if (/^(Max|Average|Avg)Pool(ing)?2D$/.test(className)) {
    const kernel = pair(cfg.poolSize, 2);
    return { kernel, stride: cfg.strides ? pair(cfg.strides, 1) : kernel, dilation: [1, 1], padding };
  }
  return undefined;
}

function padAmounts(v: unknown): [[number, number], [number, number]] {
  if (typeof v === 'number')
    return [
      [v, v],
      [v, v],
    ];
  const [h, w] = v as unknown[];
  const side = (s: unknown): [number, number] =>
    Array.isArray(s) ? [Number(s[0]), Number(s[1])] : [Number(s), Number(s)];
  return [side(h), side(w)];
}

/** Sorted distinct values of `f(v)` for every `v`, kept where inside `[0, size)`. */
function mapAxis(values: readonly number[], size: number, f: (v: number) => number[]): number[] {
  const out = new Set<number>();
  for (const v of values) for (const u of f(v)) if (u >= 0 && u < size) out.add(u);
  return [...out].sort((a, b) => a - b);
}

/**
 * The rows and columns at a layer's input that a span of its output depends on, or undefined when the layer's
 * geometry is not a window (the caller falls back to gradients).
 */
function spanBack(
  className: string,
  cfg: Record<string, unknown>,
  span: Span,
  inH: number,
  inW: number,
): Span | undefined {
  const axes = (f: (v: number, axis: 0 | 1) => number[]): Span => ({
    rows: mapAxis(span.rows, inH, (v) => f(v, 0)),
    cols: mapAxis(span.cols, inW, (v) => f(v, 1)),
  });
  if (IDENTITY.has(className) || className === 'Concatenate') return axes((v) => [v]);
  const win = windowOf(className, cfg);
  if (win) {
    const before = [inH, inW].map((size, a) => {
      if (win.padding === 'valid') return 0;
      const extent = (win.kernel[a]! - 1) * win.dilation[a]! + 1;
      const out = Math.ceil(size / win.stride[a]!);
      return Math.floor(Math.max((out - 1) * win.stride[a]! + extent - size, 0) / 2);
    });
    // the taps of output unit o: o·stride − pad_before + k·dilation, k = 0 … kernel − 1 (those in padding dropped)
    return axes((o, a) =>
      Array.from(
        { length: win.kernel[a]! },
        (_, k) => o * win.stride[a]! - before[a]! + k * win.dilation[a]!,
      ),
    );
  }
  if (className === 'ZeroPadding2D' || className === 'Cropping2D') {
    const [[top], [left]] = padAmounts(className === 'ZeroPadding2D' ? (cfg.padding ?? 1) : cfg.cropping);
    const sign = className === 'ZeroPadding2D' ? -1 : 1;
    return axes((v, a) => [v + sign * (a === 0 ? top : left)]);
  }
  if (className === 'UpSampling2D' && (cfg.interpolation ?? 'nearest') === 'nearest') {
    const size = pair(cfg.size, 2);
    return axes((v, a) => [Math.floor(v / size[a]!)]);
  }
  return undefined;
}

function spatialShape(shape: readonly (number | null)[] | undefined): [number, number] | undefined {
  if (shape?.length !== 4 || typeof shape[1] !== 'number' || typeof shape[2] !== 'number') return undefined;
  return [shape[1], shape[2]];
}

/**
 * The input region a unit of a layer sees, walked from the graph's geometry (not hard-coded), rows and columns
 * apart: convolutions and poolings take an output row `o` to the rows `o·stride − pad_before + k·dilation`
 * (`k < kernel`) that lie inside their input, with TF's `same` padding (`pad_before = ⌊max((⌈in/stride⌉ −
 * 1)·stride + (kernel − 1)·dilation + 1 − in, 0) / 2⌋`), so taps in padding never count; ZeroPadding2D,
 * Cropping2D and nearest UpSampling2D shift or scale rows, element-wise and merge layers keep them, and several
 * paths (residual networks) take the union. The box spans the first to the last input row and column reached. For any other layer on the way (Flatten, Dense, bilinear upsampling, a custom kind) it falls back to the
 * support of the unit's input gradient, computed with the engine's explicit VJPs at `options.input` (ones when
 * absent): the pixels whose change moves the unit, there.
 *
 * @param model - the model or its layer graph
 * @param layer - the layer's name
 * @param position - `[row, column]` of the unit at the layer's output
 * @param options - for the gradient fallback: the channel (default 0) and the input (`[1, ...inputShape]`)
 * @returns the box `[y0, x0, y1, x1)` in input pixels
 * @throws {@link ConceptLayerError} for an unknown layer, a layer without a spatial output, or a position outside it
 * @example
 * ```ts
 * receptiveField(await loadDemoModel(), 'conv2', [0, 0]); // [0, 0, 5, 5]: 3×3 conv, 2×2 pool, 3×3 conv, clipped
 * ```
 */
export function receptiveField(
  model: tf.LayersModel | LayerGraph,
  layer: string,
  position: readonly [number, number],
  options: { channel?: number; input?: tf.Tensor } = {},
): Box {
  const graph = model instanceof tf.LayersModel ? readGraph(model) : model;
  const target = graph.nodes.find((n) => n.name === layer);
  if (!target)
    throw new ConceptLayerError(
      `the model has no layer named "${layer}"; its layers are ${graph.nodes.map((n) => n.name).join(', ')}`,
    );
  const out = spatialShape(target.layer.outputShape as (number | null)[]);
  if (!out)
    throw new ConceptLayerError(
      `layer "${layer}" has no spatial output [batch, height, width, channels]: a receptive field needs one`,
    );
  const [y, x] = position;
  if (!Number.isInteger(y) || !Number.isInteger(x) || y < 0 || x < 0 || y >= out[0] || x >= out[1])
    throw new ConceptLayerError(
      `position [${y}, ${x}] is outside layer "${layer}"'s output of ${out[0]}×${out[1]}`,
    );
  const spans = new Map<number, Span>([[target.index, { rows: [y], cols: [x] }]]);
  let input: Span | undefined;
  for (let i = target.index; i >= 0; i--) {
    const span = spans.get(i);
    if (!span) continue;
    const node = graph.nodes[i]!;
    const cfg = node.layer.getConfig() as Record<string, unknown>;
    for (const source of node.inputs) {
      const shape =
        source.kind === 'input'
          ? graph.inputShapes[source.index]
          : (graph.nodes[source.index]!.layer.outputShape as (number | null)[]);
      const inShape = spatialShape(shape);
      const back = inShape && spanBack(node.className, cfg, span, inShape[0], inShape[1]);
      if (!back) return gradientSupport(graph, layer, position, options);
      if (source.kind === 'input') input = union(input, back);
      else spans.set(source.index, union(spans.get(source.index), back));
    }
  }
  if (!input) return gradientSupport(graph, layer, position, options);
  if (!input.rows.length || !input.cols.length) return [0, 0, 0, 0]; // the unit sees only padding
  return [input.rows[0]!, input.cols[0]!, input.rows.at(-1)! + 1, input.cols.at(-1)! + 1];
}

/**
 * The receptive field of every unit position of a layer, row-major (what a store keeps per mined layer).
 *
 * @param model - the model or its layer graph
 * @param layer - a layer with a spatial output (a `[units]` layer gives one box: the whole input)
 * @example
 * ```ts
 * const boxes = receptiveFields(graph, 'conv3'); // 64 boxes for an 8×8 output
 * ```
 */
export function receptiveFields(model: tf.LayersModel | LayerGraph, layer: string): Box[] {
  const graph = model instanceof tf.LayersModel ? readGraph(model) : model;
  const node = graph.nodes.find((n) => n.name === layer);
  if (!node) throw new ConceptLayerError(`the model has no layer named "${layer}"`);
  const out = spatialShape(node.layer.outputShape as (number | null)[]);
  if (!out) {
    const [, h, w] = graph.inputShapes[0]!;
    return [[0, 0, h ?? 0, w ?? 0]];
  }
  const boxes: Box[] = [];
  for (let y = 0; y < out[0]; y++)
    for (let x = 0; x < out[1]; x++) boxes.push(receptiveField(graph, layer, [y, x]));
  return boxes;
}

function union(a: Span | undefined, b: Span): Span {
  if (!a) return b;
  const merge = (x: number[], y: number[]) => [...new Set([...x, ...y])].sort((p, q) => p - q);
  return { rows: merge(a.rows, b.rows), cols: merge(a.cols, b.cols) };
}

/**
 * The bounding box of the pixels where a single unit's input gradient is not zero: the unit `(row, column,
 * channel)` of `layer`, differentiated with the engine's explicit VJPs (no `tf.grad`) at `input` (default: ones).
 * With positive weights and inputs (no dead ReLU, no max-pool routing) it is the unit's receptive field; in general
 * it is the part of the receptive field that matters at that input.
 *
 * @param model - the model or its layer graph
 * @param layer - the layer's name
 * @param position - `[row, column]` at the layer's output (`[0, 0]` for a layer without spatial axes)
 * @param options - the channel (default 0) and the input `[1, ...inputShape]`
 * @returns the box `[y0, x0, y1, x1)`, empty (`y1 = y0`) when the gradient is zero everywhere
 * @example
 * ```ts
 * gradientSupport(model, 'conv2', [2, 3], { channel: 5, input: x });
 * ```
 */
export function gradientSupport(
  model: tf.LayersModel | LayerGraph,
  layer: string,
  position: readonly [number, number],
  options: { channel?: number; input?: tf.Tensor } = {},
): Box {
  const graph = model instanceof tf.LayersModel ? readGraph(model) : model;
  const node = graph.nodes.find((n) => n.name === layer);
  if (!node) throw new ConceptLayerError(`the model has no layer named "${layer}"`);
  const engine = new Engine(graph);
  try {
    const mask = tf.tidy(() => {
      const shape = graph.inputShapes[0]!.map((d, i) => (i === 0 ? 1 : (d ?? 1)));
      const x = options.input ?? tf.ones(shape);
      const pass = engine.forward([x]);
      const outShape = pass.outputs[node.index]!.shape;
      const seed = tf.buffer(outShape, 'float32');
      const channel = options.channel ?? 0;
      const channels = outShape.at(-1)!;
      if (!Number.isInteger(channel) || channel < 0 || channel >= channels)
        throw new ConceptLayerError(
          `channel ${channel} is out of range: layer "${layer}" has ${channels} channels`,
        );
      if (
        outShape.length === 4 &&
        !(position[0] >= 0 && position[0] < outShape[1]! && position[1] >= 0 && position[1] < outShape[2]!)
      )
        throw new ConceptLayerError(
          `position [${position}] is outside layer "${layer}"'s output of ${outShape[1]}×${outShape[2]}`,
        );
      if (outShape.length === 4) seed.set(1, 0, position[0], position[1], channel);
      else seed.set(1, 0, channel);
      const back = engine.backward(pass, new Map([[node.index, seed.toTensor()]]), (i, s, p) =>
        engine.vjp(i, p, s),
      );
      const g = back.inputs[0]!;
      return tf.notEqual(g, 0).any(-1).squeeze([0]).arraySync() as unknown as boolean[][];
    });
    let [y0, x0, y1, x1] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const [y, row] of mask.entries())
      for (const [x, on] of row.entries()) {
        if (!on) continue;
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y + 1);
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x + 1);
      }
    return Number.isFinite(y0) ? [y0, x0, y1, x1] : [0, 0, 0, 0];
  } finally {
    engine.dispose();
  }
}

/**
 * Cuts a box out of an image (`[height, width, channels]` or `[1, height, width, channels]`), optionally weighting
 * each pixel by a mask of the same height and width (a concept's CRP heatmap, say, scaled to [0, 1]), as
 * zennit-crp's masked reference images.
 *
 * @param image - the image; not disposed
 * @param box - `[y0, x0, y1, x1)`
 * @param mask - optional `[height, width]` weights
 * @returns `[y1 − y0, x1 − x0, channels]`; dispose it
 * @example
 * ```ts
 * const crop = cropToBox(x, receptiveField(model, 'conv3', [entry.y, entry.x]));
 * ```
 */
export function cropToBox(image: tf.Tensor, box: Box, mask?: tf.Tensor): tf.Tensor3D {
  return tf.tidy(() => {
    const img = (image.rank === 4 ? image.squeeze([0]) : image) as tf.Tensor3D;
    const [y0, x0, y1, x1] = box;
    const crop = img.slice([y0, x0, 0], [y1 - y0, x1 - x0, -1]);
    if (!mask) return crop;
    const m = (mask.rank === 2 ? mask : mask.reshape([img.shape[0], img.shape[1]])) as tf.Tensor2D;
    return crop.mul(m.slice([y0, x0], [y1 - y0, x1 - x0]).expandDims(-1));
  });
}
