import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkMarkdown } from '../src/check.js';
import { blockModule, extractBlocks } from '../src/extract.js';

const here = fileURLToPath(new URL('..', import.meta.url));
const root = join(here, '..', '..');

describe('extracting blocks', () => {
  const md = [
    '# Title', // 1
    '<!-- ts-preamble', // 2
    "import * as tf from '@tensorflow/tfjs';", // 3
    'declare const model: tf.LayersModel;', // 4
    'declare const x: tf.Tensor;', // 5
    '-->', // 6
    '```ts', // 7
    'const y = model.predict(x);', // 8
    '```', // 9
    '```sh', // 10
    'pnpm build', // 11
    '```', // 12
    '<!-- ts-block-preamble', // 13
    'declare const extra: number;', // 14
    '-->', // 15
    '', // 16
    '```ts', // 17
    "import * as tf from '@tensorflow/tfjs';", // 18
    'const model = tf.sequential();', // 19
    'extra;', // 20
    '```', // 21
    '```ts skip-check', // 22
    'partial(', // 23
    '```', // 24
    '```typescript', // 25
    'x;', // 26
    '```', // 27
  ].join('\n');
  const blocks = extractBlocks(md, 'guide.md');

  it('finds ts blocks with their lines, skips other languages and skip-check', () => {
    expect(blocks.map((b) => [b.line, b.code])).toEqual([
      [8, 'const y = model.predict(x);'],
      [18, "import * as tf from '@tensorflow/tfjs';\nconst model = tf.sequential();\nextra;"],
      [26, 'x;'],
    ]);
  });

  it('applies the file preamble to every block and a block preamble to its block only', () => {
    expect(blocks[0]!.preamble).not.toContain('extra');
    expect(blocks[1]!.preamble).toContain('declare const extra: number;');
    expect(blocks[1]!.preambleLine).toBe(13);
    expect(blocks[2]!.preamble).not.toContain('extra');
    expect(blocks[2]!.preambleLine).toBe(2);
  });

  it('leaves out preamble names the block declares or imports itself', () => {
    const { text, codeStart } = blockModule(blocks[1]!);
    expect(text).not.toContain('declare const model');
    expect(text.match(/import \* as tf/g)).toHaveLength(1);
    expect(text).toContain('declare const x: tf.Tensor;');
    expect(text.split('\n')[codeStart]).toBe("import * as tf from '@tensorflow/tfjs';");
    const first = blockModule(blocks[0]!);
    expect(first.text.split('\n')[first.codeStart]).toBe('const y = model.predict(x);');
    expect(first.text).toContain('declare const model: tf.LayersModel;');
  });

  it('keeps the import specifiers that do not clash', () => {
    const [block] = extractBlocks(
      [
        "<!-- ts-preamble\nimport { LRP, EpsilonPlus, type Rule } from '@xai-ts/lrp';\n-->",
        '```ts',
        "import { LRP } from '@xai-ts/lrp';",
        '```',
      ].join('\n'),
      'g.md',
    );
    expect(blockModule(block!).text).toContain("import { EpsilonPlus, type Rule } from '@xai-ts/lrp';");
  });
});

describe('the guides and the README', () => {
  // One program for the guides and the checker's own broken fixture: type-checking is the slow part.
  const docs = join(root, 'docs');
  const fixture = join(here, 'test', 'fixtures', 'broken.md');
  const files = [
    ...readdirSync(docs)
      .filter((f) => f.endsWith('.md'))
      .sort()
      .map((f) => join(docs, f)),
    join(root, 'README.md'),
    fixture,
  ];
  const { blocks, problems } = checkMarkdown(
    files,
    join(here, '.generated'),
    root,
    join(root, 'tsconfig.base.json'),
  );
  const isFixture = (where: string) => where.startsWith('examples/docs-check/');

  it('reports type errors at their line in the markdown file (a fixture with two mistakes)', () => {
    expect(blocks['examples/docs-check/test/fixtures/broken.md']).toBe(2);
    const found = problems.filter((p) => isFixture(p.where));
    expect(found.map((p) => p.where)).toEqual([
      'examples/docs-check/test/fixtures/broken.md:13',
      'examples/docs-check/test/fixtures/broken.md:20',
    ]);
    expect(found[0]!.message).toMatch(/'EpsilonPluss'/);
    expect(found[1]!.message).toMatch(/not assignable to type 'number'/);
  });

  it('every TypeScript block type-checks against the built packages', () => {
    const total = Object.entries(blocks)
      .filter(([file]) => !isFixture(file))
      .reduce((a, [, n]) => a + n, 0);
    expect(total).toBeGreaterThanOrEqual(40);
    expect(blocks['README.md']).toBeGreaterThan(0);
    const real = problems.filter((p) => !isFixture(p.where));
    const report = real.map((p) => `${p.where}: ${p.message}`).join('\n');
    expect(report, `${real.length} type errors in the guides:\n${report}`).toBe('');
  });
});
