import type { Stats } from 'node:fs';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { CliError } from './errors.js';

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? 'an error';
}

/** Why a folder or file could not be made, in words. */
function why(error: unknown): string {
  const code = codeOf(error);
  const words: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'a read-only file system',
    ENOSPC: 'no space left on the device',
    // mkdir in /proc: the parent exists, yet the kernel answers ENOENT
    ENOENT: 'the file system takes no new entries there',
  };
  return words[code] ?? code;
}

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (e) {
    // ENOTDIR: a file stands where a folder on the way should be; the walk up finds and names it
    if (codeOf(e) === 'ENOENT' || codeOf(e) === 'ENOTDIR') return undefined;
    throw new CliError(
      `cannot reach the output folder ${path} (${codeOf(e)}); choose a folder you can write to with --out`,
    );
  }
}

/**
 * Checks that files can be written in an existing folder, by writing and removing an empty probe file: permission
 * bits alone do not say it (root ignores them; a read-only file system does not show in them).
 *
 * @param folder - an existing folder
 * @param out - the folder as the user named it, for the message
 * @throws {@link CliError} naming the folder and what to do
 */
export async function assertWritable(folder: string, out = folder): Promise<void> {
  const probe = join(folder, `.xai-write-check-${process.pid}`);
  try {
    await writeFile(probe, '', { flag: 'wx' });
  } catch (e) {
    throw new CliError(
      `cannot write to the output folder ${out} (${why(e)}); choose a folder you can write to with --out, or change its permissions`,
    );
  }
  await rm(probe, { force: true });
}

/**
 * Makes the output folder ready before anything slow happens (loading a model, explaining): creates it and its
 * missing parents, and checks that files can be written in it. Each failure is one {@link CliError} that names the
 * path and what to do: a file where the folder (or a folder above it) should be, a folder that may not be written.
 * Folders are created one at a time: Node's recursive `mkdir` never returns for a path under `/proc`.
 *
 * @param out - the `--out` folder as given
 * @returns the folder's absolute path
 *
 * @example
 * ```ts
 * await prepareOutputFolder('maps'); // before loadModel
 * ```
 */
export async function prepareOutputFolder(out: string): Promise<string> {
  const target = resolve(out);
  const missing: string[] = [];
  let existing = target;
  let found = await statOrUndefined(existing);
  while (!found) {
    missing.unshift(existing);
    const parent = dirname(existing);
    if (parent === existing) break;
    existing = parent;
    found = await statOrUndefined(existing);
  }
  if (found && !found.isDirectory())
    throw new CliError(
      existing === target
        ? `--out ${out} is a file, not a folder; give a folder to write to (it is created if missing), or move the file away`
        : `cannot create the output folder ${out}: ${existing} is a file, not a folder; give another --out`,
    );
  for (const folder of missing) {
    try {
      await mkdir(folder);
    } catch (e) {
      if (codeOf(e) === 'EEXIST' && (await statOrUndefined(folder))?.isDirectory()) continue; // made meanwhile
      throw new CliError(
        `cannot create the output folder ${out} in ${dirname(folder)} (${why(e)}); choose a folder you can write to with --out`,
      );
    }
  }
  await assertWritable(target, out);
  return target;
}
