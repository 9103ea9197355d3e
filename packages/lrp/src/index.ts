/**
 * Layer-wise Relevance Propagation for TensorFlow.js models: every rule and composite of RelevancePropagation.jl,
 * the {@link LRP} analyzer, model checks, and the registries for custom layers and activations.
 *
 * @packageDocumentation
 */
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
} from './composite.js';
export { CompositeError, ModelCheckError, type ModelProblem, RuleCompatibilityError } from './errors.js';
export {
  type AddSupport,
  activationName,
  type FunctionSupport,
  isSupportedActivation,
  type LayerConfig,
  type LayerSupport,
  type LinearSupport,
  layerSupport,
  type RouteSupport,
  registerActivation,
  registerLayer,
  TYPE_GROUPS,
  type TypeGroup,
} from './layers.js';
export {
  type BoundLinear,
  type Conv2DSpec,
  conv1dMap,
  conv2dMap,
  denseMap,
  depthwiseMap,
  type LinearMap,
  type Padding,
} from './linear.js';
export {
  EpsilonAlpha2Beta1,
  EpsilonAlpha2Beta1Flat,
  EpsilonGammaBox,
  type EpsilonGammaBoxOptions,
  EpsilonPlus,
  EpsilonPlusFlat,
  type PresetOptions,
} from './presets.js';
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
export { LayerNormRule } from './rules/layernorm.js';
export {
  type AlphaBetaOptions,
  AlphaBetaRule,
  GeneralizedGammaRule,
  type ZBoxOptions,
  ZBoxRule,
  ZPlusRule,
} from './rules/multipass.js';
export {
  type ForwardStep,
  HookRule,
  type Propagator,
  Rule,
  type RuleLayer,
  type Step,
} from './rules/rule.js';
export {
  type CompositeSpec,
  CompositeSpecError,
  compositeFromSpec,
  type PresetName,
  type PresetSpecOptions,
  type RuleSpec,
  ruleFromSpec,
} from './spec.js';
export { DEFAULT_STABILIZER, stabilize } from './stabilize.js';
