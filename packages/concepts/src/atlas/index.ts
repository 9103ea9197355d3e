/**
 * The concept atlas's data side, browser-safe: the {@link AtlasData} contract, {@link atlasData} (read it from a
 * mining store) and its check, the atlas's URL hashes
 * (`#/concept/LAYER/CHANNEL`, `#/class/K`, `#/layer/LAYER`) and the class ranking the class search shows. Writing
 * the site (`writeAtlas`) needs the file system: it is in `@xai-ts/concepts/atlas/node`.
 *
 * @packageDocumentation
 */
export { checkAtlasData } from './check.js';
export { type AtlasData, atlasData } from './data.js';
export { AtlasDataError, AtlasError, AtlasOutputError } from './errors.js';
export {
  type AtlasRoute,
  type ClassRanking,
  classHash,
  conceptHash,
  layerHash,
  parseRoute,
  rankConceptsForClass,
} from './routes.js';
