import * as tf from '@tensorflow/tfjs';
import { axisPads, insertZeros, interleaveGrids, type Padding, padOrCrop } from '../ops/geometry.js';
import { type BoundLinear, type LinearMap, precompute } from './linear.js';

/**
 * Options of a 2-D convolution as Keras stores them.
 *
 * @example
 * ```ts
 * const spec: Conv2DSpec = { strides: [2, 2], dilation: [1, 1], padding: 'same' };
 * ```
 */
export interface Conv2DSpec {
  readonly strides: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly padding: Padding;
}

type Pads4 = [[number, number], [number, number], [number, number], [number, number]];

/** Forward pads of a convolution on an input of spatial size `[h, w]`. */
export function convPads(
  [h, w]: readonly [number, number],
  [kh, kw]: readonly [number, number],
  spec: Conv2DSpec,
): { out: [number, number]; pads: Pads4 } {
  const ph = axisPads({
    size: h,
    k: kh,
    stride: spec.strides[0],
    dilation: spec.dilation[0],
    padding: spec.padding,
  });
  const pw = axisPads({
    size: w,
    k: kw,
    stride: spec.strides[1],
    dilation: spec.dilation[1],
    padding: spec.padding,
  });
  return {
    out: [ph.out, pw.out],
    pads: [
      [0, 0],
      [ph.before, ph.after],
      [pw.before, pw.after],
      [0, 0],
    ],
  };
}

/**
 * The transpose of a windowed linear op by a stride-1 correlation with the flipped kernel: zeros inserted between
 * the rows and columns of `s` (the stride), padded so that output `i` reads every window that read input `i`, then
 * `conv` (a valid, stride-1, dilated correlation with the flipped kernel). Correct for every stride, dilation and
 * padding; where `padding` is explicit here no backend-specific gradient kernel is involved.
 */
export function transposeByFlip(
  s: tf.Tensor4D,
  inputShape: readonly number[],
  kernelSize: readonly [number, number],
  spec: Conv2DSpec,
  conv: (padded: tf.Tensor4D) => tf.Tensor4D,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w] = inputShape as [number, number, number, number];
    const { pads } = convPads([h, w], kernelSize, spec);
    // the zeros after the last row and column stay: the padding below then shrinks instead of a crop here
    const t = insertZeros(s, spec.strides[0], spec.strides[1], false);
    const span = (i: 0 | 1) => spec.dilation[i] * (kernelSize[i] - 1);
    const top = span(0) - pads[1][0];
    const left = span(1) - pads[2][0];
    const padded = padOrCrop(
      t,
      [top, h + span(0) - top - t.shape[1]],
      [left, w + span(1) - left - t.shape[2]],
    );
    return conv(padded);
  });
}

/**
 * The transpose of a strided 1×1 convolution: output pixel (i, j) read input pixel (i·sh, j·sw) whatever the padding
 * (a 1×1 window never pads), so the transpose is a 1×1 convolution with the channels swapped at the output's
 * resolution, written back to every sh-th row and sw-th column, zeros between. TF.js's wasm backend runs this far
 * faster than Conv2DBackpropInput (ResNet's strided 1×1 shortcuts: about 60 ms each at 224² against a few).
 */
function strided1x1Transpose(
  s: tf.Tensor4D,
  swapped: tf.Tensor4D,
  inputShape: readonly number[],
  [sh, sw]: readonly [number, number] | readonly number[],
): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, oh, ow] = s.shape;
    const [, h, wd, c] = inputShape as [number, number, number, number];
    const back = tf.conv2d(s, swapped, 1, 'valid');
    const spread = tf
      .pad(back.reshape([n, oh, 1, ow, 1, c]), [
        [0, 0],
        [0, 0],
        [0, sh! - 1],
        [0, 0],
        [0, sw! - 1],
        [0, 0],
      ])
      .reshape([n, oh * sh!, ow * sw!, c]) as tf.Tensor4D;
    return padOrCrop(spread, [0, h - spread.shape[1]], [0, wd - spread.shape[2]]);
  });
}

/** Strided transposes onto fewer input channels than this run all phases in one convolution. */
const NARROW_PHASES = 16;

/**
 * The sub-kernels of a strided convolution's transpose by phases, flipped and with their channels swapped: entry
 * `[ph][pw]` holds the taps `W[ph + sh·m, pw + sw·n]` (m, n ≥ 0) reversed along both axes, `[mh, mw, out, in]`, or
 * null where the phase has no tap (a kernel smaller than its stride).
 */
function phaseKernels(
  w: tf.Tensor4D,
  [sh, sw]: readonly [number, number],
  arrange: (flipped: tf.Tensor4D) => tf.Tensor4D = (k) => k.transpose([0, 1, 3, 2]),
  uniform = false,
): (tf.Tensor4D | null)[][] {
  const [kh, kw, cin, cout] = w.shape;
  const [mh, mw] = [Math.ceil(kh / sh), Math.ceil(kw / sw)];
  return Array.from({ length: sh }, (_, ph) =>
    Array.from({ length: sw }, (_, pw) => {
      if (ph >= kh || pw >= kw) return null;
      // kept: bind may run inside a caller's tidy, and the sub-kernels live until dispose
      return tf.keep(
        tf.tidy(() => {
          let sub = tf.stridedSlice(w, [ph, pw, 0, 0], [kh, kw, cin, cout], [sh, sw, 1, 1]) as tf.Tensor4D;
          // `uniform`: every phase's taps padded to the largest phase's with zero taps at the far end (a "full"
          // correlation reads the same values)
          if (uniform)
            sub = tf.pad(sub, [
              [0, mh - sub.shape[0]],
              [0, mw - sub.shape[1]],
              [0, 0],
              [0, 0],
            ]);
          return arrange(tf.reverse(sub, [0, 1]));
        }),
      );
    }),
  );
}

/**
 * All phases' sub-kernels in one kernel, for transposes with few input channels: each phase's taps padded with zero
 * taps to `⌈kh/sh⌉ × ⌈kw/sw⌉` (zeros at the far end, so a "full" correlation reads the same values), flipped, channels
 * swapped, phase `(ph, pw)` in output channels `(ph·sw + pw)·in …`: `[Mh, Mw, out, sh·sw·in]`.
 */
function mergedPhaseKernel(w: tf.Tensor4D, strides: readonly [number, number]): tf.Tensor4D {
  const [kh, kw, cin, cout] = w.shape;
  const [mh, mw] = [Math.ceil(kh / strides[0]), Math.ceil(kw / strides[1])];
  // kept: bind may run inside a caller's tidy, and the kernel lives until dispose
  return tf.keep(
    tf.tidy(() => {
      const phases = phaseKernels(w, strides, undefined, true).flat();
      const merged = tf.concat(
        phases.map((k) => k ?? tf.zeros([mh, mw, cout, cin])),
        3,
      ) as tf.Tensor4D;
      for (const k of phases) k?.dispose();
      return merged;
    }),
  );
}

/**
 * {@link phaseTranspose} with every phase in one convolution ({@link mergedPhaseKernel}): where the layer's input has
 * few channels (a first layer on RGB), one convolution with `sh·sw·in` outputs runs several times faster than one per
 * phase with `in` outputs, and the phases interleave by one rank-4 transpose
 * (`[N·Qh, Qw, sh, sw·in] → [N·Qh, sh, Qw, sw·in]`), despite the zero taps (at most `(1 + (s−1)/k)²` times the work).
 */
function mergedPhaseTranspose(
  s: tf.Tensor4D,
  kernel: tf.Tensor4D,
  inputShape: readonly number[],
  [kh, kw]: readonly [number, number],
  spec: Conv2DSpec,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, oh, ow] = s.shape;
    const [, h, wd, c] = inputShape as [number, number, number, number];
    const [sh, sw] = spec.strides;
    const [mh, mw] = [kernel.shape[0], kernel.shape[1]];
    const { pads } = convPads([h, wd], [kh, kw], spec);
    // the phases' rows up to the input's last (the padding after it needs none): qh ≥ oh, as the input and the padding
    // before it hold at least (oh − 1)·sh + 1 rows
    const [qh, qw] = [Math.ceil((h + pads[1][0]) / sh), Math.ceil((wd + pads[2][0]) / sw)];
    const all = tf.conv2d(
      s,
      kernel,
      1,
      [
        [0, 0],
        [mh - 1, qh - oh],
        [mw - 1, qw - ow],
        [0, 0],
      ],
      'NHWC',
    );
    const interleaved = all
      .reshape([n * qh, qw, sh, sw * c])
      .transpose([0, 2, 1, 3])
      .reshape([n, qh * sh, qw * sw, c]) as tf.Tensor4D;
    return padOrCrop(
      interleaved,
      [-pads[1][0], h + pads[1][0] - qh * sh],
      [-pads[2][0], wd + pads[2][0] - qw * sw],
    );
  });
}

/**
 * The transpose of a strided convolution (dilation 1) by phases: input row `i` of the padded input, with
 * `i = sh·q + ph`, collects the output rows `q − m` through the taps `ph + sh·m` only, so each of the `sh·sw` phases is
 * a stride-1 "full" correlation of `s` with a sub-kernel, at the output's resolution; the phases are interleaved and
 * the padding cropped. The same multiply-adds as the forward convolution, in stride-1 convolutions that TF.js's
 * backends run well, instead of Conv2DBackpropInput or a convolution over zero-inserted rows (4× the work at stride 2:
 * ResNet50's 7×7 stride-2 `conv1` transpose took 3× its forward pass on wasm).
 */
function phaseTranspose(
  s: tf.Tensor4D,
  kernels: readonly (readonly (tf.Tensor4D | null)[])[],
  inputShape: readonly number[],
  [kh, kw]: readonly [number, number],
  spec: Conv2DSpec,
  correlate: (s: tf.Tensor4D, k: tf.Tensor4D, pads: Pads4) => tf.Tensor4D = (x, k, pads) =>
    tf.conv2d(x, k, 1, pads, 'NHWC'),
): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, oh, ow] = s.shape;
    const [, h, wd, c] = inputShape as [number, number, number, number];
    const [sh, sw] = spec.strides;
    const { pads } = convPads([h, wd], [kh, kw], spec);
    // rows and columns of each phase up to the input's last (≥ oh, see mergedPhaseTranspose)
    const [qh, qw] = [Math.ceil((h + pads[1][0]) / sh), Math.ceil((wd + pads[2][0]) / sw)];
    const rows: tf.Tensor4D[][] = [];
    for (let ph = 0; ph < sh; ph++) {
      const cols: tf.Tensor4D[] = [];
      for (let pw = 0; pw < sw; pw++) {
        const k = kernels[ph]![pw];
        if (!k) {
          cols.push(tf.zeros([n, qh, qw, c]));
          continue;
        }
        const [mh, mw] = k.shape;
        // "full" correlation: mh − 1 rows of zeros before, as many after as the largest phase needs
        const full = correlate(s, k, [
          [0, 0],
          [mh - 1, Math.max(0, qh - oh)],
          [mw - 1, Math.max(0, qw - ow)],
          [0, 0],
        ]);
        cols.push(padOrCrop(full, [0, qh - full.shape[1]], [0, qw - full.shape[2]]));
      }
      rows.push(cols);
    }
    const interleaved = interleaveGrids(rows);
    return padOrCrop(
      interleaved,
      [-pads[1][0], h + pads[1][0] - interleaved.shape[1]],
      [-pads[2][0], wd + pads[2][0] - interleaved.shape[2]],
    );
  });
}

/**
 * Conv2D (NHWC, kernel `[kh, kw, in, out]`). Stride-1 transposes run as a plain convolution with the kernel flipped
 * spatially and its channels swapped (computed on first use), which TF.js backends run much faster than
 * Conv2DBackpropInput; strided ones use `conv2dTranspose`, and strided causal ones the zero-insertion path.
 *
 * @example
 * ```ts
 * const map = conv2dMap(kernel, bias, { strides: [1, 1], dilation: [1, 1], padding: 'same' });
 * ```
 */
export function conv2dMap(kernel: tf.Tensor4D, bias: tf.Tensor | null, spec: Conv2DSpec): LinearMap {
  const [kh, kw] = kernel.shape;
  const stride1 = spec.strides[0] === 1 && spec.strides[1] === 1;
  const explicit = spec.padding === 'causal';
  return {
    kernel,
    bias,
    bind(w, b, transposable = true): BoundLinear {
      const w4 = w as tf.Tensor4D;
      const undilated = spec.dilation[0] === 1 && spec.dilation[1] === 1;
      // strided, undilated 1×1: a 1×1 convolution with the channels swapped, written back to every stride-th pixel
      const strided1x1 = !stride1 && !explicit && kh === 1 && kw === 1 && undilated;
      // the flipped kernel (channels swapped) serves every stride-1, strided causal and strided 1×1 transpose; bound
      // once, here: a kernel made per call costs its own transpose and, on wasm, a new XNNPACK operator each time
      const flipped = precompute(
        transposable && (stride1 || explicit || strided1x1),
        'convolution',
        () => tf.reverse(w4, [0, 1]).transpose([0, 1, 3, 2]) as tf.Tensor4D,
      );
      // strided, undilated, wider than 1×1: the transpose by phases, its sub-kernels cut once, here
      const byPhases = transposable && !stride1 && !explicit && undilated && !strided1x1;
      // few input channels: all phases in one convolution
      const merged =
        byPhases && w4.shape[2] < NARROW_PHASES
          ? mergedPhaseKernel(w4, [spec.strides[0], spec.strides[1]])
          : undefined;
      const phases = byPhases && !merged ? phaseKernels(w4, [spec.strides[0], spec.strides[1]]) : undefined;
      return {
        // the bias goes into the convolution (one kernel instead of a convolution and an addition)
        apply: (a) =>
          tf.fused.conv2d({
            x: a as tf.Tensor4D,
            filter: w4,
            strides: [spec.strides[0], spec.strides[1]],
            pad: explicit
              ? convPads([a.shape[1]!, a.shape[2]!], [kh, kw], spec).pads
              : (spec.padding as 'same' | 'valid'),
            dataFormat: 'NHWC',
            dilations: [spec.dilation[0], spec.dilation[1]],
            ...(b ? { bias: b } : {}),
          }),
        transpose: (s, inputShape) =>
          tf.tidy(() => {
            const s4 = s as tf.Tensor4D;
            if (stride1) {
              const [, h, wd] = inputShape as [number, number, number, number];
              const { pads } = convPads([h, wd], [kh, kw], spec);
              const back: Pads4 = [
                [0, 0],
                [spec.dilation[0] * (kh - 1) - pads[1][0], spec.dilation[0] * (kh - 1) - pads[1][1]],
                [spec.dilation[1] * (kw - 1) - pads[2][0], spec.dilation[1] * (kw - 1) - pads[2][1]],
                [0, 0],
              ];
              return tf.conv2d(s4, flipped.get(), 1, back, 'NHWC', [spec.dilation[0], spec.dilation[1]]);
            }
            if (strided1x1) return strided1x1Transpose(s4, flipped.get(), inputShape, spec.strides);
            if (merged) return mergedPhaseTranspose(s4, merged, inputShape, [kh, kw], spec);
            if (phases) return phaseTranspose(s4, phases, inputShape, [kh, kw], spec);
            if (!explicit)
              return tf.conv2dTranspose(
                s4,
                w4,
                inputShape as [number, number, number, number],
                [spec.strides[0], spec.strides[1]],
                spec.padding as 'same' | 'valid',
              );
            return transposeByFlip(s4, inputShape, [kh, kw], spec, (p) =>
              tf.conv2d(p, flipped.get(), 1, 'valid', 'NHWC', [spec.dilation[0], spec.dilation[1]]),
            );
          }),
        dispose: () => {
          flipped.dispose();
          if (phases) for (const row of phases) for (const k of row) k?.dispose();
          merged?.dispose();
        },
      };
    },
  };
}

/**
 * Conv1D (`[N, L, C]`, kernel `[k, in, out]`), computed as a Conv2D of height 1.
 *
 * @example
 * ```ts
 * const map = conv1dMap(kernel, null, { stride: 1, dilation: 2, padding: 'causal' });
 * ```
 */
export function conv1dMap(
  kernel: tf.Tensor3D,
  bias: tf.Tensor | null,
  spec: { stride: number; dilation: number; padding: Padding },
): LinearMap {
  const spec2: Conv2DSpec = {
    strides: [1, spec.stride],
    dilation: [1, spec.dilation],
    padding: spec.padding,
  };
  return {
    kernel,
    bias,
    bind(w, b, transposable = true) {
      const w4 = tf.keep(w.expandDims(0) as tf.Tensor4D);
      const bound = conv2dMap(w4, null, spec2).bind(w4, b, transposable);
      return {
        apply: (a) => tf.tidy(() => bound.apply(a.expandDims(1)).squeeze([1])),
        transpose: (s, inputShape) =>
          tf.tidy(() =>
            bound.transpose(s.expandDims(1), [inputShape[0]!, 1, ...inputShape.slice(1)]).squeeze([1]),
          ),
        dispose: () => {
          bound.dispose();
          w4.dispose();
        },
      };
    },
  };
}

/**
 * DepthwiseConv2D (kernel `[kh, kw, in, multiplier]`, output channel `c·multiplier + m`). Its transpose is a
 * depthwise correlation of the zero-inserted `s` with the flipped kernel, one channel per output channel, summed
 * over the multiplier: no gradient kernel (TF.js's wasm backend has none for depthwise convolutions).
 *
 * @example
 * ```ts
 * const map = depthwiseMap(kernel, bias, { strides: [1, 1], dilation: [2, 2], padding: 'same' });
 * ```
 */
export function depthwiseMap(kernel: tf.Tensor4D, bias: tf.Tensor | null, spec: Conv2DSpec): LinearMap {
  const [kh, kw, channels, multiplier] = kernel.shape;
  return {
    kernel,
    bias,
    bind(w, b, transposable = true) {
      const w4 = w as tf.Tensor4D;
      // strided, undilated: the transpose by phases at the output's resolution (a quarter of the zero-insertion
      // route's work at stride 2), sub-kernels [mh, mw, C·M, 1] cut once, here
      const byPhases =
        transposable &&
        (spec.strides[0] > 1 || spec.strides[1] > 1) &&
        spec.padding !== 'causal' &&
        spec.dilation[0] === 1 &&
        spec.dilation[1] === 1;
      const phases = byPhases
        ? phaseKernels(
            w4,
            [spec.strides[0], spec.strides[1]],
            (k) => k.reshape([k.shape[0], k.shape[1], channels * multiplier, 1]),
            // XNNPACK runs 1×2 and 2×1 depthwise windows ten times slower than 2×2 ones
            true,
          )
        : undefined;
      // [kh, kw, C·M, 1]: each output channel c·M + m is a channel of its own
      const flipped = precompute(
        transposable && !byPhases,
        'depthwise convolution',
        () => tf.reverse(w4, [0, 1]).reshape([kh, kw, channels * multiplier, 1]) as tf.Tensor4D,
      );
      // input channel c sums output channels c·M … c·M + M − 1
      const sumMultiplier = (r: tf.Tensor4D) => {
        if (multiplier === 1) return r;
        const [n, h, wd] = r.shape;
        return r.reshape([n, h, wd, channels, multiplier]).sum(4) as tf.Tensor4D;
      };
      return {
        apply: (a) =>
          tf.tidy(() => {
            const a4 = a as tf.Tensor4D;
            const pad =
              spec.padding === 'causal'
                ? convPads([a4.shape[1], a4.shape[2]], [kh, kw], spec).pads
                : spec.padding;
            if (pad === 'same' || pad === 'valid')
              return tf.fused.depthwiseConv2d({
                x: a4,
                filter: w4,
                strides: [spec.strides[0], spec.strides[1]],
                pad,
                dataFormat: 'NHWC',
                dilations: [spec.dilation[0], spec.dilation[1]],
                ...(b ? { bias: b } : {}),
              });
            const z = tf.depthwiseConv2d(
              tf.pad(a4, pad),
              w4,
              [spec.strides[0], spec.strides[1]],
              'valid',
              'NHWC',
              [spec.dilation[0], spec.dilation[1]],
            );
            return b ? tf.add(z, b) : z;
          }),
        transpose: (s, inputShape) =>
          tf.tidy(() => {
            if (phases)
              return phaseTranspose(s as tf.Tensor4D, phases, inputShape, [kh, kw], spec, (x, k, pads) =>
                sumMultiplier(tf.depthwiseConv2d(x, k, 1, pads, 'NHWC')),
              );
            return sumMultiplier(
              transposeByFlip(s as tf.Tensor4D, inputShape, [kh, kw], spec, (p) =>
                tf.depthwiseConv2d(p, flipped.get(), 1, 'valid', 'NHWC', [
                  spec.dilation[0],
                  spec.dilation[1],
                ]),
              ),
            );
          }),
        dispose: () => {
          flipped.dispose();
          if (phases) for (const row of phases) for (const k of row) k?.dispose();
        },
      };
    },
  };
}
