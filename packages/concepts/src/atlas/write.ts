import { cp, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkAtlasData } from './check.js';
import type { AtlasData } from './data.js';
import { AtlasOutputError } from './errors.js';

/**
 * Options of {@link writeAtlas}.
 *
 * @example
 * ```ts
 * const options: WriteAtlasOptions = { overwrite: true, live: false };
 * await writeAtlas(data, 'atlas', options);
 * ```
 */
export interface WriteAtlasOptions {
  /**
   * Write into a folder that already holds files (default false: such a folder is refused). The site's own files
   * (index.html, live.html, atlas-data.js, assets/) are replaced; other files are left alone.
   */
  overwrite?: boolean;
  /**
   * Write live.html, the page that explains an uploaded image in the browser with `@xai-ts/zoo`'s demo CNN, and its
   * script (default true). It works when the atlas was mined from the demo CNN (same layer names and channel
   * counts); for any other model the page says so and explains nothing.
   */
  live?: boolean;
}

/**
 * What {@link writeAtlas} wrote.
 *
 * @example
 * ```ts
 * const site: AtlasSite = await writeAtlas(data, 'atlas');
 * console.log(`${site.files.length} files, ${site.bytes} bytes; open ${site.index}`);
 * ```
 */
export interface AtlasSite {
  /** The site's folder, absolute. */
  dir: string;
  /** Its index.html, absolute: open it in a browser (file:// works, no server needed). */
  index: string;
  /** Its live.html, absolute, when it was written. */
  live?: string;
  /** Every file written, relative to `dir`, in '/' form. */
  files: string[];
  /** Their total size in bytes. */
  bytes: number;
}

/** The site's own top-level entries: removed before an overwrite, so nothing stale is left of them. */
const SITE_ENTRIES = ['index.html', 'live.html', 'atlas-data.js', 'assets'];

// The page scripts are bundled when the package is built (scripts/build-atlas.mjs). Both src/atlas/ and
// dist/atlas/ lie two levels below the package root, so this finds them from either.
const ASSETS = fileURLToPath(new URL('../../dist/atlas/assets/', import.meta.url));

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, script: string, live: boolean): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="assets/atlas.css">
</head>
<body data-live="${live}">
<noscript>The concept atlas needs JavaScript.</noscript>
<script src="atlas-data.js"></script>
<script src="assets/${script}"></script>
</body>
</html>
`;
}

async function prepare(dir: string, overwrite: boolean): Promise<void> {
  let entries: string[] | undefined;
  try {
    const info = await stat(dir);
    if (!info.isDirectory())
      throw new AtlasOutputError(
        'not-a-folder',
        `${dir} is a file, not a folder: choose a folder for the atlas`,
      );
    entries = await readdir(dir);
  } catch (e) {
    if (e instanceof AtlasOutputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR')
      throw new AtlasOutputError(
        'not-a-folder',
        `a parent of ${dir} is a file: choose a folder for the atlas`,
      );
    if (code !== 'ENOENT') throw e;
  }
  if (entries && entries.length > 0) {
    if (!overwrite)
      throw new AtlasOutputError(
        'not-empty',
        `${dir} is not empty (${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}, e.g. ${entries[0]}): choose an empty or new folder, or pass { overwrite: true } to write the atlas over it`,
      );
    await Promise.all(SITE_ENTRIES.map((f) => rm(join(dir, f), { recursive: true, force: true })));
  }
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR' || code === 'EEXIST')
      throw new AtlasOutputError(
        'not-a-folder',
        `a parent of ${dir} is a file: choose a folder for the atlas`,
      );
    throw e;
  }
}

async function checkAssets(names: string[]): Promise<void> {
  const absent: string[] = [];
  for (const name of names) {
    try {
      await stat(join(ASSETS, name));
    } catch {
      absent.push(name);
    }
  }
  if (absent.length > 0)
    throw new AtlasOutputError(
      'assets-missing',
      `the atlas page scripts ${absent.join(', ')} are missing from ${ASSETS}: build the package first (pnpm --filter @xai-ts/concepts build)`,
    );
}

/**
 * Writes the concept atlas as a static site into `outDir`: `index.html` (per layer every mined channel with its
 * RelMax and ActMax samples cropped to their receptive fields and its relevance per class; a concept's entry with
 * the attribution graph to click through; the class search; hash navigation `#/concept/LAYER/CHANNEL`,
 * `#/class/K`), `live.html` (explain an uploaded image in the browser with the demo CNN and link its most relevant
 * channels to their entries), `atlas-data.js` (the data, as a script that sets a global: pages opened from file://
 * may not fetch JSON) and `assets/` (the bundled scripts and the stylesheet). Opens from file://, no server.
 *
 * The data is checked first ({@link checkAtlasData}), so a page never meets a dangling reference. The folder is
 * created when missing; a folder that holds anything is refused unless `overwrite` is set.
 *
 * @param data - the atlas data, as `atlasData(store)` returns it
 * @param outDir - the site's folder
 * @param options - see {@link WriteAtlasOptions}
 * @returns where it wrote, see {@link AtlasSite}
 * @throws {@link AtlasDataError} when the data breaks its contract
 * @throws {@link AtlasOutputError} for a non-empty folder without `overwrite` (`reason: 'not-empty'`), a path
 *   that is or lies under a file (`'not-a-folder'`), or a package whose page scripts were not built
 *   (`'assets-missing'`)
 *
 * @example
 * ```ts
 * import { writeAtlas } from '@xai-ts/concepts/atlas/node';
 *
 * const site = await writeAtlas(atlasData(store), 'out/atlas', { overwrite: true });
 * console.log(`open ${site.index}`);
 * ```
 */
export async function writeAtlas(
  data: AtlasData,
  outDir: string,
  options: WriteAtlasOptions = {},
): Promise<AtlasSite> {
  checkAtlasData(data);
  const live = options.live ?? true;
  const assets = ['atlas.js', 'atlas.css', ...(live ? ['live.js'] : [])];
  await checkAssets(assets);
  const dir = resolve(outDir);
  await prepare(dir, options.overwrite === true);

  const files: [string, string | null][] = [
    ['atlas-data.js', `window.XAI_ATLAS = ${JSON.stringify(data)};\n`],
    ['index.html', page(`Concept atlas · ${data.model}`, 'atlas.js', live)],
    ...(live
      ? [['live.html', page(`Explain an image · ${data.model}`, 'live.js', live)] as [string, string]]
      : []),
  ];
  await Promise.all(files.map(([name, text]) => writeFile(join(dir, name), text!)));
  await mkdir(join(dir, 'assets'));
  await Promise.all(assets.map((name) => cp(join(ASSETS, name), join(dir, 'assets', name))));

  const written = [...files.map(([name]) => name), ...assets.map((a) => `assets/${a}`)];
  const sizes = await Promise.all(written.map(async (f) => (await stat(join(dir, f))).size));
  return {
    dir,
    index: join(dir, 'index.html'),
    ...(live ? { live: join(dir, 'live.html') } : {}),
    files: written,
    bytes: sizes.reduce((a, b) => a + b, 0),
  };
}
