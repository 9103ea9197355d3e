import { readdir, readFile, rm, rmdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { applicationWeightsFiles } from '../applications/weights.js';
import { ZooError } from '../errors.js';
import { formatOfName } from '../formats/check.js';
import type { VggDepth } from '../vgg/architecture.js';
import { vggWeightsFile, type WeightsFile } from '../vgg/sources.js';
import { checkFile } from './check.js';
import { isTempName, removeStaleTempFiles } from './temp-files.js';

/**
 * The directory xai-ts caches downloaded weights in: `dir` if given, else `$XAI_TS_CACHE`, else
 * `$XDG_CACHE_HOME/xai-ts`, else `~/.cache/xai-ts` (the XDG default).
 *
 * @param dir - an explicit directory, which wins
 * @returns an absolute or relative path (not created here)
 *
 * @example
 * ```ts
 * cacheDir(); // '/home/me/.cache/xai-ts'
 * ```
 */
export function cacheDir(dir?: string): string {
  if (dir) return dir;
  const env = process.env.XAI_TS_CACHE;
  if (env) return env;
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg || join(homedir(), '.cache'), 'xai-ts');
}

/**
 * How a cached file is checked: by a digest its publisher pins, or by the SHA-256 measured when it was downloaded.
 *
 * @example
 * ```ts
 * const pinned = (await listCache()).filter((e) => e.pin !== undefined);
 * ```
 */
export interface CachePin {
  /** The digest's algorithm. */
  algorithm: 'sha256' | 'md5';
  /** The digest, hex. */
  digest: string;
  /** `publisher`: pinned in the zoo (keras-applications' MD5); `download`: recorded beside the file at download. */
  from: 'publisher' | 'download';
}

/**
 * A file in the weights cache.
 *
 * @example
 * ```ts
 * const [entry] = await listCache(); // name, bytes, and how it is checked
 * ```
 */
export interface CacheEntry {
  /** Its name in the cache directory. */
  name: string;
  /** Its path. */
  path: string;
  /** Its size in bytes. */
  bytes: number;
  /**
   * The digest it is checked against; `undefined` when there is none and only its format is checked. A file with a
   * recorded SHA-256 has its format checked too.
   */
  pin: CachePin | undefined;
}

/**
 * The result of checking one cached file (see {@link verifyCache}).
 *
 * @example
 * ```ts
 * for (const c of await verifyCache()) if (c.problem) console.log(c.name, c.problem, c.removed);
 * ```
 */
export interface CacheCheck {
  /** The file. */
  entry: CacheEntry;
  /** What is wrong with it, such as `has MD5 …, expected …` or `is an HTML page (…)`; `undefined` when good. */
  problem: string | undefined;
  /** Whether it was removed (a bad file, unless `remove: false`). */
  removed: boolean;
}

const SIDECAR = '.sha256';

/**
 * The weights files the zoo knows, by file name, with the digests their publishers pin.
 *
 * @returns every VGG weights file of every source, and every Keras application's ImageNet file
 */
export function knownWeightsFiles(): Map<string, WeightsFile> {
  const files: WeightsFile[] = [];
  for (const depth of [11, 13, 16, 19] as VggDepth[]) {
    for (const batchNorm of [false, true]) files.push(vggWeightsFile(depth, { batchNorm }));
    if (depth === 16 || depth === 19)
      for (const includeTop of [true, false])
        files.push(vggWeightsFile(depth, { source: 'keras', includeTop }));
  }
  files.push(...applicationWeightsFiles());
  return new Map(files.map((f) => [f.fileName, f]));
}

/**
 * The files in the weights cache, with their sizes and how each is checked. Sidecar digests (`<file>.sha256`) and
 * the `.part` files of downloads are not listed.
 *
 * @param dir - the cache directory (default: {@link cacheDir})
 * @returns the files, by name
 *
 * @example
 * ```ts
 * for (const f of await listCache()) console.log(f.name, f.bytes, f.pin ? 'pinned' : 'format only');
 * ```
 */
export async function listCache(dir?: string): Promise<CacheEntry[]> {
  const root = cacheDir(dir);
  let names: string[];
  try {
    names = (await readdir(root)).sort();
  } catch {
    return [];
  }
  const known = knownWeightsFiles();
  const entries: CacheEntry[] = [];
  for (const name of names) {
    if (name.endsWith(SIDECAR) || isTempName(name)) continue;
    const path = join(root, name);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) continue;
    const publisher = known.get(name);
    const recorded = await readRecordedDigest(path);
    const pin: CachePin | undefined = publisher?.sha256
      ? { algorithm: 'sha256', digest: publisher.sha256, from: 'publisher' }
      : publisher?.md5
        ? { algorithm: 'md5', digest: publisher.md5, from: 'publisher' }
        : recorded
          ? { algorithm: 'sha256', digest: recorded, from: 'download' }
          : undefined;
    entries.push({ name, path, bytes: info.size, pin });
  }
  return entries;
}

/**
 * Checks every file in the weights cache again, as a later use would: against its publisher's digest, or its
 * format (and the SHA-256 recorded at download, if any). Bad files are removed, so the next use downloads them
 * again; so are the `.part` files of downloads whose process is gone.
 *
 * @param options - the cache directory (default: {@link cacheDir}); `remove: false` only reports
 * @returns one check per file
 *
 * @example
 * ```ts
 * const bad = (await verifyCache()).filter((c) => c.problem);
 * ```
 */
export async function verifyCache(options: { dir?: string; remove?: boolean } = {}): Promise<CacheCheck[]> {
  const root = cacheDir(options.dir);
  await removeStaleTempFiles(root);
  const known = knownWeightsFiles();
  const checks: CacheCheck[] = [];
  for (const entry of await listCache(root)) {
    const publisher = known.get(entry.name);
    const found = await checkFile(
      entry.path,
      { sha256: publisher?.sha256, md5: publisher?.md5 },
      entry.pin?.from === 'download' ? entry.pin.digest : undefined,
      publisher ? (publisher.format === 'keras-h5' ? 'hdf5' : 'safetensors') : formatOfName(entry.name),
    );
    const problem = found && (found.kind === 'checksum' ? `has ${found.detail}` : `is ${found.detail}`);
    const removed = problem !== undefined && options.remove !== false;
    if (removed) await removeEntry(entry.path);
    checks.push({ entry, problem, removed });
  }
  return checks;
}

/**
 * Empties the weights cache, or removes one file from it (with its recorded digest). The `.part` files of
 * downloads still running in other processes are left alone.
 *
 * @param options - the cache directory (default: {@link cacheDir}); `name`: only this file
 * @returns the names of the files removed
 * @throws {@link index!ZooError} when `name` is not in the cache, listing what is
 *
 * @example
 * ```ts
 * await clearCache({ name: 'timm-vgg16.tv_in1k.safetensors' });
 * ```
 */
export async function clearCache(options: { dir?: string; name?: string } = {}): Promise<string[]> {
  const root = cacheDir(options.dir);
  const entries = await listCache(root);
  if (options.name !== undefined) {
    const entry = entries.find((e) => e.name === options.name);
    if (!entry)
      throw new ZooError(
        `no file ${options.name} in the cache ${root}; it holds ${entries.length ? entries.map((e) => e.name).join(', ') : 'nothing'}`,
      );
    await removeEntry(entry.path);
    return [entry.name];
  }
  for (const entry of entries) await removeEntry(entry.path);
  const removed = entries.map((e) => e.name);
  removed.push(...(await removeStaleTempFiles(root)));
  for (const name of await readdir(root).catch(() => [] as string[]))
    if (name.endsWith(SIDECAR)) await rm(join(root, name), { force: true });
  await rmdir(root).catch(() => undefined); // only when nothing else is left in it
  return removed;
}

/** The SHA-256 recorded beside a downloaded file, if any. */
export async function readRecordedDigest(path: string): Promise<string | undefined> {
  const text = await readFile(`${path}${SIDECAR}`, 'utf8').catch(() => undefined);
  return text?.trim() || undefined;
}

/** The path of the file that records a downloaded file's SHA-256. */
export function recordedDigestPath(path: string): string {
  return `${path}${SIDECAR}`;
}

async function removeEntry(path: string): Promise<void> {
  await rm(path, { force: true });
  await rm(`${path}${SIDECAR}`, { force: true });
}
