/**
 * The `xai` command of xai-ts: `xai explain` (heatmaps of images for a model and a method), `xai demo` (every
 * analyzer on the shipped demo model, as a montage and an HTML report with localization scores) and `xai check`
 * (LRP's model check and `layer => rule` table), `xai evaluate` (faithfulness, sanity, robustness, complexity and
 * localisation of every method over a dataset, with a random baseline). The same is available from code: {@link main} runs a command
 * line, {@link runDemo} the demo.
 *
 * @packageDocumentation
 */
export { COMPOSITES, type CompositeName, METHODS, type Method } from './analyzers.js';
export { BACKENDS, type BackendName, type SelectBackendOptions, selectBackend } from './backend.js';
export { main } from './cli.js';
export { DEMO_SEED, type DemoColumn, type DemoOptions, type DemoResult, runDemo } from './demo.js';
export { CliError } from './errors.js';
export {
  EVALUATION_METHODS,
  type EvaluateCommandOptions,
  type EvaluationMethodName,
  evaluateCommand,
} from './evaluate.js';
export type { EvaluationReport } from './evaluation-report.js';
export type { CliIO, OutputStream } from './io.js';
