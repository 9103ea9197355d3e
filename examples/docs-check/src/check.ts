/**
 * Type-checks the TypeScript blocks of markdown files against the built workspace packages (their published
 * `.d.ts`, as a user sees them), with the repository's strict compiler options.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import ts from 'typescript';
import { type Block, blockModule, extractBlocks } from './extract.js';

/** A type error, located in the markdown file. */
export interface DocProblem {
  /** `file:line`, the line in the markdown file. */
  where: string;
  message: string;
}

/** What {@link checkMarkdown} found. */
export interface DocCheckResult {
  /** How many blocks were checked, per file. */
  blocks: Record<string, number>;
  problems: DocProblem[];
}

/**
 * Extracts the blocks of `files` into `outDir` (one `.mts` module per block; the folder is recreated) and
 * type-checks them all in one program.
 *
 * @param files - markdown files
 * @param outDir - where the modules go; module resolution starts there, so it must sit in a package that depends on
 *   the packages the guides import
 * @param root - file names in messages are relative to it
 * @param tsconfig - the compiler options to use (`customConditions` is cleared so that packages resolve to `dist/`)
 */
export function checkMarkdown(
  files: string[],
  outDir: string,
  root: string,
  tsconfig: string,
): DocCheckResult {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const generated = new Map<string, { block: Block; codeStart: number }>();
  const blocks: Record<string, number> = {};
  for (const file of files) {
    const name = relative(root, file);
    const found = extractBlocks(readFileSync(file, 'utf8'), name);
    blocks[name] = found.length;
    found.forEach((block, i) => {
      const { text, codeStart } = blockModule(block);
      const path = join(outDir, `${basename(file, '.md')}.${i + 1}.mts`);
      writeFileSync(path, text);
      generated.set(path, { block, codeStart });
    });
  }

  const config = ts.readConfigFile(tsconfig, (p) => ts.sys.readFile(p));
  if (config.error) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, outDir);
  const options: ts.CompilerOptions = {
    ...parsed.options,
    noEmit: true,
    customConditions: [],
    declaration: false,
    declarationMap: false,
    sourceMap: false,
  };
  const program = ts.createProgram([...generated.keys()], options);
  const problems: DocProblem[] = [];
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    const origin = d.file ? generated.get(d.file.fileName) : undefined;
    if (!d.file || !origin) {
      problems.push({ where: d.file ? relative(root, d.file.fileName) : '(compiler)', message });
      continue;
    }
    const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    const { block, codeStart } = origin;
    problems.push({
      where:
        line >= codeStart
          ? `${block.file}:${block.line + line - codeStart}`
          : `${block.file}:${block.preambleLine} (preamble of the block at line ${block.line})`,
      message,
    });
  }
  return { blocks, problems };
}
