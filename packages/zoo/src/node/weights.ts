import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ChecksumError, WeightsNotFoundError } from '../errors.js';
import type { WeightsFile } from '../vgg/sources.js';
import { cacheDir } from './cache.js';
import { type DownloadOptions, downloadFile } from './download.js';

/** Options of {@link ensureWeightsFile}. */
export interface EnsureWeightsOptions {
  /** Use this local file instead of the cache (offline use); it is checked like a cached one. */
  path?: string;
  /** The cache directory (default: {@link cacheDir}: `$XAI_TS_CACHE`, `$XDG_CACHE_HOME/xai-ts`, `~/.cache/xai-ts`). */
  cacheDir?: string;
  /** Never download; a file missing from the cache throws {@link index!WeightsNotFoundError} (default false). */
  offline?: boolean;
  /** Progress reporting of a download (see {@link DownloadOptions.progress}). */
  progress?: DownloadOptions['progress'];
}

/**
 * Makes sure a weights file is on disk and intact, and returns its path: `options.path` if given, else the copy in
 * the cache directory, downloading it first when missing (unless `offline`). Files are checked against the
 * publisher's digest where one is known (MD5 for keras-applications). Where none is (the Hugging Face files), the
 * SHA-256 measured at download is kept beside the file (`<file>.sha256`) and checked on every later use, so a
 * corrupted cache is caught.
 *
 * @param file - the file, from `vggWeightsFile`
 * @param options - local path, cache directory, offline mode, progress
 * @returns the path of the verified file
 * @throws {@link index!WeightsNotFoundError} offline (or with a bad `path`) when the file is missing, naming where to put it
 * @throws {@link index!ChecksumError} when the file on disk does not match its digest
 * @throws {@link index!DownloadError} when the download fails
 *
 * @example
 * ```ts
 * const path = await ensureWeightsFile(vggWeightsFile(16), { progress: true });
 * ```
 */
export async function ensureWeightsFile(
  file: WeightsFile,
  options: EnsureWeightsOptions = {},
): Promise<string> {
  if (options.path) {
    if (!(await exists(options.path)))
      throw new WeightsNotFoundError(
        `no weights file at ${options.path}; download ${file.fileName} from ${file.url} and pass its path`,
      );
    await verify(options.path, file, undefined);
    return options.path;
  }
  const dir = cacheDir(options.cacheDir);
  const dest = join(dir, file.fileName);
  const sidecar = `${dest}.sha256`;
  if (await exists(dest)) {
    const recorded = (await exists(sidecar)) ? (await readFile(sidecar, 'utf8')).trim() : undefined;
    await verify(dest, file, recorded);
    return dest;
  }
  if (options.offline)
    throw new WeightsNotFoundError(
      `the weights file ${file.fileName} is not in the cache and downloading is off (offline): download it from ${file.url} and put it at ${dest} (the cache directory is set by the cacheDir option or the XAI_TS_CACHE environment variable), or pass its path as the path option`,
    );
  await mkdir(dir, { recursive: true });
  const { sha256 } = await downloadFile(file.url, dest, {
    ...(file.sha256 ? { sha256: file.sha256 } : {}),
    ...(file.md5 ? { md5: file.md5 } : {}),
    ...(options.progress !== undefined ? { progress: options.progress } : {}),
  });
  await writeFile(sidecar, `${sha256}\n`);
  return dest;
}

async function verify(path: string, file: WeightsFile, recorded: string | undefined): Promise<void> {
  const checks: [string, string | undefined][] = [
    ['sha256', file.sha256 ?? recorded],
    ['md5', file.md5],
  ];
  for (const [algorithm, expected] of checks) {
    if (!expected) continue;
    const actual = await digest(path, algorithm);
    if (actual !== expected.toLowerCase())
      throw new ChecksumError(
        `${path} has ${algorithm.toUpperCase()} ${actual}, expected ${expected}: the file is corrupted or not ${file.fileName} from ${file.url}; delete it and download it again`,
      );
  }
}

function digest(path: string, algorithm: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash(algorithm);
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
