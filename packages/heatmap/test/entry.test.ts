import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const BROWSER_SAFE = ['@tensorflow/tfjs', '@xai-ts/base', 'd3-scale-chromatic'];

/** Follows relative imports from `entry`; returns every file reached and every bare specifier imported. */
function importGraph(entry: string, toFile: (spec: string, from: string) => string) {
  const files = new Set<string>();
  const bare = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const code = readFileSync(file, 'utf8');
    const specs = [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)].map((m) => m[1]!);
    for (const spec of specs) {
      if (spec.startsWith('.')) visit(toFile(spec, file));
      else bare.add(spec);
    }
  };
  visit(entry);
  return { files, bare };
}

const isNodeBuiltin = (spec: string) =>
  spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]!);

describe('the main entry runs in the browser', () => {
  it('src/index.ts imports nothing from Node, directly or through its files', () => {
    const { files, bare } = importGraph(resolve(root, 'src/index.ts'), (spec, from) =>
      resolve(dirname(from), spec.replace(/\.js$/, '.ts')),
    );
    expect(files.size).toBeGreaterThan(5);
    expect([...bare].filter(isNodeBuiltin)).toEqual([]);
    expect([...bare].sort()).toEqual(BROWSER_SAFE);
    expect([...files].some((f) => f.endsWith('png.ts') || f.endsWith('montage.ts'))).toBe(false);
  });

  // turbo builds this package before its tests (packages/heatmap/turbo.json); a bare `vitest run` on a fresh
  // checkout has no dist/ yet, and this check then waits for a build.
  it.skipIf(!existsSync(resolve(root, 'dist/index.js')))('so does the built dist/index.js', () => {
    const { bare } = importGraph(resolve(root, 'dist/index.js'), (spec, from) =>
      resolve(dirname(from), spec),
    );
    expect([...bare].filter(isNodeBuiltin)).toEqual([]);
    expect([...bare].sort()).toEqual(BROWSER_SAFE);
  });

  it('the node entry is where the Node imports are', () => {
    const { bare } = importGraph(resolve(root, 'src/node.ts'), (spec, from) =>
      resolve(dirname(from), spec.replace(/\.js$/, '.ts')),
    );
    expect(bare.has('node:fs/promises')).toBe(true);
    expect(bare.has('fast-png')).toBe(true);
  });
});
