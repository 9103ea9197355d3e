import { createHash, type Hash } from 'node:crypto';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SingleBar } from 'cli-progress';
import { ChecksumError, DownloadError, UnexpectedContentError, ZooError } from '../errors.js';
import { contentProblem, formatOfName } from '../formats/check.js';
import type { Progress } from '../vgg/vgg.js';
import { digestName, readerOf } from './check.js';
import { holdTempFile, removeStaleTempFiles, tempPathFor } from './temp-files.js';

/**
 * Options of {@link downloadFile}.
 *
 * @example
 * ```ts
 * const options: DownloadOptions = { progress: true, retries: 3 };
 * await downloadFile(url, '/tmp/weights.h5', options);
 * ```
 */
export interface DownloadOptions {
  /** The expected SHA-256 (hex); a mismatch throws {@link index!ChecksumError} and keeps nothing. */
  sha256?: string;
  /** The expected MD5 (hex), for publishers that pin files by MD5 (keras-applications). */
  md5?: string;
  /**
   * `true`: a progress bar on stderr (cli-progress; a line every 10 s when stderr is not a terminal); a function:
   * called as bytes arrive; default: a bar when stderr is a terminal, else nothing.
   */
  progress?: boolean | ((progress: Progress) => void);
  /** An attempt that receives no byte for this many milliseconds is given up and retried (default 30 000). */
  stallMs?: number;
  /**
   * How often a failed attempt is retried (default 3): network errors, resets, stalls, cut-off bodies and HTTP 5xx,
   * 408 and 429. Other HTTP errors (404, 403, …) are not retried.
   */
  retries?: number;
  /** The wait before the first retry, in milliseconds, doubled before each further one (default 1000). */
  backoffMs?: number;
}

/**
 * What {@link downloadFile} measured.
 *
 * @example
 * ```ts
 * const { sha256 } = await downloadFile(url, '/tmp/weights.h5');
 * ```
 */
export interface DownloadResult {
  /** The file's size in bytes. */
  bytes: number;
  /** Its SHA-256, hex. */
  sha256: string;
}

/**
 * Downloads `url` to `dest` so that `dest` only ever holds a complete, verified file. The bytes go to a temporary
 * `.part` file beside `dest` (its own for each call, so that concurrent downloads of one file do not mix) and are
 * hashed on the way. A failed attempt (network error, reset, a stall of `stallMs`, HTTP 5xx) is retried with
 * backoff, resuming with an HTTP Range request where the server allows it (a server that answers with the whole
 * file is read from the start). The result must match the Content-Length, and then the pinned digests, or, without
 * any, the format its name promises (a `.safetensors` header, the HDF5 signature of an `.h5`; never an HTML page);
 * only then is it renamed to `dest`. The `.part` file is removed on failure, on Ctrl-C (SIGINT, SIGTERM) and on
 * exit; those left by processes that died are removed by the next download into the directory.
 *
 * @param url - http(s) URL
 * @param dest - the final path (its directory must exist)
 * @param options - expected digests, progress reporting, stall timeout and retries
 * @returns the size and SHA-256 of the file
 * @throws {@link index!DownloadError} for network errors, HTTP errors and cut-off downloads, naming the URL
 * @throws {@link index!UnexpectedContentError} when an unpinned file is not in its format (an HTML page, say)
 * @throws {@link index!ChecksumError} when a digest does not match
 *
 * @example
 * ```ts
 * await downloadFile(file.url, '/tmp/vgg16.safetensors', { progress: true, stallMs: 60_000 });
 * ```
 */
export async function downloadFile(
  url: string,
  dest: string,
  options: DownloadOptions = {},
): Promise<DownloadResult> {
  const stallMs = options.stallMs ?? 30_000;
  const retries = options.retries ?? 3;
  const backoffMs = options.backoffMs ?? 1000;
  if (!(stallMs > 0) || !(retries >= 0) || !(backoffMs >= 0))
    throw new ZooError(
      `downloadFile: stallMs must be > 0 and retries and backoffMs ≥ 0, got ${stallMs}, ${retries}, ${backoffMs}`,
    );
  await removeStaleTempFiles(dirname(dest));
  const temp = tempPathFor(dest);
  const release = holdTempFile(temp);
  const report = reporter(options.progress, basename(dest));
  const state = freshState(options.md5 !== undefined);
  let file: FileHandle | undefined;
  try {
    file = await open(temp, 'w+');
    for (let attempt = 0; ; attempt++) {
      try {
        await attemptDownload(url, file, state, stallMs, report);
        break;
      } catch (e) {
        if (!(e instanceof Retryable)) throw e;
        if (attempt >= retries) throw e.toError(url, dest, attempt + 1, state);
        report.note(`retry ${attempt + 1}/${retries}: ${e.reason}`);
        await sleep(backoffMs * 2 ** attempt);
      }
    }
    // A restarted download may have left longer bytes of an earlier attempt behind.
    await file.truncate(state.received);
    await file.sync();
    const sha256 = state.sha256.digest('hex');
    check('sha256', sha256, options.sha256, url);
    if (state.md5) check('md5', state.md5.digest('hex'), options.md5, url);
    if (!options.sha256 && !options.md5) {
      const problem = await contentProblem(readerOf(file), state.received, formatOfName(dest));
      if (problem)
        throw new UnexpectedContentError(
          `the download of ${url} is not the file it should be: it is ${problem}. Nothing was saved. Check the URL (a login page, a captive portal or a moved file answers with a page instead of the file), or download the file by hand and pass its path`,
        );
    }
    await file.close();
    file = undefined;
    // Atomic: a concurrent download of the same file renames its own verified copy, and the last one wins.
    await rename(temp, dest);
    return { bytes: state.received, sha256 };
  } finally {
    await file?.close().catch(() => undefined);
    await rm(temp, { force: true });
    release();
    report.stop();
  }
}

/** What the attempts so far have put in the temporary file. */
interface Transfer {
  received: number;
  total: number | undefined;
  /** An ETag or Last-Modified for If-Range, so that a resumed download never splices two versions. */
  validator: string | undefined;
  sha256: Hash;
  md5: Hash | undefined;
}

function freshState(md5: boolean): Transfer {
  return {
    received: 0,
    total: undefined,
    validator: undefined,
    sha256: createHash('sha256'),
    md5: md5 ? createHash('md5') : undefined,
  };
}

/**
 * Starts over from byte 0. Synchronous on purpose: an await here would let the body's first bytes arrive unread,
 * and a body stream that then errors drops what it holds. The file is cut to size once the download is complete.
 */
function restart(state: Transfer): void {
  Object.assign(state, freshState(state.md5 !== undefined));
}

// Bytes read but not yet written, at most: beyond this, reading waits for the disk.
const MAX_BACKLOG = 16 * 1024 * 1024;

type FailureKind = 'connect' | 'status' | 'stall' | 'broken';

/** A failed attempt that is worth another. */
class Retryable extends Error {
  constructor(
    readonly reason: string,
    readonly kind: FailureKind,
  ) {
    super(reason);
  }

  toError(url: string, dest: string, attempts: number, state: Transfer): DownloadError {
    const tries = `${attempts} attempt${attempts === 1 ? '' : 's'}`;
    const byHand = `or download it by hand to ${dest}`;
    switch (this.kind) {
      case 'connect':
        return new DownloadError(
          `could not download ${url}: ${this.reason} (${tries}); check the network, ${byHand}`,
        );
      case 'status':
        return new DownloadError(
          `downloading ${url} answered ${this.reason} (${tries}); the server has trouble: try again later, ${byHand}`,
        );
      case 'stall':
        return new DownloadError(
          `the download of ${url} stalled: ${this.reason} (${tries}); check the network and try again (only silence counts, not slowness; stallMs sets how long), ${byHand}`,
        );
      case 'broken':
        return new DownloadError(
          `the download of ${url} broke off after ${state.received} of ${state.total ?? 'an unknown number of'} bytes: ${this.reason} (${tries}); try again, ${byHand}`,
        );
    }
  }
}

const RETRY_STATUS = new Set([408, 425, 429]);

async function attemptDownload(
  url: string,
  file: FileHandle,
  state: Transfer,
  stallMs: number,
  report: Reporter,
): Promise<void> {
  const controller = new AbortController();
  let stalled = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      controller.abort();
    }, stallMs);
  };
  const silence = () => `no data for ${stallMs / 1000} s after ${state.received} bytes`;
  const from = state.received;
  // identity: Content-Length and Range count the bytes of the file, not of a compressed transfer.
  const headers: Record<string, string> = { 'accept-encoding': 'identity' };
  if (from > 0) {
    headers.range = `bytes=${from}-`;
    if (state.validator) headers['if-range'] = state.validator;
  }
  arm();
  try {
    let response: Response;
    try {
      response = await fetch(url, { headers, signal: controller.signal });
    } catch (e) {
      throw stalled ? new Retryable(silence(), 'stall') : new Retryable(describe(e), 'connect');
    }
    const status = `HTTP ${response.status} ${response.statusText}`.trim();
    if (response.status === 416 && from > 0) {
      await response.body?.cancel().catch(() => undefined);
      // The range starts at the end: what we have may be the whole file.
      const size = parseContentRange(response.headers.get('content-range'))?.size;
      if (size === from) {
        state.total = size;
        return;
      }
      restart(state);
      throw new Retryable(`${status} for bytes from ${from}`, 'broken');
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel().catch(() => undefined);
      if (response.status >= 500 || RETRY_STATUS.has(response.status) || response.ok)
        throw new Retryable(response.ok ? `${status} without a body` : status, 'status');
      throw new DownloadError(`downloading ${url} answered ${status}: ${statusAdvice(response.status)}`);
    }
    if (response.status === 206) {
      const range = parseContentRange(response.headers.get('content-range'));
      if (!range || range.start !== from) {
        await response.body.cancel().catch(() => undefined);
        restart(state);
        throw new Retryable(
          `the server answered a request for bytes from ${from} with ${range ? `bytes from ${range.start}` : 'no valid Content-Range'}`,
          'broken',
        );
      }
      const length = contentLength(response.headers);
      state.total = range.size ?? (length === undefined ? undefined : from + length);
    } else {
      // 200: the whole file, also when a range was asked for and the server ignores Range.
      if (from > 0) restart(state);
      state.total = contentLength(response.headers);
      state.validator = validatorOf(response.headers);
    }
    report.update({ received: state.received, total: state.total });
    // A read is always waiting while bytes may arrive (the writes go on behind it), so a connection that closes
    // early loses nothing that was sent and the next attempt resumes right after it.
    const reader = response.body.getReader();
    let writing: Promise<unknown> = Promise.resolve();
    let backlog = 0;
    try {
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (e) {
          throw stalled ? new Retryable(silence(), 'stall') : new Retryable(describe(e), 'broken');
        }
        if (chunk.done) break;
        arm();
        const bytes = chunk.value;
        const at = state.received;
        backlog += bytes.byteLength;
        writing = writing
          .then(() => file.write(bytes, 0, bytes.byteLength, at))
          .then(() => {
            backlog -= bytes.byteLength;
          });
        writing.catch(() => undefined); // handled: awaited below
        state.sha256.update(bytes);
        state.md5?.update(bytes);
        state.received += bytes.byteLength;
        report.update({ received: state.received, total: state.total });
        if (backlog > MAX_BACKLOG) await writing;
      }
    } finally {
      // A failed write (a full disk) ends the download: it is no reason to retry.
      await writing;
    }
    if (state.total !== undefined && state.received !== state.total) {
      const short = state.received < state.total;
      const what = `the body ended after ${state.received} of ${state.total} bytes`;
      if (!short) restart(state);
      throw new Retryable(short ? what : `${what} (more than announced)`, 'broken');
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

function statusAdvice(status: number): string {
  if (status === 404 || status === 410) return 'there is no file at that URL; check it';
  if (status === 401 || status === 403)
    return 'the server refused it; check the URL and whether it needs a login';
  return 'check the URL';
}

function contentLength(headers: Headers): number | undefined {
  const value = headers.get('content-length');
  if (value === null || !/^\s*\d+\s*$/.test(value)) return undefined;
  return Number(value);
}

function parseContentRange(value: string | null): { start: number; size: number | undefined } | undefined {
  const m = value ? /^\s*bytes\s+(?:(\d+)-\d+|\*)\/(\d+|\*)\s*$/i.exec(value) : null;
  if (!m) return undefined;
  return { start: m[1] === undefined ? -1 : Number(m[1]), size: m[2] === '*' ? undefined : Number(m[2]) };
}

function validatorOf(headers: Headers): string | undefined {
  const etag = headers.get('etag');
  // If-Range takes only strong validators.
  if (etag && !etag.startsWith('W/')) return etag;
  return headers.get('last-modified') ?? undefined;
}

function check(algorithm: string, actual: string, expected: string | undefined, url: string): void {
  if (expected !== undefined && actual !== expected.toLowerCase())
    throw new ChecksumError(
      `the download of ${url} has ${digestName(algorithm)} ${actual}, expected ${expected}: the file is corrupted or not the published one; nothing was saved, try again`,
    );
}

interface Reporter {
  update(progress: Progress): void;
  /** A remark shown beside the bar, such as a retry. */
  note(text: string): void;
  stop(): void;
}

const silent: Reporter = { update: () => undefined, note: () => undefined, stop: () => undefined };

function reporter(progress: DownloadOptions['progress'], name: string): Reporter {
  if (typeof progress === 'function') return { ...silent, update: progress };
  const tty = process.stderr.isTTY === true;
  if (progress === false || (progress === undefined && !tty)) return silent;
  const bar = new SingleBar({
    format: `${name} [{bar}] {percentage}% | {mb}/{totalMb} MB{note}`,
    stream: process.stderr,
    hideCursor: true,
    noTTYOutput: !tty,
    notTTYSchedule: 10_000,
  });
  const mb = (b: number) => (b / 1e6).toFixed(1);
  let started = false;
  let total: number | undefined;
  let note = '';
  const payload = (received: number) => ({ mb: mb(received), totalMb: total ? mb(total) : '?', note });
  return {
    update({ received, total: t }) {
      if (!started) {
        started = true;
        total = t;
        bar.start(t ?? 0, received, payload(received));
        return;
      }
      if (t !== total) {
        total = t;
        bar.setTotal(t ?? 0);
      }
      bar.update(received, payload(received));
    },
    note(text) {
      note = ` (${text})`;
      if (started) bar.update({ note });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

function describe(e: unknown): string {
  const err = e as { message?: string; cause?: { message?: string; code?: string } };
  // A system error's code (ECONNREFUSED, ENOTFOUND) says more than its message; undici's codes say less.
  const code = err.cause?.code;
  const cause = code && !code.startsWith('UND_ERR') ? code : (err.cause?.message ?? code);
  return [err.message, cause].filter(Boolean).join(': ') || String(e);
}
