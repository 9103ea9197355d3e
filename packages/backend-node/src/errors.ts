import { XaiError } from '@xai-ts/base';

/**
 * A backend could not be set up: a requested backend is not installed, failed to initialise, or the wasm backend
 * was already initialised when threads were asked for.
 *
 * @example
 * ```ts
 * try { await enableWasmThreads(4); } catch (e) { if (e instanceof BackendSetupError) console.error(e.message); }
 * ```
 */
export class BackendSetupError extends XaiError {
  override name = 'BackendSetupError';
}
