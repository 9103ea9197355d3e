import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openStoreFile } from '@xai-ts/concepts/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

// Concept mining through a real BullMQ queue on a real Redis (Debian's redis-server, started here on 127.0.0.1 at
// a random port and stopped after): the coordinator and the workers are the built bin in processes of their own, as
// on several machines. The run is the issue's: the demo model on the demo data, n = 500, two layers, top 16. Every
// process mines on the cpu backend, so the stores are equal to the bit.

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const dir = tempDir('queue');
const RUN = [
  'demo',
  '--model',
  'demo',
  '--n',
  '500',
  '--layers',
  'conv2,conv3',
  '--top',
  '16',
  '--no-graphs',
];
// A worker's lock must outlast its longest stretch without a pause (a batch of 32 samples, a few seconds on a loaded
// machine): a lock that expires while its worker mines lets BullMQ give the shard to a second worker too (at least
// once delivery; the store still commits it once). The kill test needs a short lock so that the dead worker's shard
// comes back soon; the two-worker test, which counts how often each shard is mined, takes Redis's usual 30 s.
const LONG_LOCK_MS = '30000';
const SHORT_LOCK_MS = '10000';
const hasRedis = spawnSync('redis-server', ['--version']).status === 0;
if (!hasRedis && process.env.CI)
  throw new Error('redis-server is missing: .ci/run installs it (apt-get install redis-server)');

const children: ChildProcess[] = [];
let redis: { url: string; stop: () => Promise<void> } | undefined;
let reference = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts redis-server on a free port; a port taken in between makes it exit, and another is tried. */
async function startRedis(): Promise<{ url: string; stop: () => Promise<void> }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const proc = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const ready = await new Promise<boolean>((resolve) => {
      const lines = createInterface({ input: proc.stdout! });
      lines.on('line', (line) => {
        if (/Ready to accept connections/.test(line)) resolve(true);
      });
      proc.once('exit', () => resolve(false));
    });
    if (ready)
      return {
        url: `redis://127.0.0.1:${port}`,
        stop: () =>
          new Promise((resolve) => {
            proc.once('exit', () => resolve());
            proc.kill('SIGTERM');
          }),
      };
  }
  throw new Error('redis-server did not start on any of 5 ports');
}

/** A process of the built bin; its stdout lines go to `onLine`. */
function start(
  args: string[],
  onLine: (line: string) => void = () => {},
): ChildProcess & { ended: Promise<number> } {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  createInterface({ input: child.stdout! }).on('line', onLine);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const ended = new Promise<number>((resolve) =>
    child.once('exit', (code, signal) => {
      if (code !== 0 && signal === null) console.error(`xai ${args.join(' ')} exited ${code}:\n${stderr}`);
      resolve(code ?? -1);
    }),
  );
  return Object.assign(child, { ended, stderrText: () => stderr });
}

/** The coordinator: `xai concepts mine … --queue`, to its end; its stderr. */
async function coordinate(out: string): Promise<{ code: number; stderr: string }> {
  const child = start(['concepts', 'mine', ...RUN, '--backend', 'cpu', '--queue', redis!.url, '-o', out]);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return { code: await child.ended, stderr };
}

function worker(lockMs: string, onLine?: (line: string) => void) {
  return start(
    ['concepts', 'worker', '--queue', redis!.url, '--lock-ms', lockMs, '--backend', 'cpu'],
    onLine,
  );
}

async function dump(path: string): Promise<string> {
  const store = await openStoreFile(path);
  try {
    return store.dump();
  } finally {
    store.close();
  }
}

describe.skipIf(!hasRedis)('xai concepts mine --queue with xai concepts worker', () => {
  beforeAll(async () => {
    redis = await startRedis();
    const local = join(dir, 'local.sqlite');
    const run = spawnSync(
      process.execPath,
      [bin, 'concepts', 'mine', ...RUN, '--backend', 'cpu', '-o', local],
      {
        encoding: 'utf8',
        timeout: 300_000,
      },
    );
    expect(run.status, run.stderr).toBe(0);
    reference = await dump(local);
  }, 300_000);

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await redis?.stop();
  });

  it('two workers give a store equal to a local run', async () => {
    const started: number[][] = [[], []];
    const workers = [0, 1].map((k) =>
      worker(LONG_LOCK_MS, (line) => {
        const e = JSON.parse(line) as { type: string; shard: number };
        if (e.type === 'done') started[k]!.push(e.shard);
      }),
    );
    const out = join(dir, 'queue.sqlite');
    const { code, stderr } = await coordinate(out);
    expect(code, stderr).toBe(0);
    expect(await dump(out)).toBe(reference);
    // every shard mined once, by one of the two workers (500 samples, 50 per shard)
    expect([...started[0]!, ...started[1]!].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const w of workers) w.kill('SIGTERM');
    expect(await Promise.all(workers.map((w) => w.ended))).toEqual([0, 0]);
  }, 300_000);

  it('a worker killed in the middle of a shard: another takes the shard and the store is still equal', async () => {
    const out = join(dir, 'killed.sqlite');
    let killed: number | undefined;
    let second: ReturnType<typeof worker> | undefined;
    // the first worker is killed (SIGKILL, no goodbye) as soon as it says it took a shard; only then the second
    // starts, so the shard cannot have been finished by anyone before
    const first = worker(SHORT_LOCK_MS, (line) => {
      const e = JSON.parse(line) as { type: string; shard: number };
      if (e.type === 'started' && killed === undefined) {
        killed = e.shard;
        first.kill('SIGKILL');
        second = worker(SHORT_LOCK_MS);
      }
    });
    const { code, stderr } = await coordinate(out);
    expect(code, stderr).toBe(0);
    expect(killed).toBeDefined();
    expect(stderr).toContain(`the worker of shard ${killed} stopped; the shard goes back to the queue`);
    expect(await dump(out)).toBe(reference);
    second!.kill('SIGTERM');
    expect(await second!.ended).toBe(0);
  }, 300_000);

  it('a coordinator that cannot reach the queue says so in one line', async () => {
    const port = await freePort();
    const run = spawnSync(
      process.execPath,
      [
        bin,
        'concepts',
        'mine',
        ...RUN,
        '--queue',
        `redis://127.0.0.1:${port}`,
        '-o',
        join(dir, 'none.sqlite'),
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^xai: cannot reach the queue at redis:\/\/127\.0\.0\.1:\d+/);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    const lonely = spawnSync(
      process.execPath,
      [bin, 'concepts', 'worker', '--queue', `redis://127.0.0.1:${port}`],
      {
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expect(lonely.status).toBe(2);
    expect(lonely.stderr).toMatch(
      /^xai: cannot reach the queue at redis:\/\/127\.0\.0\.1:\d+.*start redis-server there/,
    );
  }, 120_000);
});
