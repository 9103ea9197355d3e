import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tensorToImages } from '@xai-ts/heatmap';
import { encodePNG } from '@xai-ts/heatmap/node';
import { demoDataset } from '@xai-ts/zoo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

// These run the built bin as a user would (turbo builds the package before its tests; by hand:
// pnpm --filter @xai-ts/cli build).
const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const dir = tempDir('bad-input');
const at = (name: string) => join(dir, name);
// A model that is not there: had the command loaded the model before checking an image or the output folder, it
// would say "no model file at …" instead.
const MODEL = ['--model', at('no-model/model.json')];
const OUT = at('out');

/** An 8×8 baseline JPEG (jpeg-js, quality 50). */
const JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wCEABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2MBERISGBUYLxoaL2NCOEJjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY//AABEIAAgACAMBEQACEQEDEQH/xAGiAAABBQEBAQEBAQAAAAAAAAAAAQIDBAUGBwgJCgsQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+gEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoLEQACAQIEBAMEBwUEBAABAncAAQIDEQQFITEGEkFRB2FxEyIygQgUQpGhscEJIzNS8BVictEKFiQ04SXxFxgZGiYnKCkqNTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqCg4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2dri4+Tl5ufo6ery8/T19vf4+fr/2gAMAwEAAhEDEQA/ABr73oVIVPIfI//Z',
  'base64',
);

/** A folder this process cannot write to although its mode says so (root ignores modes), or undefined. */
function readOnlyFolder(): string | undefined {
  const folder = at('read-only');
  mkdirSync(folder, { recursive: true });
  chmodSync(folder, 0o555);
  try {
    writeFileSync(join(folder, 'probe'), '');
    rmSync(join(folder, 'probe'));
    return undefined;
  } catch {
    return folder;
  }
}

/** A folder the kernel refuses new files in, whoever asks: sysfs's root, on Linux. */
function refusingFolder(): string | undefined {
  try {
    if (!statSync('/sys').isDirectory()) return undefined;
    writeFileSync('/sys/xai-write-test', '');
    rmSync('/sys/xai-write-test');
    return undefined; // it took the file: not a refusing folder after all
  } catch {
    return '/sys';
  }
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function xaiBin(...argv: string[]): Ran {
  const run = spawnSync(process.execPath, [bin, ...argv], { encoding: 'utf8', timeout: 60_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Expects one line on stderr starting with `xai: `, exit code 2, nothing on stdout. */
function expectOneLine(run: Ran, line: RegExp): void {
  expect(run.stderr.endsWith('\n'), run.stderr).toBe(true);
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^xai: /);
  expect(lines[0]).toMatch(line);
  expect(run.stdout).toBe('');
  expect(run.code).toBe(2);
}

let good: Buffer;
let readOnly: string | undefined;

beforeAll(() => {
  const { images, masks } = demoDataset({ n: 2, seed: 3 });
  const [a, b] = tensorToImages(images, { range: [0, 1] });
  images.dispose();
  masks.dispose();
  good = Buffer.from(encodePNG(a!));
  writeFileSync(at('shape.png'), good);
  writeFileSync(at('other.png'), encodePNG(b!));
  writeFileSync(at('truncated.png'), good.subarray(0, Math.floor(good.length / 2)));
  writeFileSync(at('notes.png'), 'these are notes, not pixels\n');
  const broken = Buffer.from(JPEG);
  broken.fill(0, 2, 4); // the APP0 marker after SOI
  writeFileSync(at('broken-header.jpg'), broken);
  writeFileSync(at('truncated.jpg'), JPEG.subarray(0, 300));
  mkdirSync(at('no-images'));
  writeFileSync(at('no-images/readme.txt'), 'no pictures here');
  writeFileSync(at('a-file'), 'not a folder');
  readOnly = readOnlyFolder();
});

afterAll(() => {
  if (existsSync(at('read-only'))) chmodSync(at('read-only'), 0o755);
});

describe('bad input to the built bin: one line, exit code 2, before any model is loaded', () => {
  it('the bin is built', () => {
    expect(existsSync(bin), `${bin} is missing: run pnpm --filter @xai-ts/cli build first`).toBe(true);
  });

  // [what, image argument, what the line says]
  const images: [string, string, RegExp][] = [
    [
      'a folder without images',
      'no-images',
      /^xai: the folder .*no-images holds no PNG or JPEG images \(\.png, \.jpg, \.jpeg\); give image files/,
    ],
    [
      'a truncated PNG',
      'truncated.png',
      /^xai: cannot read the image .*truncated\.png: the PNG file is truncated \(it ends before its IEND chunk\); copy or download it again$/,
    ],
    [
      'a text file named .png',
      'notes.png',
      /^xai: cannot read the image .*notes\.png: it is neither PNG nor JPEG \(the file holds text; give PNG or JPEG files\)$/,
    ],
    [
      'a JPEG with a broken header',
      'broken-header.jpg',
      /^xai: cannot read the image .*broken-header\.jpg: the JPEG data is damaged \(unknown JPEG marker 0\); export or download the image again$/,
    ],
    [
      'a truncated JPEG',
      'truncated.jpg',
      /^xai: cannot read the image .*truncated\.jpg: the JPEG file is truncated \(it ends before its end-of-image marker\)/,
    ],
  ];
  for (const [what, image, line] of images)
    it(`explain: ${what}`, () => {
      expectOneLine(xaiBin('explain', at('shape.png'), at(image), ...MODEL, '--out', OUT), line);
    });

  it('explain: an existing file where the output folder should be (EEXIST)', () => {
    expectOneLine(
      xaiBin('explain', at('shape.png'), ...MODEL, '--out', at('a-file')),
      /^xai: --out .*a-file is a file, not a folder; give a folder to write to/,
    );
  });

  it('explain: a file where a folder above the output folder should be (ENOTDIR)', () => {
    expectOneLine(
      xaiBin('explain', at('shape.png'), ...MODEL, '--out', join(at('a-file'), 'maps')),
      /^xai: cannot create the output folder .*a-file\/maps: .*a-file is a file, not a folder; give another --out$/,
    );
  });

  it('explain: an output folder that cannot be written, for any user', (ctx) => {
    const refusing = refusingFolder();
    ctx.skip(refusing === undefined, 'no folder refuses new files here (the test uses /sys, on Linux)');
    expectOneLine(
      xaiBin('explain', at('shape.png'), ...MODEL, '--out', refusing!),
      /^xai: cannot write to the output folder \/sys \(.+\); choose a folder you can write to with --out/,
    );
    expectOneLine(
      xaiBin('explain', at('shape.png'), ...MODEL, '--out', join(refusing!, 'xai-maps')),
      /^xai: cannot create the output folder \/sys\/xai-maps in \/sys \(.+\); choose a folder you can write to with --out$/,
    );
  });

  it('explain: an output folder without write permission (EACCES)', (ctx) => {
    ctx.skip(
      readOnly === undefined,
      'this user writes into a folder of mode 555 (root, or CAP_DAC_OVERRIDE): permissions cannot make it fail; the /sys case covers root',
    );
    expectOneLine(
      xaiBin('explain', at('shape.png'), ...MODEL, '--out', readOnly!),
      /^xai: cannot write to the output folder .*read-only \(permission denied\); choose a folder you can write to with --out/,
    );
    expectOneLine(
      xaiBin('explain', at('shape.png'), ...MODEL, '--out', join(readOnly!, 'maps')),
      /^xai: cannot create the output folder .*read-only\/maps in .*read-only \(permission denied\)/,
    );
  });

  it('demo: a file where the output folder should be', () => {
    expectOneLine(xaiBin('demo', '--out', at('a-file')), /^xai: --out .*a-file is a file, not a folder/);
  });

  it('evaluate: a truncated image in the data folder, and a file as the output folder', () => {
    const data = at('data');
    mkdirSync(data, { recursive: true });
    writeFileSync(join(data, 'a.png'), good);
    writeFileSync(join(data, 'b.png'), good.subarray(0, 100));
    expectOneLine(
      xaiBin('evaluate', '--data', data, ...MODEL, '--out', at('eval')),
      /^xai: cannot read the image .*data\/b\.png: the PNG file is truncated/,
    );
    expectOneLine(
      xaiBin('evaluate', ...MODEL, '--out', at('a-file')),
      /^xai: --out .*a-file is a file, not a folder/,
    );
  });

  it('a folder of images stands for its PNG and JPEG files', () => {
    const folder = at('shapes');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'b.png'), good);
    writeFileSync(join(folder, 'a.PNG'), good);
    writeFileSync(join(folder, 'notes.txt'), 'skipped');
    const run = xaiBin('explain', folder, '--out', at('folder-maps'), '--backend', 'cpu');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n').filter((l) => l.startsWith(folder))).toEqual([
      join(folder, 'a.PNG'),
      join(folder, 'b.png'),
    ]);
    const maps = readdirSync(at('folder-maps')).sort();
    expect(maps).toHaveLength(2);
    expect(maps[0]).toMatch(/^a_lrp-epsilonplusflat_c\d\.png$/);
    expect(maps[1]).toMatch(/^b_lrp-epsilonplusflat_c\d\.png$/);
  });
});

/** Runs the bin with stdout on a pipe whose reader goes away: at once, or after the first line (`| head -1`). */
function closedPipe(argv: string[], after: 'nothing' | 'first line'): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
    });
    if (after === 'nothing') child.stdout.destroy();
    else
      child.stdout.setEncoding('utf8').on('data', (s: string) => {
        stdout += s;
        if (stdout.includes('\n')) child.stdout.destroy();
      });
    const timer = setTimeout(() => child.kill(), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('a closed stdout (xai … | head -1)', () => {
  it('ends quietly with exit code 0 when the reader leaves after the first line; the heatmaps are still written', async () => {
    const out = at('piped-maps');
    const run = await closedPipe(
      [
        'explain',
        at('shape.png'),
        at('other.png'),
        '--method',
        'lrp,gradient',
        '--out',
        out,
        '--backend',
        'cpu',
      ],
      'first line',
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe(at('shape.png'));
    expect(readdirSync(out)).toHaveLength(4);
    expect(
      readFileSync(join(out, readdirSync(out)[0]!))
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
  });

  it('ends quietly with exit code 0 when the reader is gone before anything is written', async () => {
    const run = await closedPipe(['check', 'demo', '--backend', 'cpu'], 'nothing');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });
});
