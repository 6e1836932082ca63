// The pool and hash layers' shape (issue 10): test hooks stay out of the public types, and no
// hand-written function grows past ~120 lines.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const MAX_LINES = 120;

/** Functions, methods, accessors, constructors and arrow functions longer than `max` lines. */
function longFunctions(file: string, max: number): string[] {
  const text = readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      const name = (node as { name?: ts.Node }).name?.getText(sf) ?? '(anonymous)';
      if (end - start + 1 > max) found.push(`${file}:${start + 1} ${name} (${end - start + 1} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

function tsFiles(dir: string): string[] {
  return readdirSync(root(dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => root(`${dir}/${f}`));
}

describe('pool and hash layer structure', () => {
  it(`no hand-written function in src/pool, src/hash or assembly is over ${MAX_LINES} lines`, () => {
    const files = [...tsFiles('src/pool'), ...tsFiles('src/hash'), ...tsFiles('assembly')].filter(
      // Generated: checked against its generator by test/hash/generated.test.ts instead.
      (f) => !readFileSync(f, 'utf8').startsWith('// GENERATED'),
    );
    expect(files.length).toBeGreaterThan(10);
    expect(files.flatMap((f) => longFunctions(f, MAX_LINES))).toEqual([]);
  });

  it('HashPool’s public declarations carry no test hook; tests reach internals through src/pool/internal', async () => {
    const dts = readFileSync(root('dist/src/pool/pool.d.ts'), 'utf8');
    expect(dts).not.toMatch(/ForTest|_run/);
    const api = await import('../../dist/src/index.js');
    expect(Object.keys(api).filter((k) => /ForTest|registerPool/.test(k))).toEqual([]);
    expect(Object.getOwnPropertyNames(api.HashPool.prototype).sort()).toEqual(
      ['calibration', 'constructor', 'destroy', 'engine', 'hashFile', 'hashPart', 'ready'],
    );
  });
});
