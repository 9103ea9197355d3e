import { rmSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/*
 * The `.part` files of downloads in progress. Each is named after its target, the process and a counter
 * (`.<file>.<pid>.<time>-<n>.part`), so that a later process can tell whether its writer is gone. While any is
 * open, handlers for SIGINT, SIGTERM and exit remove them; the handlers go away with the last one.
 */

const live = new Set<string>();
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
let counter = 0;

/** The name of a new temporary file beside `dest`, unique to this process and call. */
export function tempPathFor(dest: string): string {
  return join(dirname(dest), `.${basename(dest)}.${process.pid}.${Date.now()}-${++counter}.part`);
}

const PART = /^\..+\.(\d+)\.\d+(?:-\d+)?\.part$/;

/** Whether a name is one of {@link tempPathFor}'s. */
export function isTempName(name: string): boolean {
  return PART.test(name);
}

/**
 * Registers a temporary file of this process, to be removed if the process is interrupted or exits before it is
 * renamed or removed; the returned function unregisters it (and removes the handlers after the last one).
 */
export function holdTempFile(path: string): () => void {
  live.add(path);
  if (live.size === 1) install();
  return () => {
    if (!live.delete(path)) return;
    if (live.size === 0) uninstall();
  };
}

function removeLive(): void {
  for (const path of live) rmSync(path, { force: true });
  live.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  removeLive();
  uninstall();
  // Listening turned off the default action (exit); give it back unless someone else handles the signal. The
  // handler runs first (prepended), so every other listener is still registered here.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function install(): void {
  for (const s of SIGNALS) process.prependListener(s, onSignal);
  process.on('exit', removeLive);
}

function uninstall(): void {
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  process.removeListener('exit', removeLive);
}

// A download silent this long is dead even if its process id is taken (the stall timeout ends live ones sooner).
const ABANDONED_MS = 60 * 60 * 1000;

/**
 * Removes the `.part` files in `dir` that no download is writing any more: those of processes that are gone, those
 * of this process that it does not hold (a process before it had the same id), and those untouched for an hour.
 *
 * @returns the names removed
 */
export async function removeStaleTempFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const match = PART.exec(name);
    if (!match) continue;
    const path = join(dir, name);
    const pid = Number(match[1]);
    let stale = pid === process.pid ? !live.has(path) : !alive(pid);
    if (!stale) {
      const modified = await stat(path).then(
        (s) => s.mtimeMs,
        () => undefined,
      );
      stale = modified !== undefined && Date.now() - modified > ABANDONED_MS;
    }
    if (stale) {
      await rm(path, { force: true });
      removed.push(name);
    }
  }
  return removed;
}

function alive(pid: number): boolean {
  if (!(pid > 0)) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
