// Runs every example as a user would (`node dist/<name>.js` after `pnpm build`) and checks what it wrote.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { readPNG } from '@xai-ts/heatmap/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const dist = fileURLToPath(new URL('../dist/', import.meta.url));
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'xai-examples-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function example(name: string, args: string[], env: Record<string, string> = {}) {
  const script = join(dist, `${name}.js`);
  expect(existsSync(script), `${script} is missing: run pnpm build first`).toBe(true);
  return run(process.execPath, [script, ...args], {
    cwd: tmp,
    env: { ...process.env, XAI_BACKEND: 'cpu', ...env },
    maxBuffer: 1 << 24,
  });
}

/** Reads a PNG and checks it is a real picture: more than one colour. */
async function expectPicture(path: string, minWidth: number, minHeight: number) {
  expect(existsSync(path), `${path} was not written`).toBe(true);
  const png = await readPNG(path);
  expect(png.width).toBeGreaterThanOrEqual(minWidth);
  expect(png.height).toBeGreaterThanOrEqual(minHeight);
  const colours = new Set<number>();
  for (let i = 0; i < png.data.length; i += 4)
    colours.add((png.data[i]! << 16) | (png.data[i + 1]! << 8) | png.data[i + 2]!);
  expect(colours.size).toBeGreaterThan(16);
  return png;
}

describe('node examples', () => {
  it('demo-model: explains demo images and writes a heatmap per image and a montage', async () => {
    const out = join(tmp, 'demo');
    const { stdout } = await example('demo-model', ['--out', out, '--n', '3']);
    expect(stdout).toMatch(/0 {2}conv1\s+Conv2D\s+=> FlatRule\(\)/);
    expect(stdout).toMatch(/sample 2: an? \w+, predicted \w+; relevance on the object 0\.\d{3}/);
    for (let i = 0; i < 3; i++) await expectPicture(join(out, `sample-${i}.png`), 2 * 32 * 4, 32 * 4);
    await expectPicture(join(out, 'montage.png'), 2 * 32 * 4, 3 * 32 * 4);
  });

  it('crp: one map per top channel of conv3', async () => {
    const out = join(tmp, 'crp');
    const { stdout } = await example('crp', ['--out', out, '--features', '3', '--n', '2']);
    expect(stdout.match(/^sample \d .*channel \d+: -?\d\.\d{3}/gm)).toHaveLength(2);
    // input, LRP and three concept maps per row
    await expectPicture(join(out, 'crp.png'), 5 * 32 * 4, 2 * 32 * 4);
  });

  it('custom-rule: a HookRule that equals the built-in GammaRule', async () => {
    const out = join(tmp, 'rule');
    const { stdout } = await example('custom-rule', ['--out', out]);
    expect(stdout).toMatch(/conv2\s+Conv2D\s+=> MyGammaRule\(gamma=0\.25\)/);
    const diff = Number(stdout.match(/largest difference (\S+)/)![1]);
    expect(diff).toBeLessThan(1e-6);
    expect(stdout).toContain('stabilize([-2, 0, 3], 0.5) = [-2.5, 0.5, 3.5]');
    await expectPicture(join(out, 'custom-rule.png'), 3 * 32 * 4, 3 * 32 * 4);
  });

  it('custom-layer: unsupported before registerLayerKind, then explained like the plain model', async () => {
    const out = join(tmp, 'layer');
    const { stdout } = await example('custom-layer', ['--out', out]);
    expect(stdout).toMatch(
      /before registerLayerKind: .*layer 0 "rescale": Rescale layers are not supported/s,
    );
    expect(stdout).toMatch(/0 {2}rescale\s+Rescale\s+=> ZeroRule\(\)/);
    const diff = Number(stdout.match(/plain model's LRP: (\S+)/)![1]);
    expect(diff).toBeLessThan(1e-4);
    await expectPicture(join(out, 'custom-layer.png'), 3 * 32 * 4, 2 * 32 * 4);
  });

  it('vgg16-castle offline without weights: says where to get them, exits cleanly', async () => {
    const cache = join(tmp, 'cache');
    const { stdout, stderr } = await example('vgg16-castle', ['--offline'], { XAI_TS_CACHE: cache });
    expect(stdout).toMatch(/download it from https:\/\/\S+model\.safetensors/);
    expect(stdout).toContain(`put it at ${join(cache, 'timm-vgg16.tv_in1k.safetensors')}`);
    expect(stdout).toContain('--weights <file>');
    expect(stdout + stderr).not.toMatch(/^\s+at /m); // no stack trace
    expect(existsSync(join(tmp, 'out', 'vgg16'))).toBe(false);
  });

  it('gallery: a PNG per analyzer and the markdown page that shows them', async () => {
    const out = join(tmp, 'gallery');
    const markdown = join(tmp, 'gallery.md');
    // wasm: SmoothGrad and Integrated Gradients run 50 passes each, 6 times faster than on the cpu backend
    await example('gallery', ['--out', out, '--markdown', markdown, '--metrics-n', '4'], {
      XAI_BACKEND: 'wasm',
    });
    const ids = [
      'lrp-epsilon-plus-flat',
      'lrp-epsilon-plus',
      'lrp-epsilon-alpha2-beta1',
      'lrp-epsilon-alpha2-beta1-flat',
      'lrp-epsilon-gamma-box',
      'lrp-zero',
      'lrp-epsilon',
      'gradient',
      'input-x-gradient',
      'smoothgrad',
      'integrated-gradients',
      'gradcam',
    ];
    for (const id of ids) await expectPicture(join(out, `${id}.png`), 5 * 32 * 4, 32 * 4);
    await expectPicture(join(out, 'crp.png'), 5 * 32 * 4, 5 * 32 * 4);
    await expectPicture(join(out, 'overview.png'), 5 * 32 * 3, (ids.length + 1) * 32 * 3);
    const md = await readFile(markdown, 'utf8');
    expect(md).toMatch(/^---\ntitle: Gallery\n---/);
    for (const id of [...ids, 'crp', 'overview']) expect(md).toContain(`](gallery/${id}.png)`);
    expect(
      md.match(/^\| .* \| `new \w+\(model.*\)` \| 0\.\d{3} \| 0\.\d{3} \| [01]\.\d{3} \|$/gm),
    ).toHaveLength(ids.length);
  });
});
