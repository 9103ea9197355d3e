import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// Every export of the zoo's two entries (`@xai-ts/zoo` and `@xai-ts/zoo/node`) carries TSDoc with an @example.
const entries = ['../src/index.ts', '../src/node/index.ts'].map((p) =>
  fileURLToPath(new URL(p, import.meta.url)),
);
const program = ts.createProgram(entries, {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  noEmit: true,
});
const checker = program.getTypeChecker();

/** The exports of an entry without an `@example` in the TSDoc of any of their declarations. */
function withoutExample(entry: string): { count: number; missing: string[] } {
  const symbols = checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(entry)!)!);
  const missing = symbols
    .filter((symbol) => {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      return !(target.declarations ?? []).some((d) =>
        ts.getJSDocTags(d).some((t) => t.tagName.text === 'example'),
      );
    })
    .map((s) => s.name);
  return { count: symbols.length, missing };
}

describe('the TSDoc', () => {
  it.each(entries.map((e) => [e.split('/src/')[1]!, e] as const))(
    'of every export of %s has an @example',
    (_, entry) => {
      const { count, missing } = withoutExample(entry);
      expect(count).toBeGreaterThan(10);
      expect(missing).toEqual([]);
    },
  );
});
