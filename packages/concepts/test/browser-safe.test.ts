import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

// The package's main entry runs in browsers: bundled for the browser it pulls in no Node built-in (sql.js through
// its browser build), while `@xai-ts/concepts/node` does.
const bundle = (entry: string) =>
  build({
    entryPoints: [fileURLToPath(new URL(entry, import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['@xai-ts/source'],
    write: false,
    logLevel: 'silent',
    metafile: true,
  });

describe('the main entry', () => {
  it('bundles for the browser without Node built-ins, with sql.js in its browser build', async () => {
    const result = await bundle('../src/index.ts');
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((f) => f.endsWith('sql.js/dist/sql-wasm-browser.js'))).toBe(true);
    expect(inputs.filter((f) => f.startsWith('node:'))).toEqual([]);
  });

  it('while the node entry does not bundle for the browser', async () => {
    await expect(bundle('../src/node/index.ts')).rejects.toThrow(/node:/);
  });
});
