/**
 * The engine under LRP, CRP and the gradient methods: a `tf.LayersModel` read as a graph of layer kinds, each with
 * its forward pass, its explicit vector-Jacobian product (convolutions, matrix products, exact pool routing; never
 * `tf.grad`) and how LRP treats it; a forward pass that keeps what backward walks need; and the backward walk.
 *
 * A new layer kind is one object ({@link LayerKind}) registered with {@link registerLayerKind}.
 *
 * @packageDocumentation
 */
export {
  type ActivationFunction,
  type ActivationRelevance,
  type ActivationSpec,
  activationFunction,
  registerActivation,
  softmaxFunction,
} from './activations.js';
export {
  type BackwardOptions,
  type BackwardResult,
  type BackwardStep,
  Engine,
  type EngineNode,
  type ForwardOptions,
  type ForwardPass,
} from './engine.js';
export { KindReadError, ModelCheckError, type ModelProblem } from './errors.js';
export {
  type LayerKind,
  type LayerOp,
  type ReadContext,
  type RelevanceRole,
  TYPE_GROUPS,
  type TypeGroup,
} from './kind.js';
export { affineOp, type LayerConfig, unbroadcast } from './kinds/common.js';
export { BUILTIN_KINDS } from './kinds/index.js';
export {
  conv2dTransposeMap,
  separableKernel,
  separableMap,
} from './linear/composite-convs.js';
export { type Conv2DSpec, conv1dMap, conv2dMap, depthwiseMap, transposeByFlip } from './linear/conv.js';
export { addBias, type BoundLinear, denseMap, type LinearMap, precompute } from './linear/linear.js';
export {
  type AxisGeometry,
  type AxisPads,
  axisPads,
  insertZeros,
  interleaveGrids,
  type Padding,
  padOrCrop,
  phaseGrids,
} from './ops/geometry.js';
export { equalToBound, negativePart, positiveMask } from './ops/masks.js';
export { layerKind, registeredClassNames, registerLayerKind } from './registry.js';
