import { type CacheEntry, cacheDir, clearCache, listCache, verifyCache } from '@xai-ts/zoo/node';
import type { Command } from 'commander';
import type { CliIO } from './io.js';

/** What `xai cache` does: list the cached weights, check them again, or remove them. */
export type CacheAction = 'ls' | 'verify' | 'clear';

/** Options of {@link cacheCommand}. */
export interface CacheCommandOptions {
  /** The cache directory (default: `$XAI_TS_CACHE`, `$XDG_CACHE_HOME/xai-ts`, `~/.cache/xai-ts`). */
  dir?: string | undefined;
  /** `clear`: only this file. */
  name?: string | undefined;
}

/**
 * `xai cache ls | verify | clear [name]`: the zoo's weights cache. `ls` lists each file with its size and how it is
 * checked (a pinned digest, or its format only); `verify` checks every file again and removes the bad ones, so that
 * the next use downloads them again (exit code 1 if any was bad); `clear` removes every file, or the one named.
 *
 * @param io - where to write
 * @param action - `ls`, `verify` or `clear`
 * @param options - the cache directory, and for `clear` one file's name
 * @returns the exit code: 0, or 1 when `verify` found bad files
 * @throws ZooError (from `@xai-ts/zoo`, exit code 2) when `clear` is given a name the cache does not hold
 *
 * @example
 * ```ts
 * process.exitCode = await cacheCommand({ stdout: process.stdout, stderr: process.stderr }, 'verify');
 * ```
 */
export async function cacheCommand(
  io: CliIO,
  action: CacheAction,
  options: CacheCommandOptions = {},
): Promise<number> {
  const dir = cacheDir(options.dir);
  if (action === 'ls') {
    const entries = await listCache(dir);
    io.stdout.write(`cache: ${dir}\n`);
    if (entries.length === 0) {
      io.stdout.write('(empty)\n');
      return 0;
    }
    const width = Math.max(...entries.map((e) => e.name.length));
    for (const e of entries)
      io.stdout.write(`${e.name.padEnd(width)}  ${size(e.bytes).padStart(9)}  ${pinText(e)}\n`);
    const total = entries.reduce((a, e) => a + e.bytes, 0);
    io.stdout.write(`${plural(entries.length, 'file')}, ${size(total)}\n`);
    return 0;
  }
  if (action === 'verify') {
    const checks = await verifyCache({ dir });
    io.stdout.write(`cache: ${dir}\n`);
    for (const c of checks)
      io.stdout.write(
        c.problem === undefined
          ? `ok   ${c.entry.name}\n`
          : `BAD  ${c.entry.name}: ${c.problem}${c.removed ? ' (removed)' : ''}\n`,
      );
    const bad = checks.filter((c) => c.problem !== undefined).length;
    io.stdout.write(
      `${plural(checks.length, 'file')} checked, ${bad} bad${bad ? ': removed, the next use downloads them again' : ''}\n`,
    );
    return bad ? 1 : 0;
  }
  const removed = await clearCache({ dir, ...(options.name !== undefined ? { name: options.name } : {}) });
  io.stdout.write(`removed ${plural(removed.length, 'file')} from ${dir}\n`);
  return 0;
}

/**
 * Adds `xai cache ls | verify | clear` to the command line.
 *
 * @param root - the `xai` command
 * @param io - where to write
 * @param exit - receives the exit code
 */
export function addCacheCommand(root: Command, io: CliIO, exit: (code: number) => void): void {
  const cache = root
    .command('cache')
    .description('the downloaded weights: list them, check them again, or remove them');
  const dirOption = [
    '--cache-dir <dir>',
    'the cache directory (default: $XAI_TS_CACHE, $XDG_CACHE_HOME/xai-ts, ~/.cache/xai-ts)',
  ] as const;
  const run = (action: CacheAction) => async (name: unknown, opts: unknown) => {
    // commander passes (options, command) to an action without arguments, (argument, options, command) with one
    const options = (action === 'clear' ? opts : name) as { cacheDir?: string };
    exit(
      await cacheCommand(io, action, {
        dir: options.cacheDir,
        name: action === 'clear' ? (name as string | undefined) : undefined,
      }),
    );
  };
  cache
    .command('ls')
    .description('list the cached files, their sizes, and whether each is pinned by a digest')
    .option(...dirOption)
    .option('--verbose', 'print the stack trace of an error')
    .action(run('ls'));
  cache
    .command('verify')
    .description('check every cached file again (digest or format) and remove bad ones; exit code 1 if any')
    .option(...dirOption)
    .option('--verbose', 'print the stack trace of an error')
    .action(run('verify'));
  cache
    .command('clear')
    .description('remove every cached file, or the one named')
    .argument('[name]', 'a file name as `xai cache ls` shows it')
    .option(...dirOption)
    .option('--verbose', 'print the stack trace of an error')
    .action(run('clear'));
}

function pinText(e: CacheEntry): string {
  if (!e.pin) return 'not pinned (format checked)';
  const algorithm = e.pin.algorithm === 'sha256' ? 'SHA-256' : 'MD5';
  return e.pin.from === 'publisher'
    ? `pinned: ${algorithm} from the publisher`
    : `pinned: ${algorithm} recorded at download (and format checked)`;
}

function size(bytes: number): string {
  if (bytes < 1e3) return `${bytes} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e9).toFixed(2)} GB`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
