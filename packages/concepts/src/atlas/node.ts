/**
 * The concept atlas for Node: {@link writeAtlas} writes the static site (it opens from file://) from atlas data;
 * everything of the browser-safe `@xai-ts/concepts/atlas` is re-exported here.
 *
 * @packageDocumentation
 */
export * from './index.js';
export { type AtlasSite, type WriteAtlasOptions, writeAtlas } from './write.js';
