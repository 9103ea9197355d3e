/**
 * Turns the TypeScript blocks of a markdown guide into modules that `tsc` can check.
 *
 * Conventions in the markdown:
 * - every fenced block whose info string starts with `ts` or `typescript` is checked, each as its own module;
 *   `ts skip-check` leaves a deliberately partial block alone;
 * - `<!-- ts-preamble ... -->` (anywhere in the file) holds imports and `declare`d names that every block of the
 *   file may use, such as `declare const model: tf.LayersModel;`; `<!-- ts-block-preamble ... -->` right before a
 *   block adds to it for that block only;
 * - a block that declares or imports a name itself wins: the preamble's statements and import specifiers that would
 *   clash with the block's top-level names are left out.
 */
import ts from 'typescript';

/** One checked code block. */
export interface Block {
  /** The markdown file, as given. */
  file: string;
  /** The 1-based line of the block's first code line in the markdown file. */
  line: number;
  /** The block's code. */
  code: string;
  /** The preamble that applies to the block (file-level, then block-level). */
  preamble: string;
  /** The 1-based line where the block's own preamble (or else the file's) starts, for error messages. */
  preambleLine: number;
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^`\s]*)(.*)$/;
const PREAMBLE = /<!--\s*ts-preamble\b([\s\S]*?)-->/g;
const BLOCK_PREAMBLE = /^<!--\s*ts-block-preamble\b([\s\S]*?)-->\s*$/;

/** The TypeScript blocks of a markdown text, with the preambles that apply to them. */
export function extractBlocks(markdown: string, file: string): Block[] {
  const filePreambles: string[] = [];
  let filePreambleLine = 1;
  for (const m of markdown.matchAll(PREAMBLE)) {
    if (filePreambles.length === 0) filePreambleLine = lineAt(markdown, m.index);
    filePreambles.push(m[1]!.trim());
  }
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  let offset = 0; // character offset of the current line
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    const lineStart = offset;
    offset += lines[i]!.length + 1;
    if (!open) continue;
    const [, indent, fence, lang, rest] = open;
    // find the closing fence: the same character, at least as long
    let end = i + 1;
    while (end < lines.length && !new RegExp(`^\\s*${fence![0]}{${fence!.length},}\\s*$`).test(lines[end]!))
      end++;
    const body = lines.slice(i + 1, end);
    for (let k = i + 1; k <= end && k < lines.length; k++) offset += lines[k]!.length + 1;
    const language = lang!.toLowerCase();
    const flags = rest!.trim().split(/\s+/);
    if ((language === 'ts' || language === 'typescript') && !flags.includes('skip-check')) {
      const comment = markdown.lastIndexOf('<!--', lineStart);
      const before = comment >= 0 ? BLOCK_PREAMBLE.exec(markdown.slice(comment, lineStart)) : null;
      const blockPreamble = before ? before[1]!.trim() : '';
      blocks.push({
        file,
        line: i + 2,
        code: body.map((l) => (indent && l.startsWith(indent) ? l.slice(indent.length) : l)).join('\n'),
        preamble: [...filePreambles, blockPreamble].filter(Boolean).join('\n'),
        preambleLine: before ? lineAt(markdown, comment) : filePreambleLine,
      });
    }
    i = end;
  }
  return blocks;
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** A block as a module: the preamble (without what the block declares itself), then the code. */
export interface BlockModule {
  text: string;
  /** The 0-based line of the module where the block's code starts. */
  codeStart: number;
}

/** Builds the module text of a block. */
export function blockModule(block: Block): BlockModule {
  const own = topLevelNames(parse(block.code));
  const pre = parse(block.preamble);
  const kept: string[] = [];
  for (const statement of pre.statements) {
    if (ts.isImportDeclaration(statement)) {
      const imported = keptImport(statement, pre, own);
      if (imported) kept.push(imported);
    } else if (!declaredNames(statement).some((n) => own.has(n))) {
      kept.push(statement.getText(pre));
    }
  }
  const preamble = kept.join('\n');
  const codeStart = preamble ? preamble.split('\n').length : 0;
  return { text: `${preamble}${preamble ? '\n' : ''}${block.code}\nexport {};\n`, codeStart };
}

function parse(code: string): ts.SourceFile {
  return ts.createSourceFile('block.mts', code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
}

/** The names a module declares or imports at its top level. */
export function topLevelNames(sf: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  for (const s of sf.statements) for (const n of declaredNames(s)) names.add(n);
  return names;
}

function declaredNames(s: ts.Statement): string[] {
  if (ts.isImportDeclaration(s)) {
    const clause = s.importClause;
    if (!clause) return [];
    const out = clause.name ? [clause.name.text] : [];
    const bindings = clause.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) out.push(bindings.name.text);
    if (bindings && ts.isNamedImports(bindings)) for (const e of bindings.elements) out.push(e.name.text);
    return out;
  }
  if (ts.isVariableStatement(s)) return s.declarationList.declarations.flatMap((d) => bindingNames(d.name));
  if (
    (ts.isFunctionDeclaration(s) ||
      ts.isClassDeclaration(s) ||
      ts.isInterfaceDeclaration(s) ||
      ts.isTypeAliasDeclaration(s) ||
      ts.isEnumDeclaration(s) ||
      ts.isModuleDeclaration(s) ||
      ts.isImportEqualsDeclaration(s)) &&
    s.name &&
    ts.isIdentifier(s.name)
  )
    return [s.name.text];
  return [];
}

function bindingNames(name: ts.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  return name.elements.flatMap((e) => (ts.isOmittedExpression(e) ? [] : bindingNames(e.name)));
}

/** The preamble's import without the names the block imports or declares itself, or null when nothing is left. */
function keptImport(s: ts.ImportDeclaration, sf: ts.SourceFile, own: Set<string>): string | null {
  const clause = s.importClause;
  const from = s.moduleSpecifier.getText(sf);
  if (!clause) return `import ${from};`;
  const parts: string[] = [];
  if (clause.name && !own.has(clause.name.text)) parts.push(clause.name.text);
  const bindings = clause.namedBindings;
  if (bindings && ts.isNamespaceImport(bindings) && !own.has(bindings.name.text))
    parts.push(`* as ${bindings.name.text}`);
  if (bindings && ts.isNamedImports(bindings)) {
    const specs = bindings.elements.filter((e) => !own.has(e.name.text)).map((e) => e.getText(sf));
    if (specs.length) parts.push(`{ ${specs.join(', ')} }`);
  }
  if (!parts.length) return null;
  return `import ${clause.isTypeOnly ? 'type ' : ''}${parts.join(', ')} from ${from};`;
}
