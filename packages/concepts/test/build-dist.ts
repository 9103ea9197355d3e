import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Worker threads and child processes cannot run the TypeScript sources, so the worker and resume tests run dist/,
// of this package and of the workspace packages the worker imports: build each that is missing or older than a
// source file, in dependency order (under turbo, `build` has already run and this does nothing).
const packages = fileURLToPath(new URL('../..', import.meta.url));
const ORDER = ['xai-base', 'canonize', 'engine', 'lrp', 'zoo', 'concepts'];

function newest(dir: string): number {
  return Math.max(
    ...readdirSync(dir, { withFileTypes: true }).map((f) =>
      f.isDirectory() ? newest(join(dir, f.name)) : statSync(join(dir, f.name)).mtimeMs,
    ),
  );
}

export default function setup(): void {
  for (const name of ORDER) {
    const root = join(packages, name);
    const built = join(root, 'dist', 'index.js');
    if (existsSync(built) && statSync(built).mtimeMs >= newest(join(root, 'src'))) continue;
    const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  }
}
