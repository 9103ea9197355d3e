import type { AtlasData } from '../data.js';

declare global {
  interface Window {
    /** Set by the site's atlas-data.js (written by writeAtlas), read by the pages. */
    XAI_ATLAS?: AtlasData;
  }
}

/** The embedded atlas data; a message on the page when the data script did not load. */
export function atlasDataOrFail(): AtlasData | undefined {
  const data = window.XAI_ATLAS;
  if (data?.version === 1) return data;
  const main = document.querySelector('main') ?? document.body;
  const p = document.createElement('p');
  p.className = 'missing';
  p.textContent = 'atlas-data.js did not load or is not version 1: write the site again with writeAtlas.';
  main.append(p);
  document.body.dataset.ready = 'error';
  return undefined;
}
