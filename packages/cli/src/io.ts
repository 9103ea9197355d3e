/**
 * A text stream the command writes to: `process.stdout` or `process.stderr`, or a collector in tests.
 *
 * @example
 * ```ts
 * let text = '';
 * const collect: OutputStream = { write: (s: string) => (text += s) };
 * ```
 */
export interface OutputStream {
  /** Writes text. */
  write(text: string): unknown;
  /** Whether the stream is a terminal (progress bars are drawn only on terminals). */
  readonly isTTY?: boolean;
}

/**
 * Where the command writes: its output and its diagnostics. Default: the process's streams.
 *
 * @example
 * ```ts
 * let out = '';
 * const io: CliIO = { stdout: { write: (s: string) => (out += s) }, stderr: process.stderr };
 * await main(['check', 'demo'], io);
 * ```
 */
export interface CliIO {
  /** Results: predictions, tables, where files went. */
  readonly stdout: OutputStream;
  /** Errors and progress bars. */
  readonly stderr: OutputStream;
}
