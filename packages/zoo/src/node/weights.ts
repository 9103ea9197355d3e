import { createHash } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ChecksumError, WeightsFormatError, WeightsNotFoundError, ZooError } from '../errors.js';
import type { WeightsFile } from '../vgg/sources.js';
import { cacheDir, knownWeightsFiles, readRecordedDigest, recordedDigestPath } from './cache.js';
import { checkFile, type FileProblem } from './check.js';
import { type DownloadOptions, downloadFile } from './download.js';
import { holdTempFile, tempPathFor } from './temp-files.js';

/**
 * Options of {@link ensureWeightsFile}.
 *
 * @example
 * ```ts
 * const options: EnsureWeightsOptions = { offline: true, cacheDir: '/data/xai-cache' };
 * await ensureWeightsFile(vggWeightsFile(16), options);
 * ```
 */
export interface EnsureWeightsOptions extends Pick<DownloadOptions, 'stallMs' | 'retries' | 'backoffMs'> {
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
 * the cache directory, downloading it first when missing (unless `offline`). A file is checked against the
 * publisher's digest where one is known (MD5 for keras-applications); where none is (the Hugging Face files, a URL
 * of your own) its format is checked (a safetensors header that covers the file, the HDF5 signature), and the
 * SHA-256 measured at download is kept beside it (`<file>.sha256`) and checked on every later use. A cached file
 * that fails its check is removed and downloaded again, so a bad download is never served twice.
 *
 * @param file - the file, from `vggWeightsFile` or {@link urlWeightsFile}
 * @param options - local path, cache directory, offline mode, progress, stall timeout and retries
 * @returns the path of the verified file
 * @throws {@link index!WeightsNotFoundError} offline (or with a bad `path`) when the file is missing, naming where to put it
 * @throws {@link index!ChecksumError} when a local or (offline) cached file does not match its digest
 * @throws {@link index!WeightsFormatError} when a local or (offline) cached file is not in its format
 * @throws {@link index!DownloadError} when the download fails ({@link index!UnexpectedContentError}: not the file)
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
  const pins = { sha256: file.sha256, md5: file.md5 };
  const format = file.format === 'keras-h5' ? 'hdf5' : 'safetensors';
  if (options.path) {
    if (!(await exists(options.path)))
      throw new WeightsNotFoundError(
        `no weights file at ${options.path}; download ${file.fileName} from ${file.url} and pass its path`,
      );
    const problem = await checkFile(options.path, pins, undefined, format);
    if (problem) throw problemError(problem, options.path, file, 'pass a good copy of it');
    return options.path;
  }
  const dir = cacheDir(options.cacheDir);
  const dest = join(dir, file.fileName);
  if (await exists(dest)) {
    const problem = await checkFile(dest, pins, await readRecordedDigest(dest), format);
    if (!problem) return dest;
    await rm(dest, { force: true });
    await rm(recordedDigestPath(dest), { force: true });
    if (options.offline)
      throw problemError(
        problem,
        dest,
        file,
        `it was removed from the cache, and downloading is off (offline): download it from ${file.url} and put it at ${dest}`,
      );
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
    ...(options.stallMs !== undefined ? { stallMs: options.stallMs } : {}),
    ...(options.retries !== undefined ? { retries: options.retries } : {}),
    ...(options.backoffMs !== undefined ? { backoffMs: options.backoffMs } : {}),
  });
  // Written whole or not at all, so a concurrent reader never sees half a digest.
  const sidecar = recordedDigestPath(dest);
  const temp = tempPathFor(sidecar);
  const release = holdTempFile(temp);
  try {
    await writeFile(temp, `${sha256}\n`);
    await rename(temp, sidecar);
  } finally {
    await rm(temp, { force: true });
    release();
  }
  return dest;
}

/**
 * The cache entry of a weights file given by URL (`xai explain --weights URL`): the zoo's own file when the URL is
 * one of the zoo's (so its pinned digest applies), else a file named after the URL's last segment and a hash of the
 * URL. An `.h5` URL is a keras-applications file, anything else a torchvision safetensors file.
 *
 * @param url - an http(s) URL
 * @returns the file, for {@link ensureWeightsFile}
 * @throws {@link index!ZooError} for a URL that is not http(s)
 *
 * @example
 * ```ts
 * const path = await ensureWeightsFile(urlWeightsFile('https://example.com/my-vgg16.safetensors'));
 * // ~/.cache/xai-ts/my-vgg16-1f3a9c0b2d.safetensors
 * ```
 */
export function urlWeightsFile(url: string): WeightsFile {
  const known = [...knownWeightsFiles().values()].find((f) => f.url === url);
  if (known) return known;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ZooError(`'${url}' is not a URL: give an http(s) URL of a .safetensors or .h5 weights file`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new ZooError(`'${url}' is not an http(s) URL: give the URL of a .safetensors or .h5 weights file`);
  const last = basename(decodeURIComponent(parsed.pathname));
  const keras = /\.(h5|hdf5)$/i.test(last);
  const stem =
    last
      .replace(/\.[^.]*$/, '')
      .replace(/[^A-Za-z0-9_-]+/g, '_')
      .replace(/^_+/, '')
      .slice(0, 60) || 'weights';
  const tag = createHash('sha256').update(url).digest('hex').slice(0, 10);
  return {
    source: keras ? 'keras' : 'torchvision',
    format: keras ? 'keras-h5' : 'safetensors',
    fileName: `${stem}-${tag}.${keras ? 'h5' : 'safetensors'}`,
    url,
  };
}

function problemError(problem: FileProblem, path: string, file: WeightsFile, todo: string): Error {
  return problem.kind === 'checksum'
    ? new ChecksumError(
        `${path} has ${problem.detail}: the file is corrupted or not ${file.fileName} from ${file.url}; ${todo}`,
      )
    : new WeightsFormatError(
        `${path} is not ${file.fileName} from ${file.url}: it is ${problem.detail}; ${todo}`,
      );
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
