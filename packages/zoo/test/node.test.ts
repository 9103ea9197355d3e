import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { encode as encodePng } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChecksumError, DownloadError, WeightsFormatError, WeightsNotFoundError } from '../src/errors.js';
import { fetchBytes, loadImage as loadImageUrl, writeSafetensors } from '../src/index.js';
import {
  cacheDir,
  downloadFile,
  ensureWeightsFile,
  fileSystem,
  loadImage,
  vgg16,
} from '../src/node/index.js';
import type { WeightsFile } from '../src/vgg/sources.js';

// A real safetensors file: the cache checks the format of files without a pinned digest.
const payload = writeSafetensors(
  new Map([
    ['w', { shape: [50_000], data: Float32Array.from({ length: 50_000 }, (_, i) => (i * 7919) % 251) }],
  ]),
);
// Failing downloads retry; these tests need no patience.
const fast = { retries: 1, backoffMs: 1 };
const sha256 = createHash('sha256').update(payload).digest('hex');
const md5 = createHash('md5').update(payload).digest('hex');
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/weights.bin') {
      res.writeHead(200, { 'content-length': payload.byteLength, connection: 'close' });
      res.end(payload);
    } else if (req.url === '/image.png') {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end(encodePng({ width: 1, height: 1, data: new Uint8Array([10, 20, 30]), channels: 3, depth: 8 }));
    } else if (req.url === '/broken.bin') {
      // Promise the whole file, send half of it, then drop the connection.
      res.writeHead(200, { 'content-length': payload.byteLength });
      res.write(payload.subarray(0, payload.byteLength / 2), () => res.destroy());
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  // A slow, loaded machine must not see a kept-alive socket closed under a reused request (ECONNRESET).
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const tempDir = () => mkdtempSync(join(tmpdir(), 'xai-zoo-'));

describe('downloadFile', () => {
  it('downloads, checks SHA-256 and MD5, and reports progress', async () => {
    const dir = tempDir();
    const seen: number[] = [];
    const res = await downloadFile(`${base}/weights.bin`, join(dir, 'w.bin'), {
      sha256,
      md5,
      progress: ({ received, total }) => {
        seen.push(received);
        expect(total).toBe(payload.byteLength);
      },
    });
    expect(res).toEqual({ bytes: payload.byteLength, sha256 });
    expect(new Uint8Array(readFileSync(join(dir, 'w.bin')))).toEqual(payload);
    expect(seen.at(-1)).toBe(payload.byteLength);
    expect(readdirSync(dir)).toEqual(['w.bin']);
  });

  it('keeps nothing when the checksum does not match', async () => {
    const dir = tempDir();
    await expect(
      downloadFile(`${base}/weights.bin`, join(dir, 'w.bin'), { sha256: '0'.repeat(64) }),
    ).rejects.toThrow(ChecksumError);
    await expect(
      downloadFile(`${base}/weights.bin`, join(dir, 'w.bin'), { md5: '0'.repeat(32) }),
    ).rejects.toThrow(/has MD5 [0-9a-f]{32}, expected 0{32}/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('keeps nothing when the connection drops mid-file', async () => {
    const dir = tempDir();
    await expect(
      downloadFile(`${base}/broken.bin`, join(dir, 'w.bin'), { progress: false, ...fast }),
    ).rejects.toThrow(DownloadError);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reports HTTP errors and unreachable hosts', async () => {
    const dir = tempDir();
    await expect(downloadFile(`${base}/missing`, join(dir, 'w.bin'))).rejects.toThrow(/HTTP 404/);
    await expect(downloadFile('http://127.0.0.1:1/x', join(dir, 'w.bin'), fast)).rejects.toThrow(
      /could not download/,
    );
  });
});

describe('ensureWeightsFile and the cache', () => {
  const file = (): WeightsFile => ({
    source: 'torchvision',
    format: 'safetensors',
    fileName: 'test.safetensors',
    url: `${base}/weights.bin`,
  });

  it('downloads once, records the SHA-256, then works offline and catches corruption', async () => {
    const dir = tempDir();
    const path = await ensureWeightsFile(file(), { cacheDir: dir, progress: false });
    expect(path).toBe(join(dir, 'test.safetensors'));
    expect(readFileSync(`${path}.sha256`, 'utf8').trim()).toBe(sha256);
    expect(
      await ensureWeightsFile({ ...file(), url: `${base}/missing` }, { cacheDir: dir, offline: true }),
    ).toBe(path);
    writeFileSync(path, 'tampered');
    const err = await ensureWeightsFile(file(), { cacheDir: dir, offline: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WeightsFormatError);
    expect((err as Error).message).toMatch(/it is text \(starts with 'tampered'\).* removed from the cache/);
    expect(existsSync(path)).toBe(false);
    // online, a bad cached file is fetched again
    writeFileSync(path, payload.subarray(0, 1000));
    writeFileSync(
      `${path}.sha256`,
      `${createHash('sha256').update(payload.subarray(0, 1000)).digest('hex')}\n`,
    );
    expect(await ensureWeightsFile(file(), { cacheDir: dir, progress: false })).toBe(path);
    expect(new Uint8Array(readFileSync(path))).toEqual(payload);
    expect(readFileSync(`${path}.sha256`, 'utf8').trim()).toBe(sha256);
  });

  it('checks a publisher digest', async () => {
    const dir = tempDir();
    await expect(ensureWeightsFile({ ...file(), md5: 'f'.repeat(32) }, { cacheDir: dir })).rejects.toThrow(
      ChecksumError,
    );
    await ensureWeightsFile({ ...file(), md5 }, { cacheDir: dir });
  });

  it('says where to put the file when offline', async () => {
    const dir = tempDir();
    const err = await ensureWeightsFile(file(), { cacheDir: dir, offline: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WeightsNotFoundError);
    expect((err as Error).message).toContain(join(dir, 'test.safetensors'));
    expect((err as Error).message).toContain(`${base}/weights.bin`);
    await expect(ensureWeightsFile(file(), { path: join(dir, 'nope.safetensors') })).rejects.toThrow(
      /no weights file at .*nope.safetensors/,
    );
  });

  it('finds the cache directory from the option, XAI_TS_CACHE, XDG_CACHE_HOME, or ~/.cache', () => {
    const saved = { a: process.env.XAI_TS_CACHE, b: process.env.XDG_CACHE_HOME };
    try {
      delete process.env.XAI_TS_CACHE;
      process.env.XDG_CACHE_HOME = '/xdg';
      expect(cacheDir()).toBe('/xdg/xai-ts');
      process.env.XAI_TS_CACHE = '/custom';
      expect(cacheDir()).toBe('/custom');
      expect(cacheDir('/explicit')).toBe('/explicit');
      delete process.env.XAI_TS_CACHE;
      delete process.env.XDG_CACHE_HOME;
      expect(cacheDir()).toMatch(/\.cache[/\\]xai-ts$/);
    } finally {
      for (const [k, v] of [
        ['XAI_TS_CACHE', saved.a],
        ['XDG_CACHE_HOME', saved.b],
      ] as const)
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
  });

  it('fails a pretrained VGG offline before building anything', async () => {
    const dir = tempDir();
    await expect(vgg16({ pretrained: true, offline: true, cacheDir: dir })).rejects.toThrow(
      /timm-vgg16.tv_in1k.safetensors is not in the cache/,
    );
  });
});

describe('fileSystem IO handler', () => {
  it('saves model.json with 4 MB shards and loads the same model back', async () => {
    const dir = tempDir();
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [1200], units: 1100, activation: 'relu', name: 'big' }),
        tf.layers.dense({ units: 3, name: 'out' }),
      ],
    });
    await model.save(fileSystem(dir));
    expect(readdirSync(dir).sort()).toEqual(['group1-shard1of2.bin', 'group1-shard2of2.bin', 'model.json']);
    const loaded = await tf.loadLayersModel(fileSystem(join(dir, 'model.json')));
    const x = tf.randomUniform([2, 1200], 0, 1, 'float32', 1);
    expect((loaded.predict(x) as tf.Tensor).arraySync()).toEqual((model.predict(x) as tf.Tensor).arraySync());
    await expect(tf.loadLayersModel(fileSystem(join(dir, 'nothing')))).rejects.toThrow(/no model.json at/);
    x.dispose();
    model.dispose();
    loaded.dispose();
  });
});

describe('fetching in the browser entry, and loading images', () => {
  it('fetchBytes reads the whole body with progress and reports a short one', async () => {
    const seen: number[] = [];
    const bytes = await fetchBytes(`${base}/weights.bin`, ({ received }) => seen.push(received));
    expect(bytes).toEqual(payload);
    expect(seen.at(-1)).toBe(payload.byteLength);
    await expect(fetchBytes(`${base}/broken.bin`)).rejects.toThrow();
    await expect(fetchBytes(`${base}/missing`)).rejects.toThrow(/HTTP 404/);
  });

  it('loads images from URLs and files', async () => {
    const fromUrl = await loadImageUrl(`${base}/image.png`);
    expect(Array.from(fromUrl.data)).toEqual([10, 20, 30, 255]);
    const dir = tempDir();
    writeFileSync(
      join(dir, 'a.png'),
      encodePng({ width: 1, height: 1, data: new Uint8Array([1, 2, 3]), channels: 3 }),
    );
    expect(Array.from((await loadImage(join(dir, 'a.png'))).data)).toEqual([1, 2, 3, 255]);
    expect(Array.from((await loadImage(`${base}/image.png`)).data)).toEqual([10, 20, 30, 255]);
    await expect(loadImage(join(dir, 'none.png'))).rejects.toThrow(/could not read the image/);
  });
});
