import ts from 'typescript';

/**
 * The exports of each entry file that carry no `@example` in the TSDoc of any of their declarations, with how many
 * exports each entry has: the packages' tests require an example on every export.
 *
 * @param entries - absolute paths of a package's entry files (`src/index.ts`, …)
 * @returns per entry, in order: the number of its exports and the names of those without an example
 *
 * @example
 * ```ts
 * const [{ count, missing }] = exportsWithoutExample([fileURLToPath(new URL('../src/index.ts', import.meta.url))]);
 * ```
 */
export function exportsWithoutExample(entries: readonly string[]): { count: number; missing: string[] }[] {
  const program = ts.createProgram([...entries], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  return entries.map((entry) => {
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
  });
}
