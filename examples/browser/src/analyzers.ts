// The analyzers the page offers, each built once per model on first use.
import type * as tf from '@tensorflow/tfjs';
import { type Analyzer, TopNFeatures } from '@xai-ts/base';
import { CRP } from '@xai-ts/crp';
import { GradCAM, Gradient, InputTimesGradient, IntegratedGradients, SmoothGrad } from '@xai-ts/gradients';
import {
  EpsilonAlpha2Beta1,
  EpsilonAlpha2Beta1Flat,
  EpsilonGammaBox,
  EpsilonPlus,
  EpsilonPlusFlat,
  EpsilonRule,
  LRP,
} from '@xai-ts/lrp';

/** One choice of the analyzer menu. */
export interface Choice {
  id: string;
  label: string;
  about: string;
  /** CRP: how many concept maps each explanation holds (one per feature). */
  features?: number;
  make(model: tf.LayersModel): Analyzer;
}

export const CHOICES: readonly Choice[] = [
  {
    id: 'EpsilonPlusFlat',
    label: 'LRP: EpsilonPlusFlat',
    about: 'ZPlus on the convolutions, Flat on the first, Epsilon on the dense layers.',
    make: (m) => new LRP(m, new EpsilonPlusFlat()),
  },
  {
    id: 'EpsilonPlus',
    label: 'LRP: EpsilonPlus',
    about: 'ZPlus on every convolution, Epsilon on the dense layers.',
    make: (m) => new LRP(m, new EpsilonPlus()),
  },
  {
    id: 'EpsilonAlpha2Beta1',
    label: 'LRP: EpsilonAlpha2Beta1',
    about: 'AlphaBeta(2, 1) on the convolutions: positive and negative evidence.',
    make: (m) => new LRP(m, new EpsilonAlpha2Beta1()),
  },
  {
    id: 'EpsilonAlpha2Beta1Flat',
    label: 'LRP: EpsilonAlpha2Beta1Flat',
    about: 'AlphaBeta(2, 1), Flat on the first convolution.',
    make: (m) => new LRP(m, new EpsilonAlpha2Beta1Flat()),
  },
  {
    id: 'EpsilonGammaBox',
    label: 'LRP: EpsilonGammaBox',
    about: 'Gamma on the convolutions, ZBox (pixels in [0, 1]) on the first.',
    make: (m) => new LRP(m, new EpsilonGammaBox({ low: 0, high: 1 })),
  },
  {
    id: 'LRP-epsilon',
    label: 'LRP: Epsilon everywhere',
    about: 'EpsilonRule (ε = 0.25) on every layer.',
    make: (m) => new LRP(m, new EpsilonRule({ epsilon: 0.25 })),
  },
  {
    id: 'CRP',
    label: 'CRP: top 4 channels of conv3',
    about: 'One LRP heatmap per concept: the four channels of conv3 with the most relevance.',
    features: 4,
    make: (m) => new CRP(new LRP(m, new EpsilonPlusFlat()), 'conv3', new TopNFeatures(4)),
  },
  {
    id: 'Gradient',
    label: 'Gradient',
    about: 'How sensitive the class score is to each pixel (magnitudes).',
    make: (m) => new Gradient(m),
  },
  {
    id: 'InputTimesGradient',
    label: 'Input × Gradient',
    about: 'The gradient times the input: a signed attribution.',
    make: (m) => new InputTimesGradient(m),
  },
  {
    id: 'SmoothGrad',
    label: 'SmoothGrad',
    about: 'The gradient averaged over 32 noisy copies (σ = 0.1).',
    make: (m) => new SmoothGrad(m, { n: 32, std: 0.1, seed: 1 }),
  },
  {
    id: 'IntegratedGradients',
    label: 'Integrated Gradients',
    about: 'The gradient integrated from a black image to the input (32 points).',
    make: (m) => new IntegratedGradients(m, { n: 32 }),
  },
  {
    id: 'GradCAM',
    label: 'Grad-CAM (conv3)',
    about: 'The feature maps of conv3 weighted by their mean gradient, over the image.',
    make: (m) => new GradCAM(m, { layer: 'conv3' }),
  },
];
