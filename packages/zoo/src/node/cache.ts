import { homedir } from 'node:os';
import { join } from 'node:path';

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
