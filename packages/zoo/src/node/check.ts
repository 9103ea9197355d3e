import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { contentProblem, formatOfName, type ReadAt, type WeightsFormat } from '../formats/check.js';

/** The digests a file must have; a file without any is checked by its format instead. */
export interface Pins {
  /** SHA-256, hex. */
  sha256?: string | undefined;
  /** MD5, hex. */
  md5?: string | undefined;
}

/** Why a file failed its check: a digest that differs, or content that is not the expected format. */
export interface FileProblem {
  /** `checksum`: a pinned digest differs; `content`: the format check failed. */
  kind: 'checksum' | 'content';
  /** What was found, for a message. */
  detail: string;
}

/**
 * Checks a file on disk: against its pinned digests when it has any, else against the format its name promises
 * (see `contentProblem`). `recorded` is a SHA-256 measured when an unpinned file was downloaded: it is checked too,
 * but does not replace the format check (a file cached by an older version without one may be an HTML page).
 *
 * @param path - the file
 * @param pins - the publisher's digests, if any
 * @param recorded - the SHA-256 recorded at download, if any
 * @returns the problem, or `undefined` when the file is good
 */
export async function checkFile(
  path: string,
  pins: Pins,
  recorded?: string,
  format: WeightsFormat | undefined = formatOfName(path),
): Promise<FileProblem | undefined> {
  const pinned = Boolean(pins.sha256 || pins.md5);
  if (!pinned) {
    const handle = await open(path, 'r');
    try {
      const problem = await contentProblem(readerOf(handle), (await handle.stat()).size, format);
      if (problem) return { kind: 'content', detail: problem };
    } finally {
      await handle.close();
    }
  }
  const checks: [string, string | undefined][] = [
    ['sha256', pins.sha256 ?? (pinned ? undefined : recorded)],
    ['md5', pins.md5],
  ];
  for (const [algorithm, expected] of checks) {
    if (!expected) continue;
    const actual = await digestFile(path, algorithm);
    if (actual !== expected.toLowerCase())
      return { kind: 'checksum', detail: `${digestName(algorithm)} ${actual}, expected ${expected}` };
  }
  return undefined;
}

/** `SHA-256` or `MD5`, as messages write them. */
export function digestName(algorithm: string): string {
  return algorithm === 'sha256' ? 'SHA-256' : algorithm.toUpperCase();
}

/** A {@link ReadAt} over an open file. */
export function readerOf(handle: FileHandle): ReadAt {
  return async (offset, length) => {
    const buffer = new Uint8Array(length);
    const { bytesRead } = await handle.read(buffer, 0, length, offset);
    return buffer.subarray(0, bytesRead);
  };
}

/** The hex digest of a file, streamed. */
export function digestFile(path: string, algorithm: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash(algorithm);
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
