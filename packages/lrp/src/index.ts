/**
 * Layer-wise Relevance Propagation for TensorFlow.js models: every rule and composite of RelevancePropagation.jl,
 * the {@link LRP} analyzer on the layer-kind engine of `@xai-ts/engine`, model checks, and the registries for rules
 * and presets (layer kinds and activations register in the engine; their registration functions are re-exported
 * here).
 *
 * @packageDocumentation
 */
export {
  type ActivationRelevance,
  type ActivationSpec,
  KindReadError,
  type LayerKind,
  type LayerOp,
  type ReadContext,
  type RelevanceRole,
  registerActivation,
  registerLayerKind,
  TYPE_GROUPS,
  type TypeGroup,
} from '@xai-ts/engine';
export {
  type BackwardOptions,
  type BackwardResult,
  type ForwardPass,
  LRP,
  type LRPOptions,
} from './analyzer.js';
export { checkModel } from './check.js';
export {
  Composite,
  type CompositePrimitive,
  FirstLayerMap,
  FirstLayerTypeMap,
  FirstNTypeMap,
  firstLayerIndex,
  GlobalMap,
  GlobalTypeMap,
  LastLayerMap,
  LastLayerTypeMap,
  type LayerInfo,
  LayerMap,
  type LayerRange,
  type LayerRef,
  RangeMap,
  RangeTypeMap,
  type TypeKey,
  type TypeMap,
} from './composites/composite.js';
export {
  EpsilonAlpha2Beta1,
  EpsilonAlpha2Beta1Flat,
  EpsilonGammaBox,
  type EpsilonGammaBoxOptions,
  EpsilonPlus,
  EpsilonPlusFlat,
  type PresetOptions,
} from './composites/presets.js';
export {
  type CompositeSpec,
  compositeFromSpec,
  type PresetFactory,
  type PresetName,
  type PresetSpecOptions,
  presetFromSpec,
  presetNames,
  registerPreset,
} from './composites/spec.js';
export {
  CompositeError,
  LRPOptionError,
  ModelCheckError,
  type ModelProblem,
  RuleCompatibilityError,
} from './errors.js';
export {
  type EpsilonOptions,
  EpsilonRule,
  FlatRule,
  type GammaOptions,
  GammaRule,
  PassRule,
  WSquareRule,
  ZeroRule,
} from './rules/basic.js';
export { HookRule } from './rules/hook.js';
export { LayerNormRule } from './rules/layernorm.js';
export { gammaParams, PARAMS } from './rules/modifiers.js';
export {
  type AlphaBetaOptions,
  AlphaBetaRule,
  GeneralizedGammaRule,
  type ZBoxOptions,
  ZBoxRule,
  ZPlusRule,
} from './rules/multipass.js';
export {
  type Denominator,
  type ForwardStep,
  type InputModifier,
  type ParamModifier,
  type Passes,
  type Propagator,
  Rule,
  type RuleLayer,
  type Step,
  type Term,
} from './rules/rule.js';
export {
  CompositeSpecError,
  type RuleFactory,
  type RuleSpec,
  registerRule,
  ruleFromSpec,
  ruleNames,
} from './rules/spec.js';
export { DEFAULT_STABILIZER, stabilize } from './stabilize.js';
