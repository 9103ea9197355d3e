import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Bundlers that minify rename classes, so an error class must name itself (`override name = 'ClassName'`) for
// `e.name` and a worker's `remoteName` to stay meaningful in a minified browser bundle. This checks every error
// class of every package's sources.
const root = join(fileURLToPath(new URL('..', import.meta.url)), '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const classes = readdirSync(join(root, 'packages'))
  .flatMap((pkg) => {
    try {
      return sources(join(root, 'packages', pkg, 'src'));
    } catch {
      return [];
    }
  })
  .flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    return [...text.matchAll(/export class (\w+Error) extends \w+ \{([\s\S]*?)\n\}/g)].map((m) => ({
      file: file.slice(root.length + 1),
      name: m[1]!,
      body: m[2]!,
    }));
  });

describe('error classes', () => {
  it('are found in the sources', () => {
    expect(classes.length).toBeGreaterThan(25);
    expect(classes.map((c) => c.name)).toContain('ModelCheckError');
  });

  it.each(classes.map((c) => [c.name, c.file, c.body] as const))(
    '%s (%s) names itself, whatever a minifier calls the class',
    (name, _file, body) => {
      expect(body).toContain(`override name = '${name}';`);
    },
  );
});
