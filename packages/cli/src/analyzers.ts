import * as tf from '@tensorflow/tfjs';
import { type Analyzer, type FeatureSelector, TopNFeatures } from '@xai-ts/base';
import { canonize } from '@xai-ts/canonize';
import { CRP } from '@xai-ts/crp';
import { GradCAM, Gradient, InputTimesGradient, IntegratedGradients, SmoothGrad } from '@xai-ts/gradients';
import {
  type Composite,
  EpsilonAlpha2Beta1,
  EpsilonAlpha2Beta1Flat,
  EpsilonGammaBox,
  EpsilonPlus,
  EpsilonPlusFlat,
  LRP,
} from '@xai-ts/lrp';
import { CliError } from './errors.js';
import type { LoadedModel } from './models.js';

/**
 * The methods of `xai explain --method`, in the order the help lists them.
 *
 * @example
 * ```ts
 * METHODS.includes('gradcam'); // true
 * ```
 */
export const METHODS = [
  'lrp',
  'crp',
  'gradient',
  'inputxgradient',
  'smoothgrad',
  'integratedgradients',
  'gradcam',
] as const;

/**
 * A method name of `xai explain --method`.
 *
 * @example
 * ```ts
 * const method: Method = 'smoothgrad';
 * ```
 */
export type Method = (typeof METHODS)[number];

/**
 * The preset composites of `--composite` (RelevancePropagation.jl's names), in the order of the demo's columns.
 *
 * @example
 * ```ts
 * COMPOSITES.length; // 5
 * ```
 */
export const COMPOSITES = [
  'EpsilonGammaBox',
  'EpsilonPlus',
  'EpsilonAlpha2Beta1',
  'EpsilonPlusFlat',
  'EpsilonAlpha2Beta1Flat',
] as const;

/**
 * A preset composite name.
 *
 * @example
 * ```ts
 * const composite: CompositeName = 'EpsilonGammaBox';
 * ```
 */
export type CompositeName = (typeof COMPOSITES)[number];

/** The composite LRP and CRP use unless `--composite` says otherwise. */
export const DEFAULT_COMPOSITE: CompositeName = 'EpsilonPlusFlat';

const ALIASES: Record<string, Method> = {
  inputtimesgradient: 'inputxgradient',
  ig: 'integratedgradients',
};

/**
 * Parses a method name (case-insensitive).
 *
 * @throws {@link CliError} naming the valid methods
 */
export function parseMethod(name: string): Method {
  const key = name.trim().toLowerCase();
  const method = (METHODS as readonly string[]).includes(key) ? (key as Method) : ALIASES[key];
  if (!method) throw new CliError(`unknown method '${name}': use ${METHODS.join(', ')}`);
  return method;
}

/**
 * Parses a preset composite name (case-insensitive).
 *
 * @throws {@link CliError} naming the presets
 */
export function parseComposite(name: string): CompositeName {
  const found = COMPOSITES.find((c) => c.toLowerCase() === name.trim().toLowerCase());
  if (!found) throw new CliError(`unknown composite '${name}': use ${COMPOSITES.join(', ')}`);
  return found;
}

function bound(values: readonly number[]): number | tf.Tensor {
  return values.every((v) => v === values[0]) ? values[0]! : tf.tensor1d([...values]);
}

/**
 * Builds a preset composite. EpsilonGammaBox gets the model input's range as the bounds of its ZBox rule (per
 * channel for ImageNet-normalised inputs).
 */
export function makeComposite(name: CompositeName, loaded: LoadedModel): Composite {
  switch (name) {
    case 'EpsilonGammaBox': {
      const low = bound(loaded.inputRange.low);
      const high = bound(loaded.inputRange.high);
      try {
        return new EpsilonGammaBox({ low, high }); // ZBoxRule keeps its own copies
      } finally {
        if (typeof low !== 'number') low.dispose();
        if (typeof high !== 'number') high.dispose();
      }
    }
    case 'EpsilonPlus':
      return new EpsilonPlus();
    case 'EpsilonAlpha2Beta1':
      return new EpsilonAlpha2Beta1();
    case 'EpsilonPlusFlat':
      return new EpsilonPlusFlat();
    case 'EpsilonAlpha2Beta1Flat':
      return new EpsilonAlpha2Beta1Flat();
  }
}

const canonical = new WeakMap<tf.LayersModel, tf.LayersModel>();

/** The model LRP runs on: BatchNorm folded into the layer before it (canonize), when the model has any. */
export function lrpModel(loaded: LoadedModel): tf.LayersModel {
  const { model } = loaded;
  if (!model.layers.some((l) => l.getClassName() === 'BatchNormalization')) return model;
  let c = canonical.get(model);
  if (!c) {
    c = canonize(model);
    canonical.set(model, c);
  }
  return c;
}

/** What {@link makeAnalyzer} needs besides the method. */
export interface AnalyzerSettings {
  /** The composite of LRP and CRP. */
  composite: CompositeName;
  /** The concept layer of CRP and the feature layer of Grad-CAM (default: the last convolution). */
  layer?: string | undefined;
  /** The features CRP explains (default: the top 3). */
  features?: FeatureSelector | undefined;
  /** Samples of SmoothGrad and Integrated Gradients (default 50). */
  samples?: number | undefined;
  /** The seed of SmoothGrad's noise. */
  seed?: number | undefined;
}

/** An analyzer with a display name, and what to free when done. */
export interface BuiltAnalyzer {
  /** The analyzer. */
  readonly analyzer: Analyzer;
  /** A name for file names and tables, such as `LRP EpsilonPlusFlat`. */
  readonly label: string;
  /** Frees what the analyzer holds (LRP's modified weights). */
  dispose(): void;
}

function layerFor(method: string, loaded: LoadedModel, layer: string | undefined): string {
  const name = layer ?? loaded.lastConvLayer;
  if (name === undefined)
    throw new CliError(
      `${method} needs a convolution layer: ${loaded.label} has none; name one with --layer`,
    );
  return name;
}

/**
 * Builds the analyzer of a method for a model.
 *
 * @throws {@link CliError} when CRP or Grad-CAM find no layer; the analyzers' own errors (unknown layer,
 *   unsupported model) pass through
 */
export function makeAnalyzer(method: Method, loaded: LoadedModel, settings: AnalyzerSettings): BuiltAnalyzer {
  const { model, inputRange } = loaded;
  const samples = settings.samples ?? 50;
  const plain = (analyzer: Analyzer & { dispose(): void }, label: string): BuiltAnalyzer => ({
    analyzer,
    label,
    dispose: () => analyzer.dispose(),
  });
  switch (method) {
    case 'lrp': {
      const lrp = new LRP(lrpModel(loaded), makeComposite(settings.composite, loaded));
      return { analyzer: lrp, label: `LRP ${settings.composite}`, dispose: () => lrp.dispose() };
    }
    case 'crp': {
      const layer = layerFor('CRP', loaded, settings.layer);
      const lrp = new LRP(lrpModel(loaded), makeComposite(settings.composite, loaded));
      try {
        const crp = new CRP(lrp, layer, settings.features ?? new TopNFeatures(3));
        return { analyzer: crp, label: `CRP ${settings.composite} ${layer}`, dispose: () => lrp.dispose() };
      } catch (e) {
        lrp.dispose();
        throw e;
      }
    }
    case 'gradient':
      return plain(new Gradient(model), 'Gradient');
    case 'inputxgradient':
      return plain(new InputTimesGradient(model), 'InputTimesGradient');
    case 'smoothgrad': {
      // Smilkov et al.: noise of 10-20 % of the input range
      const span = Math.max(...inputRange.high) - Math.min(...inputRange.low);
      return plain(
        new SmoothGrad(model, { n: samples, std: 0.15 * span, seed: settings.seed ?? 1 }),
        'SmoothGrad',
      );
    }
    case 'integratedgradients':
      return plain(new IntegratedGradients(model, { n: samples }), 'IntegratedGradients');
    case 'gradcam': {
      const layer = layerFor('GradCAM', loaded, settings.layer);
      return plain(new GradCAM(model, { layer }), `GradCAM ${layer}`);
    }
  }
}

/** Frees a loaded model and the canonized copy LRP may have made of it. */
export function releaseModel(loaded: LoadedModel): void {
  const c = canonical.get(loaded.model);
  if (c && c !== loaded.model) c.dispose();
  canonical.delete(loaded.model);
  loaded.model.dispose();
}
