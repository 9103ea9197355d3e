import type * as tf from '@tensorflow/tfjs';
import { type Analyzer, IndexedFeatures } from '@xai-ts/base';
import { CRP } from '@xai-ts/crp';
import {
  GradCAM,
  Gradient,
  InputTimesGradient,
  IntegratedGradients,
  SmoothDiff,
  SmoothGrad,
  SoftPlusTrick,
} from '@xai-ts/gradients';
import {
  EpsilonAlpha2Beta1,
  EpsilonAlpha2Beta1Flat,
  EpsilonGammaBox,
  EpsilonPlus,
  EpsilonPlusFlat,
  LRP,
  ZeroRule,
} from '@xai-ts/lrp';

/** An analyzer of the library, built for a model, with how to free it. */
export interface Built {
  readonly name: string;
  readonly analyzer: Analyzer;
  /** Maps per sample (CRP: one per feature). */
  readonly perSample: number;
  dispose(): void;
}

/**
 * Every analyzer of the library on `model`: each LRP preset and LRP-0, CRP, and every gradient method (GradCAM where
 * a `camLayer` is given); each built when its maker is called. `only` keeps the analyzers whose names it accepts.
 */
export function everyAnalyzer(
  model: tf.LayersModel,
  {
    conceptLayer,
    camLayer,
    features = [0, 3],
    bounds = [-3, 3],
    only = () => true,
  }: {
    conceptLayer: string;
    camLayer?: string;
    features?: number[];
    /** EpsilonGammaBox's `low` and `high` (the input's range). */
    bounds?: readonly [number, number];
    only?: (name: string) => boolean;
  },
): (() => Built)[] {
  const lrp = (name: string, make: () => ConstructorParameters<typeof LRP>[1]) => ({
    name,
    make: () => {
      const a = new LRP(model, make());
      return { name, analyzer: a, perSample: 1, dispose: () => a.dispose() };
    },
  });
  const plain = (name: string, make: () => Analyzer & { dispose(): void }) => ({
    name,
    make: () => {
      const a = make();
      return { name, analyzer: a, perSample: 1, dispose: () => a.dispose() };
    },
  });
  const makers: { name: string; make: () => Built }[] = [
    lrp('LRP EpsilonGammaBox', () => new EpsilonGammaBox({ low: bounds[0], high: bounds[1] })),
    lrp('LRP EpsilonPlus', () => new EpsilonPlus()),
    lrp('LRP EpsilonAlpha2Beta1', () => new EpsilonAlpha2Beta1()),
    lrp('LRP EpsilonPlusFlat', () => new EpsilonPlusFlat()),
    lrp('LRP EpsilonAlpha2Beta1Flat', () => new EpsilonAlpha2Beta1Flat()),
    lrp('LRP ZeroRule', () => new ZeroRule()),
    {
      name: `CRP ${conceptLayer}`,
      make: () => {
        const inner = new LRP(model, new EpsilonPlusFlat());
        const crp = new CRP(inner, conceptLayer, new IndexedFeatures(...features));
        return {
          name: `CRP ${conceptLayer}`,
          analyzer: crp,
          perSample: features.length,
          dispose: () => inner.dispose(),
        };
      },
    },
    plain('Gradient', () => new Gradient(model)),
    plain('InputTimesGradient', () => new InputTimesGradient(model)),
    plain('SmoothGrad', () => new SmoothGrad(model, { n: 4, std: 0.2, seed: 3 })),
    plain('IntegratedGradients', () => new IntegratedGradients(model, { n: 4 })),
    ...(camLayer ? [plain(`GradCAM ${camLayer}`, () => new GradCAM(model, { layer: camLayer }))] : []),
    plain('SmoothDiff', () => new SmoothDiff(model, { n: 4, std: 0.2, seed: 3 })),
    plain('SoftPlusTrick', () => new SoftPlusTrick(model, { beta: 2 })),
  ];
  return makers.filter((m) => only(m.name)).map((m) => m.make);
}
