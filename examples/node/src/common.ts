// What every example needs: a backend, an output folder, and a one-line exit for expected failures.
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

/**
 * Picks the backend: `$XAI_BACKEND` if set (`wasm` or `cpu`), else `wasm`, falling back to `cpu`. Users who have
 * installed `@tensorflow/tfjs-node` can import it first and pass `tensorflow`.
 */
export async function setupBackend(preferred = process.env.XAI_BACKEND ?? 'wasm'): Promise<string> {
  let ok = false;
  try {
    ok = await tf.setBackend(preferred);
  } catch {
    ok = false;
  }
  if (!ok) await tf.setBackend('cpu');
  await tf.ready();
  return tf.getBackend();
}

/** Creates the output folder (relative to the current directory) and returns its absolute path. */
export async function outputDir(dir: string): Promise<string> {
  const path = resolve(dir);
  await mkdir(path, { recursive: true });
  return path;
}

/** Formats a number with a fixed number of decimals, for tables on the console. */
export function fixed(x: number, digits = 3): string {
  return x.toFixed(digits);
}
