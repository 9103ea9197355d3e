import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// Every export of the package's entries (the browser-safe one and the Node one) carries TSDoc with an @example.
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

function exportsOf(entry: string): { name: string; hasExample: boolean }[] {
  const source = program.getSourceFile(entry)!;
  const module = checker.getSymbolAtLocation(source)!;
  return checker.getExportsOfModule(module).map((symbol) => {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    const hasExample = (target.declarations ?? []).some((d) =>
      ts.getJSDocTags(d).some((tag) => tag.tagName.text === 'example'),
    );
    return { name: symbol.name, hasExample };
  });
}

describe('the TSDoc', () => {
  it.each(entries.map((e) => [e.split('/src/')[1]!, e] as const))(
    'of every export of %s has an @example',
    (_, entry) => {
      const found = exportsOf(entry);
      expect(found.length).toBeGreaterThan(3);
      expect(found.filter((e) => !e.hasExample).map((e) => e.name)).toEqual([]);
    },
  );
});
