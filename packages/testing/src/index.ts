/**
 * Test support: the reference cases of ../shared/reference copied as fixtures, their loader and the tolerance
 * check. Private to the workspace; never published.
 *
 * @packageDocumentation
 */
export {
  type AttributionSpec,
  type CaseName,
  type CaseSpec,
  caseDirectory,
  caseNames,
  type LayerSpec,
  loadCase,
  type ReferenceCase,
  type RuleSpec,
} from './cases.js';
export { type Comparison, compareAttribution } from './compare.js';
export { expectNoLeaks, type Leak, leakOf } from './leaks.js';
export { kindsModel, reluModel, seedWeights } from './models.js';
export { readSafetensors, type StoredTensor } from './safetensors.js';
