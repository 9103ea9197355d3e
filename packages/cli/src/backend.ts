import * as tf from '@tensorflow/tfjs';
import { CliError } from './errors.js';

/**
 * The TF.js backends the command can run on, fastest first.
 *
 * @example
 * ```ts
 * BACKENDS; // ['tensorflow', 'wasm', 'cpu']
 * ```
 */
export const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;

/**
 * A backend name: `tensorflow` (tfjs-node, libtensorflow), `wasm` or `cpu` (pure JavaScript).
 *
 * @example
 * ```ts
 * const backend: BackendName = await selectBackend();
 * ```
 */
export type BackendName = (typeof BACKENDS)[number];

/**
 * Options of {@link selectBackend}.
 *
 * @example
 * ```ts
 * await selectBackend(undefined, { importModule: (name) => import(name) });
 * ```
 */
export interface SelectBackendOptions {
  /** Imports a module by name (default: dynamic `import()`); tests replace it. */
  importModule?: (name: string) => Promise<unknown>;
}

// Users install these themselves; they download libtensorflow at install time, so xai-ts never depends on them.
const NODE_BINDINGS = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

const defaultImport = (name: string): Promise<unknown> => import(name);

async function tryTensorflow(importModule: (name: string) => Promise<unknown>): Promise<string | undefined> {
  for (const name of NODE_BINDINGS) {
    try {
      await importModule(name);
    } catch {
      continue;
    }
    // A binding that brought its own copy of tfjs-core registers its backend there, not in ours.
    if (tf.findBackendFactory('tensorflow') && (await tf.setBackend('tensorflow'))) return name;
  }
  return undefined;
}

async function tryWasm(importModule: (name: string) => Promise<unknown>): Promise<boolean> {
  try {
    await importModule('@tensorflow/tfjs-backend-wasm');
    return await tf.setBackend('wasm');
  } catch {
    return false;
  }
}

/**
 * Switches TF.js to a backend and returns its name. Without a request it takes the fastest one available:
 * `tensorflow` when the user installed `@tensorflow/tfjs-node-gpu` or `@tensorflow/tfjs-node`, else `wasm`
 * (`@tensorflow/tfjs-backend-wasm`, a dependency of this package), else `cpu`.
 *
 * @param requested - a backend to insist on, or undefined for the fastest available
 * @param options - see {@link SelectBackendOptions}
 * @returns the backend now in use
 * @throws {@link CliError} for an unknown name, or a requested backend that cannot start (naming what to install)
 *
 * @example
 * ```ts
 * await selectBackend(); // 'wasm' unless tfjs-node is installed
 * await selectBackend('cpu');
 * ```
 */
export async function selectBackend(
  requested?: string,
  options: SelectBackendOptions = {},
): Promise<BackendName> {
  const importModule = options.importModule ?? defaultImport;
  if (requested !== undefined && !(BACKENDS as readonly string[]).includes(requested))
    throw new CliError(`unknown backend '${requested}': use ${BACKENDS.join(', ')}`);
  if (requested === undefined || requested === 'tensorflow') {
    if (await tryTensorflow(importModule)) return 'tensorflow';
    if (requested === 'tensorflow')
      throw new CliError(
        'the tensorflow backend needs @tensorflow/tfjs-node (or -node-gpu) 4.22 installed next to @xai-ts/cli: npm i @tensorflow/tfjs-node@4.22.0',
      );
  }
  if (requested === undefined || requested === 'wasm') {
    if (await tryWasm(importModule)) return 'wasm';
    if (requested === 'wasm')
      throw new CliError(
        'the wasm backend could not start: reinstall @tensorflow/tfjs-backend-wasm 4.22.0, or pass --backend cpu',
      );
  }
  if (!(await tf.setBackend('cpu'))) throw new CliError('the cpu backend of TF.js could not start');
  return 'cpu';
}
