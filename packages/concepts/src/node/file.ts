import { existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { ConceptStore } from '../store.js';

/**
 * Opens a concept store file, or a new empty store when the file does not exist yet.
 *
 * @param path - the database file
 * @returns the store (in memory; save it with {@link saveStoreFile})
 * @throws StoreError for a file that is not a concept store
 * @example
 * ```ts
 * const store = await openStoreFile('concepts.sqlite');
 * ```
 */
export async function openStoreFile(path: string): Promise<ConceptStore> {
  return ConceptStore.open(existsSync(path) ? new Uint8Array(await readFile(path)) : undefined);
}

/**
 * Writes a store to its file atomically: to a temporary file next to it, then renamed over it, so that a process
 * killed at any moment leaves either the old file or the new one, never a torn one.
 *
 * @param store - the store
 * @param path - the database file
 * @example
 * ```ts
 * await saveStoreFile(store, 'concepts.sqlite');
 * ```
 */
export async function saveStoreFile(store: ConceptStore, path: string): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temp, store.export());
    await rename(temp, path);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
}
