// Issue 16: no function over 100 lines, no file in src/ over 400 lines. Parsed with the TypeScript
// compiler API, so a function is what the compiler calls one (declarations, methods, accessors,
// constructors, function expressions and arrows), measured from its first to its last line.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { expect, it } from 'vitest';

const MAX_FUNCTION_LINES = 100;
const MAX_FILE_LINES = 400;
const root = fileURLToPath(new URL('..', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

interface Measured { file: string; name: string; lines: number }

function functionName(node: ts.Node, sf: ts.SourceFile): string {
  const named = (node as { name?: ts.Node }).name;
  if (named) return named.getText(sf);
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent)) return parent.name.getText(sf);
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText(sf);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
  return `<anonymous at line ${line + 1}>`;
}

/** Every function-like node of a file, with its length in lines. */
export function measureFunctions(file: string, text: string): Measured[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const out: Measured[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && (node as { body?: ts.Node }).body) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      out.push({ file, name: functionName(node, sf), lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

function lineCount(text: string): number {
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

const files = sourceFiles(join(root, 'src')).map((p) => ({ file: relative(root, p), text: readFileSync(p, 'utf8') }));

it('the measure finds functions, methods and arrows, and counts their lines', () => {
  const body = Array.from({ length: 101 }, (_, i) => `  x += ${i};`).join('\n');
  const sample = `function long() {\n${body}\n}\nclass A { m() { return 1; } }\nconst f = () => {\n  return 2;\n};\n`;
  const m = measureFunctions('sample.ts', sample);
  expect(m.map((x) => [x.name, x.lines])).toEqual([['long', 103], ['m', 1], ['f', 3]]);
});

it(`no file in src/ is over ${MAX_FILE_LINES} lines`, () => {
  expect(files.length).toBeGreaterThan(100);
  const long = files.map((f) => ({ file: f.file, lines: lineCount(f.text) })).filter((f) => f.lines > MAX_FILE_LINES);
  expect(long).toEqual([]);
});

it(`no function in src/ is over ${MAX_FUNCTION_LINES} lines`, () => {
  const long = files.flatMap((f) => measureFunctions(f.file, f.text)).filter((f) => f.lines > MAX_FUNCTION_LINES);
  expect(long).toEqual([]);
});
