// Bundles the atlas's pages for the browser (run by `pnpm build` after tsc): src/atlas/page/atlas.ts and live.ts
// become classic-script IIFE bundles in dist/atlas/assets/, which writeAtlas copies next to index.html. Classic
// scripts load from file://, where Chromium refuses module scripts across files. Sources of the workspace packages
// are bundled directly (the @xai-ts/source condition), so the bundle does not depend on their build order.
import { copyFile, mkdir, rename, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}dist/atlas/assets/`;
await mkdir(out, { recursive: true });
const common = {
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  conditions: ['@xai-ts/source'],
  logLevel: 'warning',
  absWorkingDir: root,
};
// Each file is written under a temporary name and renamed, so a build running beside another (two test files
// building at once) never leaves a half-written bundle.
const tmp = (f) => `${out}${f}.${process.pid}.tmp`;
for (const page of ['atlas', 'live']) {
  await build({ ...common, entryPoints: [`src/atlas/page/${page}.ts`], outfile: tmp(`${page}.js`) });
  await rename(tmp(`${page}.js`), `${out}${page}.js`);
}
await copyFile(`${root}src/atlas/page/atlas.css`, tmp('atlas.css'));
await rename(tmp('atlas.css'), `${out}atlas.css`);
for (const f of ['atlas.js', 'live.js', 'atlas.css'])
  console.log(`dist/atlas/assets/${f}: ${((await stat(`${out}${f}`)).size / 1024).toFixed(0)} KiB`);
