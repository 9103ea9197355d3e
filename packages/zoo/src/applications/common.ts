import * as tf from '@tensorflow/tfjs';
import { createRng, type Rng } from '../demo/prng.js';
import { ZooError } from '../errors.js';

/**
 * Global pooling of the last feature map when the classifier is left out (`includeTop: false`).
 *
 * @example
 * ```ts
 * mobileNetV2({ includeTop: false, pooling: 'avg' }).outputs[0].shape; // [null, 1280]
 * ```
 */
export type Pooling = 'avg' | 'max';

/**
 * The activation of the `predictions` layer: a TF.js activation name, or `null` for logits (a linear Dense), which
 * is what explanation methods need.
 *
 * @example
 * ```ts
 * const logits = inceptionV3({ classifierActivation: null }); // predictions is a linear Dense
 * ```
 */
export type ClassifierActivation = NonNullable<Parameters<typeof tf.layers.dense>[0]['activation']> | null;

/**
 * Options every Keras Applications builder of the zoo shares.
 *
 * @example
 * ```ts
 * const options: ApplicationOptions = { inputShape: [128, 128, 3], classes: 10, classifierActivation: null, seed: 1 };
 * const model = mobileNetV2(options);
 * ```
 */
export interface ApplicationOptions {
  /** Input `[height, width, channels]`; each builder has its default and its minimum size. */
  inputShape?: readonly [number, number, number];
  /** Output classes of the `predictions` layer (default 1000). */
  classes?: number;
  /** Include global average pooling and the `predictions` Dense (default true). */
  includeTop?: boolean;
  /**
   * Global pooling after the last block when `includeTop` is false: `avg`, `max`, or none (default; the output is
   * the 4D feature map). Ignored with `includeTop`, as in Keras.
   */
  pooling?: Pooling;
  /** The activation of `predictions` (default `softmax`, as in Keras); `null` gives logits. */
  classifierActivation?: ClassifierActivation;
  /** Seed of all weight initialisers; equal seeds give equal weights. Without, weights differ on every build. */
  seed?: number;
}

/** Applies a layer to symbolic tensors, returning the single symbolic output. */
export function call(layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor {
  return layer.apply(x) as tf.SymbolicTensor;
}

/**
 * Keras 3's automatic layer names in a fresh session (`keras.src.utils.naming.uniquify`): the first layer of a kind
 * is `conv2d`, the next ones `conv2d_1`, `conv2d_2`, ….
 */
export function kerasNamer(): (prefix: string) => string {
  const uids = new Map<string, number>();
  return (prefix) => {
    const n = uids.get(prefix) ?? 0;
    uids.set(prefix, n + 1);
    return n === 0 ? prefix : `${prefix}_${n}`;
  };
}

/** A TF.js weight initialiser (the class itself is not exported by `@tensorflow/tfjs`). */
export type Initializer = ReturnType<typeof tf.initializers.glorotUniform>;

/** The initialisers of one BatchNormalization layer. */
export interface BatchNormInit {
  gammaInitializer?: Initializer;
  betaInitializer: Initializer;
  movingMeanInitializer: Initializer;
  movingVarianceInitializer: Initializer;
}

/**
 * Seeded random initialisers for a whole model, drawn in build order so that equal seeds give equal weights.
 *
 * Convolutions use He-uniform (variance 2 / fan-in, which keeps the scale of the signal through ReLUs in a deep
 * random network), depthwise convolutions the same with their true fan-in kh·kw, Dense layers glorot-uniform (the
 * Keras default). With Keras's glorot-uniform everywhere instead, a random network's logits hardly depend on its
 * input: two random images differ by an RMS of 2e-8 in MobileNetV2's logits (96 × 96) and 1e-4 in InceptionV3's
 * (75 × 75), against 0.6 and 0.05 with these initialisers. BatchNormalization gets non-trivial parameters and statistics so that folding it into the convolutions
 * (canonization) is exercised: γ ~ U(0.5, 1.5), β ~ N(0, 0.1), moving mean ~ N(0, 0.1), moving variance ~
 * U(0.5, 1.5).
 */
export class RandomInit {
  private readonly rng: Rng | undefined;

  /** @param seed - the model's seed; `undefined` leaves every initialiser unseeded */
  constructor(seed?: number) {
    if (seed !== undefined && !Number.isFinite(seed))
      throw new ZooError(`seed must be a finite number, got ${seed}`);
    this.rng = seed === undefined ? undefined : createRng(seed);
  }

  private seed(): { seed?: number } {
    return this.rng ? { seed: this.rng.int(0x7fffffff) } : {};
  }

  /** A Conv2D kernel: He-uniform. */
  conv(): Initializer {
    return tf.initializers.heUniform(this.seed());
  }

  /**
   * A DepthwiseConv2D kernel `[kh, kw, channels, 1]`: He-uniform on the fan-in kh·kw of one channel (TF.js and Keras
   * count kh·kw·channels, which would shrink each depthwise output by √channels).
   */
  depthwise(channels: number): Initializer {
    return tf.initializers.varianceScaling({
      scale: 2 * channels,
      mode: 'fanIn',
      distribution: 'uniform',
      ...this.seed(),
    });
  }

  /** A Dense kernel: glorot-uniform. */
  dense(): Initializer {
    return tf.initializers.glorotUniform(this.seed());
  }

  /** A BatchNormalization layer's γ (only with `scale`), β, moving mean and moving variance. */
  batchNorm(scale: boolean): BatchNormInit {
    const gamma = scale
      ? { gammaInitializer: tf.initializers.randomUniform({ minval: 0.5, maxval: 1.5, ...this.seed() }) }
      : {};
    return {
      ...gamma,
      betaInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 0.1, ...this.seed() }),
      movingMeanInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 0.1, ...this.seed() }),
      movingVarianceInitializer: tf.initializers.randomUniform({ minval: 0.5, maxval: 1.5, ...this.seed() }),
    };
  }
}

/** What a Keras Applications builder starts from: its options resolved and checked, its initialisers, its input. */
export interface ApplicationStart {
  /** Output classes of `predictions` (default 1000). */
  readonly classes: number;
  /** Whether the head is included (default true). */
  readonly includeTop: boolean;
  /** `predictions`' activation (default `softmax`; `null` gives logits). */
  readonly classifierActivation: ClassifierActivation;
  /** The checked input shape `[height, width, channels]`. */
  readonly shape: [number, number, number];
  /** The seeded initialisers. */
  readonly init: RandomInit;
  /** The model's input, named `input_layer` as in Keras 3. */
  readonly input: tf.SymbolicTensor;
}

/**
 * Resolves and checks the options every application shares (input shape against the model's least size, classes,
 * pooling), and makes the initialisers and the input.
 *
 * @throws {@link ZooError} for an input shape, class count or pooling the model cannot take
 */
export function startApplication(
  options: ApplicationOptions,
  model: string,
  defaultShape: readonly [number, number, number],
  minSize: number,
): ApplicationStart {
  const classes = options.classes ?? 1000;
  const shape = checkInputShape(options.inputShape ?? defaultShape, minSize, model);
  checkHead(classes, options.pooling, model);
  return {
    classes,
    includeTop: options.includeTop ?? true,
    classifierActivation:
      options.classifierActivation === undefined ? 'softmax' : options.classifierActivation,
    shape,
    init: new RandomInit(options.seed),
    input: tf.input({ shape, name: 'input_layer' }),
  };
}

/** Checks an input shape: three positive integers, height and width at least `minSize`. */
export function checkInputShape(
  shape: readonly number[],
  minSize: number,
  model: string,
): [number, number, number] {
  if (shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d > 0))
    throw new ZooError(
      `${model}'s inputShape must be three positive integers [height, width, channels], got [${shape.join(', ')}]`,
    );
  const [h, w, c] = shape as [number, number, number];
  if (h < minSize || w < minSize)
    throw new ZooError(`${model} needs an input of at least ${minSize}×${minSize}, got ${h}×${w}`);
  return [h, w, c];
}

/** Checks the options of the head. */
export function checkHead(classes: number, pooling: Pooling | undefined, model: string): void {
  if (!Number.isInteger(classes) || classes < 1)
    throw new ZooError(`${model}'s classes must be a positive integer, got ${classes}`);
  if (pooling !== undefined && pooling !== 'avg' && pooling !== 'max')
    throw new ZooError(`${model}'s pooling must be 'avg', 'max' or undefined, got ${String(pooling)}`);
}

/**
 * The Keras Applications head: with `includeTop`, global average pooling (named `poolName`) and the `predictions`
 * Dense; otherwise the optional `pooling` (Keras's unnamed `global_average_pooling2d` or `global_max_pooling2d`).
 */
export function head(
  x: tf.SymbolicTensor,
  options: {
    includeTop: boolean;
    pooling: Pooling | undefined;
    classes: number;
    classifierActivation: ClassifierActivation;
    poolName: string;
    init: RandomInit;
    /**
     * The names of the pooling layers without the top (default Keras's automatic `global_average_pooling2d` and
     * `global_max_pooling2d`; ResNet, DenseNet and EfficientNet name them `avg_pool` and `max_pool`).
     */
    noTopNames?: { avg: string; max: string };
    /** A Dropout between the pooling and `predictions` (EfficientNet's `top_dropout`). */
    dropout?: { rate: number; name: string };
  },
): tf.SymbolicTensor {
  const { includeTop, pooling, classes, classifierActivation, poolName, init } = options;
  const names = options.noTopNames ?? { avg: 'global_average_pooling2d', max: 'global_max_pooling2d' };
  if (includeTop) {
    x = call(tf.layers.globalAveragePooling2d({ name: poolName }), x);
    if (options.dropout) x = call(tf.layers.dropout(options.dropout), x);
    return call(
      tf.layers.dense({
        name: 'predictions',
        units: classes,
        activation: classifierActivation ?? 'linear',
        kernelInitializer: init.dense(),
      }),
      x,
    );
  }
  if (pooling === 'avg') return call(tf.layers.globalAveragePooling2d({ name: names.avg }), x);
  if (pooling === 'max') return call(tf.layers.globalMaxPooling2d({ name: names.max }), x);
  return x;
}
