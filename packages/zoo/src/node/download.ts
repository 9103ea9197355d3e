import { createHash } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SingleBar } from 'cli-progress';
import { ChecksumError, DownloadError } from '../errors.js';
import type { Progress } from '../vgg/vgg.js';

/** Options of {@link downloadFile}. */
export interface DownloadOptions {
  /** The expected SHA-256 (hex); a mismatch throws {@link index!ChecksumError} and keeps nothing. */
  sha256?: string;
  /** The expected MD5 (hex), for publishers that pin files by MD5 (keras-applications). */
  md5?: string;
  /**
   * `true`: a progress bar on stderr (cli-progress); a function: called as bytes arrive; default: a bar when
   * stderr is a terminal.
   */
  progress?: boolean | ((progress: Progress) => void);
}

/** What {@link downloadFile} measured. */
export interface DownloadResult {
  /** The file's size in bytes. */
  bytes: number;
  /** Its SHA-256, hex. */
  sha256: string;
}

/**
 * Downloads `url` to `dest` atomically: the bytes go to a temporary file beside `dest`, are hashed on the way, and
 * only a complete, checksum-verified file is renamed to `dest`. An interrupted or failed download removes the
 * temporary file, so `dest` never holds a partial file.
 *
 * @param url - http(s) URL
 * @param dest - the final path (its directory must exist)
 * @param options - expected digests and progress reporting
 * @returns the size and SHA-256 of the file
 * @throws {@link index!DownloadError} for network errors, HTTP errors and short downloads
 * @throws {@link index!ChecksumError} when a digest does not match
 *
 * @example
 * ```ts
 * await downloadFile(file.url, '/tmp/vgg16.safetensors', { progress: true });
 * ```
 */
export async function downloadFile(
  url: string,
  dest: string,
  options: DownloadOptions = {},
): Promise<DownloadResult> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new DownloadError(
      `could not download ${url}: ${describe(e)}; check the network, or download it by hand to ${dest}`,
    );
  }
  if (!response.ok || !response.body)
    throw new DownloadError(`downloading ${url} answered HTTP ${response.status} ${response.statusText}`);
  const length = Number(response.headers.get('content-length'));
  const total = Number.isFinite(length) && length > 0 ? length : undefined;
  const report = reporter(options.progress, total, basename(dest));
  const temp = join(dirname(dest), `.${basename(dest)}.${process.pid}.${Date.now()}.part`);
  const sha256 = createHash('sha256');
  const md5 = options.md5 ? createHash('md5') : undefined;
  const file = await open(temp, 'w');
  let received = 0;
  try {
    try {
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        await file.write(value);
        sha256.update(value);
        md5?.update(value);
        received += value.byteLength;
        report.update({ received, total });
      }
    } catch (e) {
      throw new DownloadError(
        `the download of ${url} broke off after ${received} bytes: ${describe(e)}; try again`,
      );
    }
    if (total !== undefined && received !== total)
      throw new DownloadError(
        `the download of ${url} stopped after ${received} of ${total} bytes; try again`,
      );
    await file.sync();
    await file.close();
    const digest = sha256.digest('hex');
    check('SHA-256', digest, options.sha256, url);
    if (md5) check('MD5', md5.digest('hex'), options.md5, url);
    await rename(temp, dest);
    return { bytes: received, sha256: digest };
  } catch (e) {
    await file.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw e;
  } finally {
    report.stop();
  }
}

function check(kind: string, actual: string, expected: string | undefined, url: string): void {
  if (expected !== undefined && actual !== expected.toLowerCase())
    throw new ChecksumError(
      `the download of ${url} has ${kind} ${actual}, expected ${expected}: the file is corrupted or not the published one; nothing was saved, try again`,
    );
}

function reporter(
  progress: DownloadOptions['progress'],
  total: number | undefined,
  name: string,
): { update(p: Progress): void; stop(): void } {
  if (typeof progress === 'function') return { update: progress, stop: () => undefined };
  if (progress === false || (progress === undefined && !process.stderr.isTTY))
    return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar({
    format: `${name} [{bar}] {percentage}% | {mb}/{totalMb} MB`,
    stream: process.stderr,
    hideCursor: true,
  });
  const mb = (b: number) => (b / 1e6).toFixed(1);
  bar.start(total ?? 0, 0, { mb: '0.0', totalMb: total ? mb(total) : '?' });
  return {
    update: ({ received }) => bar.update(received, { mb: mb(received), totalMb: total ? mb(total) : '?' }),
    stop: () => bar.stop(),
  };
}

function describe(e: unknown): string {
  const err = e as { message?: string; cause?: { message?: string; code?: string } };
  return [err.message, err.cause?.code ?? err.cause?.message].filter(Boolean).join(': ') || String(e);
}
