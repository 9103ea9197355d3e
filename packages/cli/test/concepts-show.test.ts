import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

// `xai concepts show` as a user runs it: the built bin on a store the bin mined.
const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const dir = tempDir('concepts-show');
const xai = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 180_000 });

describe('xai concepts show', () => {
  it('writes the atlas of a mined store, refuses a folder with other files, and overwrites on request', () => {
    const store = join(dir, 'small.sqlite');
    const mined = xai(
      'concepts',
      'mine',
      'demo',
      '--model',
      'demo',
      '--n',
      '20',
      '--shard-size',
      '10',
      '--top',
      '4',
      '--backend',
      'cpu',
      '-o',
      store,
    );
    expect(mined.status, mined.stderr).toBe(0);
    const site = join(dir, 'atlas');
    const shown = xai('concepts', 'show', store, '--out', site);
    expect(shown.status, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(
      /^wrote the atlas of \d+ concepts \(conv1, conv2, conv3\) to .*index\.html and .*live\.html\n$/,
    );
    for (const f of ['index.html', 'live.html', 'atlas-data.js'])
      expect(existsSync(join(site, f)), f).toBe(true);
    // the data the page reads: every mined channel of every layer (16 + 32 + 32)
    const data = readFileSync(join(site, 'atlas-data.js'), 'utf8');
    const json = JSON.parse(data.slice(data.indexOf('{'), data.lastIndexOf('}') + 1)) as {
      concepts: unknown[];
    };
    expect(json.concepts).toHaveLength(80);
    const other = join(dir, 'busy');
    mkdirSync(other);
    writeFileSync(join(other, 'notes.txt'), 'mine');
    const refused = xai('concepts', 'show', store, '--out', other);
    expect(refused.status).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/^xai: /);
    const again = xai('concepts', 'show', store, '--out', other, '--overwrite', '--no-live');
    expect(again.status, again.stderr).toBe(0);
    expect(existsSync(join(other, 'notes.txt'))).toBe(true);
    expect(existsSync(join(other, 'live.html'))).toBe(false);
    const missing = xai('concepts', 'show', join(dir, 'nope.sqlite'), '--out', join(dir, 'x'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^xai: no concept store at .*nope\.sqlite/);
  }, 300_000);
});
