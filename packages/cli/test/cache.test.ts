import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tensorToImages } from '@xai-ts/heatmap';
import { encodePNG } from '@xai-ts/heatmap/node';
import { demoDataset, writeSafetensors } from '@xai-ts/zoo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultServer, HTML_PAGE, startFaultServer } from '../../../scripts/fault-server.mjs';
import { tempDir, xai } from './helpers.js';

const dir = tempDir('cache');
const image = join(dir, 'shape.png');
const good = writeSafetensors(new Map([['w', { shape: [4], data: new Float32Array([1, 2, 3, 4]) }]]));
const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
let server: FaultServer;
const savedCache = process.env.XAI_TS_CACHE;

beforeAll(async () => {
  const { images, masks } = demoDataset({ n: 1, seed: 3 });
  writeFileSync(image, encodePNG(tensorToImages(images, { range: [0, 1] })[0]!));
  images.dispose();
  masks.dispose();
  server = await startFaultServer();
});
afterAll(async () => {
  await server.close();
  if (savedCache === undefined) delete process.env.XAI_TS_CACHE;
  else process.env.XAI_TS_CACHE = savedCache;
});

/** A cache with a good file, an HTML page cached by an older version, and a keras file that fails its MD5. */
function fill(cache: string): void {
  mkdirSync(cache, { recursive: true });
  writeFileSync(join(cache, 'good.safetensors'), good);
  writeFileSync(join(cache, 'good.safetensors.sha256'), `${sha(good)}\n`);
  writeFileSync(join(cache, 'portal.safetensors'), HTML_PAGE);
  writeFileSync(join(cache, 'portal.safetensors.sha256'), `${sha(HTML_PAGE)}\n`);
  writeFileSync(join(cache, 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5'), 'not the keras file');
}

describe('xai cache', () => {
  it('ls lists files, sizes and pins', async () => {
    const cache = join(dir, 'ls');
    fill(cache);
    const run = await xai('cache', 'ls', '--cache-dir', cache);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe(`cache: ${cache}`);
    expect(lines[1]).toMatch(/^good\.safetensors +80 B {2}pinned: SHA-256 recorded at download/);
    expect(lines[2]).toMatch(/^portal\.safetensors +\d+ B {2}pinned: SHA-256 recorded at download/);
    expect(lines[3]).toMatch(
      /^vgg16_weights_tf_dim_ordering_tf_kernels_notop\.h5 +18 B {2}pinned: MD5 from the publisher$/,
    );
    expect(lines[4]).toMatch(/^3 files, \d+ B$/);
    expect((await xai('cache', 'ls', '--cache-dir', join(dir, 'none'))).stdout).toBe(
      `cache: ${join(dir, 'none')}\n(empty)\n`,
    );
  });

  it('verify removes bad files and exits 1, then 0', async () => {
    const cache = join(dir, 'verify');
    fill(cache);
    writeFileSync(join(cache, '.good.safetensors.999999999.1-1.part'), 'left by a dead process');
    const run = await xai('cache', 'verify', '--cache-dir', cache);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('ok   good.safetensors\n');
    expect(run.stdout).toMatch(
      /BAD {2}portal\.safetensors: is an HTML page \(starts with '<!DOCTYPE html>'\), expected a safetensors file \(removed\)/,
    );
    expect(run.stdout).toMatch(
      /BAD {2}vgg16_.*_notop\.h5: has MD5 [0-9a-f]{32}, expected 6d6bbae143d832006294945121d1f1fc \(removed\)/,
    );
    expect(run.stdout).toMatch(/3 files checked, 2 bad: removed, the next use downloads them again\n$/);
    expect(readdirSync(cache).sort()).toEqual(['good.safetensors', 'good.safetensors.sha256']);
    expect((await xai('cache', 'verify', '--cache-dir', cache)).code).toBe(0);
  });

  it('clear removes one file by name, or all', async () => {
    const cache = join(dir, 'clear');
    fill(cache);
    const one = await xai('cache', 'clear', 'portal.safetensors', '--cache-dir', cache);
    expect(one).toMatchObject({ code: 0, stdout: `removed 1 file from ${cache}\n` });
    expect(existsSync(join(cache, 'portal.safetensors.sha256'))).toBe(false);
    const unknown = await xai('cache', 'clear', 'nothing.h5', '--cache-dir', cache);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /^xai: no file nothing\.h5 in the cache .*; it holds good\.safetensors, vgg16_/,
    );
    expect((await xai('cache', 'clear', '--cache-dir', cache)).stdout).toBe(
      `removed 2 files from ${cache}\n`,
    );
    expect(existsSync(cache)).toBe(false);
  });

  it('finds the cache through XAI_TS_CACHE', async () => {
    const cache = join(dir, 'env');
    fill(cache);
    process.env.XAI_TS_CACHE = cache;
    expect((await xai('cache', 'ls')).stdout).toContain(`cache: ${cache}\n`);
  });
});

describe('xai explain --weights URL', () => {
  it('downloads through the checked cache: an HTML page is a clear error and nothing is cached', async () => {
    const cache = join(dir, 'weights');
    process.env.XAI_TS_CACHE = cache;
    const url = `${server.url}/html/vgg11.safetensors`;
    const run = await xai('explain', image, '--model', 'vgg11', '--weights', url, '--out', join(dir, 'out'));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^xai: the download of http:\/\/127\.0\.0\.1:\d+\/html\/vgg11\.safetensors is not the file it should be: it is an HTML page/,
    );
    expect(existsSync(cache) ? readdirSync(cache) : []).toEqual([]);
    const missing = await xai(
      'explain',
      image,
      '--model',
      'vgg11',
      '--weights',
      `${server.url}/not-found/x.h5`,
      '--out',
      join(dir, 'out'),
    );
    expect(missing.stderr).toMatch(
      /^xai: downloading http:\/\/.*\/not-found\/x\.h5 answered HTTP 404 Not Found/,
    );
  });
});
