import type { LayerGraph } from '@xai-ts/canonize';
import type { ModelProblem } from './errors.js';
import { activationName, isSupportedActivation, type LayerSupport, layerSupport } from './layers.js';
import { EpsilonRule, PassRule, ZeroRule } from './rules/basic.js';
import type { Rule, RuleLayer } from './rules/rule.js';

/** Whether the layer ends in a softmax (fused, an Activation('softmax') or a Softmax layer). */
function isSoftmax(className: string, activation: string | undefined): boolean {
  return className === 'Softmax' || activation === 'softmax';
}

/**
 * Checks that LRP can explain the model: every layer class registered, every fused activation supported, no softmax
 * at the output (RelevancePropagation.jl's `check_model`). Returns the problems found, each with what to do.
 */
export function checkModel(graph: LayerGraph): ModelProblem[] {
  const problems: ModelProblem[] = [];
  for (const node of graph.nodes) {
    const support = layerSupport(node.className);
    if (!support) {
      problems.push({
        index: node.index,
        layer: node.name,
        message: `${node.className} layers are not supported; register the class with registerLayer('${node.className}', …) (its forward and vector-Jacobian product), or pass { skipChecks: true } to try autodiff through it`,
      });
      continue;
    }
    const activation = activationName(node.layer);
    const isOutput = graph.output.kind === 'layer' && graph.output.index === node.index;
    if (isOutput && isSoftmax(node.className, activation)) continue;
    if (support.kind === 'linear' && activation !== undefined && !isSupportedActivation(activation))
      problems.push({
        index: node.index,
        layer: node.name,
        message: `the fused activation '${activation}' is not supported (supported: linear, relu, gelu, swish/silu); move it into an Activation layer after a linear ${node.className}, or allow it with registerActivation('${activation}')`,
      });
  }
  if (graph.output.kind === 'layer') {
    const out = graph.nodes[graph.output.index]!;
    if (isSoftmax(out.className, activationName(out.layer)))
      problems.push({
        index: out.index,
        layer: out.name,
        message: `the model ends in a softmax; LRP explains logits: remove it with stripSoftmax(model) from @xai-ts/canonize, or pass { skipChecks: true }`,
      });
  } else {
    problems.push({
      index: -1,
      layer: '',
      message: 'the model has no layers between its input and its output',
    });
  }
  return problems;
}

/** Whether `rule` can handle a layer of the given support, and if not, why. */
export function ruleProblem(
  rule: Rule,
  layer: RuleLayer,
  support: LayerSupport | undefined,
): string | undefined {
  if (!support || support.kind === 'route') return undefined;
  if (support.kind === 'add') {
    if (rule instanceof ZeroRule || rule instanceof EpsilonRule || rule instanceof PassRule) return undefined;
    return `${rule} cannot be applied to an Add layer (it splits relevance in proportion to its inputs); give it ZeroRule, EpsilonRule or PassRule`;
  }
  if (rule.isCompatible(layer)) return undefined;
  return `${rule} is not compatible with this ${layer.node.className} layer${
    layer.linear ? '' : ' (it has no weights)'
  }; give it a rule that fits, such as ZeroRule or EpsilonRule${layer.linear ? '' : ', or PassRule where input and output sizes match'}`;
}
