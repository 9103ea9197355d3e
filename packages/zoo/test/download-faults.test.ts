import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultServer, HTML_PAGE, startFaultServer } from '../../../scripts/fault-server.mjs';
import { ChecksumError, DownloadError, UnexpectedContentError } from '../src/errors.js';
import { type DownloadOptions, downloadFile, ensureWeightsFile } from '../src/node/index.js';
import type { WeightsFile } from '../src/vgg/sources.js';

// Every fault must end in a typed error or the right file: never a bad file at the destination, never a `.part`
// left behind. Nothing here waits on a clock except the stall timeout itself: the stall fault sends nothing until
// the client closes, and the other faults get a stall timeout far longer than they need.
let server: FaultServer;
const dirs: string[] = [];

beforeAll(async () => {
  server = await startFaultServer();
});
afterAll(async () => {
  await server.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const quick: DownloadOptions = { stallMs: 5000, retries: 2, backoffMs: 10, progress: false };
const stalls: DownloadOptions = { ...quick, stallMs: 300 };

let count = 0;
/** A fault URL of its own, so that `?times` counts only this test's requests. */
const urlOf = (fault: string, query = '') => `${server.url}/${fault}/w${++count}.safetensors${query}`;
const requestsTo = (url: string) => server.requests.filter((r) => url.endsWith(r.url));

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'xai-faults-'));
  dirs.push(d);
  return d;
}

interface Outcome {
  error: unknown;
  /** What is in the directory afterwards. */
  files: string[];
}

async function download(url: string, options: DownloadOptions = quick): Promise<Outcome> {
  const dir = tempDir();
  const dest = join(dir, 'w.safetensors');
  let error: unknown;
  try {
    const result = await downloadFile(url, dest, options);
    expect(result).toEqual({ bytes: server.body.byteLength, sha256: server.sha256 });
  } catch (e) {
    error = e;
  }
  const files = readdirSync(dir);
  if (error === undefined) {
    expect(files).toEqual(['w.safetensors']);
    expect(new Uint8Array(readFileSync(dest))).toEqual(server.body);
  } else expect(files).toEqual([]);
  return { error, files };
}

async function fails(url: string, type: new (...args: never[]) => Error, message: RegExp, options = quick) {
  const { error } = await download(url, options);
  expect(error).toBeInstanceOf(type);
  expect((error as Error).message).toMatch(message);
  expect((error as Error).message).toContain(url);
  return error as Error;
}

describe('downloadFile against a faulty server', () => {
  const half = () => Math.floor(server.body.byteLength / 2);

  it('downloads a good file', async () => {
    await download(urlOf('ok'));
  });

  it('retries a body cut off before its Content-Length, resuming with Range', async () => {
    const url = urlOf('truncated', '?times=1');
    await download(url);
    const later = requestsTo(url).slice(1);
    expect(later.some((r) => r.range === `bytes=${half()}-`)).toBe(true);
    await fails(urlOf('truncated'), DownloadError, /broke off after \d+ of \d+ bytes.*\(3 attempts\)/);
  });

  it('rejects a cut-off body without Content-Length by its format, without retrying', async () => {
    const url = urlOf('truncated-no-length');
    const error = await fails(
      url,
      UnexpectedContentError,
      /is not the file it should be: it is \d+ bytes, expected a safetensors file: the tensors need \d+ bytes of data but the file has \d+ \(cut off\?\)/,
    );
    expect(error.message).toMatch(/Nothing was saved\. Check the URL/);
    expect(requestsTo(url)).toHaveLength(1);
    await fails(urlOf('truncated-no-length'), ChecksumError, /has SHA-256 [0-9a-f]{64}, expected/, {
      ...quick,
      sha256: server.sha256,
    });
  });

  it('rejects an HTML page served with status 200', async () => {
    const error = await fails(
      urlOf('html'),
      UnexpectedContentError,
      /it is an HTML page \(starts with '<!DOCTYPE html>'\), expected a safetensors file/,
    );
    expect(error).toBeInstanceOf(DownloadError);
    expect(HTML_PAGE.startsWith('<!DOCTYPE html>')).toBe(true);
  });

  it('does not retry 404, and names the URL and the status', async () => {
    const url = urlOf('not-found');
    await fails(url, DownloadError, /answered HTTP 404 Not Found: there is no file at that URL/);
    expect(requestsTo(url)).toHaveLength(1);
  });

  it('retries HTTP 500 with backoff, and gives up after the retries', async () => {
    await download(urlOf('server-error', '?times=2'));
    const url = urlOf('server-error');
    await fails(
      url,
      DownloadError,
      /answered HTTP 500 Internal Server Error \(3 attempts\); the server has trouble/,
    );
    expect(requestsTo(url)).toHaveLength(3);
  });

  it('gives up on a stalled connection after stallMs and resumes on the retry', async () => {
    const url = urlOf('stall', '?times=1');
    await download(url, stalls);
    expect(
      requestsTo(url)
        .slice(1)
        .some((r) => r.range === `bytes=${half()}-`),
    ).toBe(true);
    await fails(
      urlOf('stall'),
      DownloadError,
      /stalled: no data for 0\.3 s after \d+ bytes \(3 attempts\)/,
      stalls,
    );
  });

  it('retries a reset connection', async () => {
    await download(urlOf('reset', '?times=2'));
    await fails(urlOf('reset'), DownloadError, /\(3 attempts\)/);
  });

  it('lets a slow trickle finish: only silence counts, not the total time', async () => {
    // 30 pieces 40 ms apart: over a second in all, each gap far below the stall timeout
    await download(urlOf('trickle'), { ...quick, stallMs: 1000 });
  });

  it('rejects a file that does not match its pinned checksum', async () => {
    await fails(urlOf('wrong-checksum'), ChecksumError, /has SHA-256 [0-9a-f]{64}, expected [0-9a-f]{64}/, {
      ...quick,
      sha256: server.sha256,
    });
    const md5 = createHash('md5').update(server.body).digest('hex');
    await fails(urlOf('wrong-checksum'), ChecksumError, /has MD5/, { ...quick, md5 });
  });

  it('starts over when a server ignores Range or answers the wrong range', async () => {
    const ignored = urlOf('range-ignored');
    await download(ignored);
    expect(requestsTo(ignored)[1]?.range).toBe(`bytes=${half()}-`);
    await download(urlOf('bad-range'));
  });

  it('reports a host that refuses connections', async () => {
    const { error } = await download('http://127.0.0.1:1/w.safetensors');
    expect(error).toBeInstanceOf(DownloadError);
    expect((error as Error).message).toMatch(/could not download http:\/\/127\.0\.0\.1:1\/w\.safetensors/);
  });

  it('leaves no signal or exit handlers behind', async () => {
    const before = ['SIGINT', 'SIGTERM', 'exit'].map((e) => process.listenerCount(e));
    let during: number[] = [];
    await downloadFile(urlOf('ok'), join(tempDir(), 'w.safetensors'), {
      ...quick,
      progress: () => {
        during = ['SIGINT', 'SIGTERM', 'exit'].map((e) => process.listenerCount(e));
      },
    });
    await download(urlOf('html'));
    expect(during).toEqual(before.map((n) => n + 1));
    expect(['SIGINT', 'SIGTERM', 'exit'].map((e) => process.listenerCount(e))).toEqual(before);
  });

  it('ends with one good file when two downloads of it run at once', async () => {
    const dir = tempDir();
    const dest = join(dir, 'w.safetensors');
    await Promise.all([
      downloadFile(urlOf('trickle'), dest, quick),
      downloadFile(urlOf('ok'), dest, quick),
      downloadFile(urlOf('truncated', '?times=1'), dest, quick),
    ]);
    expect(readdirSync(dir)).toEqual(['w.safetensors']);
    expect(new Uint8Array(readFileSync(dest))).toEqual(server.body);
  });
});

describe('the cache against a faulty server', () => {
  const file = (fault: string): WeightsFile => ({
    source: 'torchvision',
    format: 'safetensors',
    fileName: 'w.safetensors',
    url: urlOf(fault),
  });

  it('keeps nothing of an HTML page, and replaces a poisoned cached file', async () => {
    const dir = tempDir();
    await expect(ensureWeightsFile(file('html'), { cacheDir: dir, ...quick })).rejects.toThrow(
      UnexpectedContentError,
    );
    expect(readdirSync(dir)).toEqual([]);
    // What an older version cached from a captive portal, with the digest it measured
    writeFileSync(join(dir, 'w.safetensors'), HTML_PAGE);
    writeFileSync(
      join(dir, 'w.safetensors.sha256'),
      `${createHash('sha256').update(HTML_PAGE).digest('hex')}\n`,
    );
    const path = await ensureWeightsFile(file('ok'), { cacheDir: dir, ...quick });
    expect(new Uint8Array(readFileSync(path))).toEqual(server.body);
    expect(readFileSync(`${path}.sha256`, 'utf8').trim()).toBe(server.sha256);
    expect(readdirSync(dir).sort()).toEqual(['w.safetensors', 'w.safetensors.sha256']);
  });
});

describe('downloads in processes of their own', () => {
  const hooks = pathToFileURL(fileURLToPath(new URL('./ts-hooks.mjs', import.meta.url))).href;
  const source = pathToFileURL(fileURLToPath(new URL('../src/node/download.ts', import.meta.url))).href;
  let script: string;

  beforeAll(() => {
    script = join(tempDir(), 'child.mjs');
    // Says "receiving" once bytes arrive (its .part file exists then) and "done" at the end.
    writeFileSync(
      script,
      `import { downloadFile } from ${JSON.stringify(source)};
const [url, dest, stallMs] = process.argv.slice(2);
let said = false;
await downloadFile(url, dest, { stallMs: Number(stallMs), retries: 1, backoffMs: 10, progress: ({ received }) => {
  if (received > 0 && !said) { said = true; process.stdout.write('receiving\\n'); }
} });
process.stdout.write('done\\n');
`,
    );
  });

  function child(
    url: string,
    dest: string,
    stallMs = 60_000,
  ): { proc: ChildProcess; said: (line: string) => Promise<void> } {
    const proc = spawn(process.execPath, ['--import', hooks, script, url, dest, String(stallMs)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const waiters: [string, () => void][] = [];
    proc.stdout!.on('data', (d: Buffer) => {
      out += d;
      for (const [line, resolve] of waiters) if (out.includes(line)) resolve();
    });
    proc.stderr!.on('data', (d: Buffer) => (err += d));
    const said = (line: string) =>
      new Promise<void>((resolve, reject) => {
        if (out.includes(line)) resolve();
        waiters.push([line, resolve]);
        proc.once('exit', () =>
          out.includes(line) ? resolve() : reject(new Error(`the child ended: ${err}`)),
        );
      });
    return { proc, said };
  }

  const exited = (proc: ChildProcess) =>
    new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null)
        resolve({ code: proc.exitCode, signal: proc.signalCode });
      else proc.once('exit', (code, signal) => resolve({ code, signal }));
    });

  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    it(`removes its .part file on ${signal} and dies of the signal`, async () => {
      const dir = tempDir();
      const { proc, said } = child(urlOf('stall'), join(dir, 'w.safetensors'));
      await said('receiving');
      expect(readdirSync(dir).filter((n) => n.endsWith('.part'))).toHaveLength(1);
      proc.kill(signal);
      expect(await exited(proc)).toEqual({ code: null, signal });
      expect(readdirSync(dir)).toEqual([]);
    });

  it('removes the .part file of a killed process on the next download', async () => {
    const dir = tempDir();
    const { proc, said } = child(urlOf('stall'), join(dir, 'w.safetensors'));
    await said('receiving');
    proc.kill('SIGKILL');
    await exited(proc);
    const left = readdirSync(dir);
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(new RegExp(`^\\.w\\.safetensors\\.${proc.pid}\\.\\d+-\\d+\\.part$`));
    await downloadFile(urlOf('ok'), join(dir, 'w.safetensors'), quick);
    expect(readdirSync(dir)).toEqual(['w.safetensors']);
  });

  it('ends with one good file when two processes download it at once', async () => {
    const dir = tempDir();
    const dest = join(dir, 'w.safetensors');
    const a = child(urlOf('trickle'), dest);
    const b = child(urlOf('truncated', '?times=1'), dest);
    await Promise.all([a.said('done'), b.said('done')]);
    expect((await exited(a.proc)).code).toBe(0);
    expect((await exited(b.proc)).code).toBe(0);
    expect(readdirSync(dir)).toEqual(['w.safetensors']);
    expect(existsSync(dest) && new Uint8Array(readFileSync(dest))).toEqual(server.body);
  });
});
