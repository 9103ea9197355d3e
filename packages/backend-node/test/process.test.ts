import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Backends are per process, and worker threads run the built package: these tests run dist/ in child processes,
// each of which must exit by itself (a thread or worker left running would hold it until the timeout).
const fixture = (script: string) => fileURLToPath(new URL(`./fixtures/${script}`, import.meta.url));

function run(args: string[]): Promise<Record<string, unknown>> {
  const script = args.at(-1)!.slice(0, 60);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { timeout: 50_000 }, (error, stdout, stderr) => {
      if (error)
        reject(
          new Error(`${script} failed or did not exit (${error.signal ?? error.code}): ${stderr || stdout}`),
        );
      else resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>);
    });
  });
}

describe('in a fresh Node process', () => {
  it('enableWasmThreads runs the threaded wasm build, computes what cpu computes, and lets the process exit', async () => {
    const r = await run([fixture('wasm-threads.mjs')]);
    expect(r).toMatchObject({ backend: 'wasm', threads: 2, requested: 2 });
    expect(r.relDiff).toBeLessThan(1e-5);
    expect(r.again).toMatch(/^BackendSetupError: the wasm backend is already initialised/);
  });

  it('starts the threads under flags the pthread workers must not inherit (--input-type=module)', async () => {
    const dist = new URL('../dist/index.js', import.meta.url).href;
    const code = `import { enableWasmThreads } from '${dist}'; console.log(JSON.stringify(await enableWasmThreads(3)));`;
    expect(await run(['--input-type=module', '-e', code])).toEqual({ threads: 3, requested: 3 });
  });

  it('selectBackend falls through tensorflow (not installed) to threaded wasm', async () => {
    expect(await run([fixture('select-backend.mjs')])).toEqual({ name: 'wasm', backend: 'wasm', threads: 2 });
  });

  it('an idle pool that was never closed lets the process exit', async () => {
    const r = await run([fixture('pool-no-close.mjs')]);
    expect(r).toMatchObject({ backend: 'wasm', shape: [3, 4] });
    expect(r.selection).toHaveLength(3);
  });
});
