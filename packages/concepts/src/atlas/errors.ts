import { ConceptsError } from '../errors.js';

/**
 * The base class of the concept atlas's errors: catch it to handle any of them.
 *
 * @example
 * ```ts
 * try {
 *   await writeAtlas(data, 'atlas');
 * } catch (e) {
 *   if (e instanceof AtlasError) console.error(e.message);
 *   else throw e;
 * }
 * ```
 */
export class AtlasError extends ConceptsError {
  override name = 'AtlasError';
}

/**
 * The atlas data does not keep its own contract: a concept names a layer or a sample that is not there, a box lies
 * outside the image, a graph edge names a node it does not have... The message says which entry and why.
 *
 * @example
 * ```ts
 * try {
 *   checkAtlasData(data);
 * } catch (e) {
 *   if (e instanceof AtlasDataError) console.error(e.message); // "concepts[3] (conv2 #4): relMax[0].sample 99 ..."
 * }
 * ```
 */
export class AtlasDataError extends AtlasError {
  override name = 'AtlasDataError';
}

/**
 * The atlas cannot be written where it was asked to go: the folder exists and is not empty (pass
 * `{ overwrite: true }`), the path is a file, or the page's scripts are missing because the package was not built.
 *
 * @example
 * ```ts
 * try {
 *   await writeAtlas(data, 'atlas');
 * } catch (e) {
 *   if (e instanceof AtlasOutputError && e.reason === 'not-empty') await writeAtlas(data, 'atlas', { overwrite: true });
 * }
 * ```
 */
export class AtlasOutputError extends AtlasError {
  override name = 'AtlasOutputError';
  /**
   * Why: `'not-empty'` (the folder holds files and `overwrite` was not set), `'not-a-folder'` (the path or a parent
   * is a file), `'assets-missing'` (the built page scripts are not there: build `@xai-ts/concepts` first).
   */
  readonly reason: 'not-empty' | 'not-a-folder' | 'assets-missing';

  /**
   * @param reason - see {@link AtlasOutputError.reason}
   * @param message - what was wrong and what to do
   */
  constructor(reason: 'not-empty' | 'not-a-folder' | 'assets-missing', message: string) {
    super(message);
    this.reason = reason;
  }
}
