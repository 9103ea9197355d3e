import { XaiError } from '@xai-ts/base';
import { ZooError } from '@xai-ts/zoo';

/**
 * A mistake in how the `xai` command was called or in what it was given (a missing file, an unreadable image, an
 * unknown method or composite, a class out of range): the command prints its message as one line on stderr and
 * exits with code 2.
 *
 * @example
 * ```ts
 * throw new CliError("unknown method 'lrpp': use lrp, crp, gradient, ...");
 * ```
 */
export class CliError extends XaiError {
  override name = 'CliError';
}

/**
 * An error as one line: the message's lines joined, list markers dropped. TF.js, the zoo and the model check write
 * multi-line messages; the command line shows one.
 */
export function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const lines = message
    .split('\n')
    .map((l) => l.trim().replace(/^- /, ''))
    .filter((l) => l.length > 0);
  if (lines.length <= 1) return lines[0] ?? (error instanceof Error ? error.name : 'unknown error');
  // "LRP cannot explain this model (2 problems):" + items -> "...: a; b"
  const [head, ...rest] = lines;
  return `${head!}${head!.endsWith(':') ? ' ' : '; '}${rest.join('; ')}`;
}

/**
 * The exit code of an error: 2 for a mistake in what the command was given (the packages' own errors, which name
 * what was wrong: `XaiError`s and the zoo's `ZooError`s, and file-system errors such as ENOENT or EACCES), 1 for
 * anything else (a bug, or a failure inside TF.js).
 */
export function exitCodeOf(error: unknown): 1 | 2 {
  if (error instanceof XaiError || error instanceof ZooError) return 2;
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' ? 2 : 1;
}
