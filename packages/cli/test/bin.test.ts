import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

describe('the built xai bin', () => {
  it('exists (turbo builds the package before its tests)', () => {
    expect(existsSync(bin), `${bin} is missing: run pnpm --filter @xai-ts/cli build first`).toBe(true);
  });

  it('runs under node: a missing image is one line on stderr and exit code 2', () => {
    const run = spawnSync(process.execPath, [bin, 'explain', 'no-such-image.png', '--out', 'unused'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.stderr).toBe('xai: no image at no-such-image.png\n');
    expect(run.stdout).toBe('');
    expect(run.status).toBe(2);
  });

  it('checks the demo model, without TF.js banners on stderr', () => {
    const run = spawnSync(process.execPath, [bin, 'check', 'demo'], { encoding: 'utf8', timeout: 30_000 });
    expect(run.stderr).toBe(''); // no TF.js banners
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('model check of demo: passed, 10 layers');
  });
});
