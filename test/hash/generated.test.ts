// assembly/sha256-rounds.ts is generated (scripts/gen-sha256-rounds.mjs): the checked-in file
// must be exactly what the generator writes, so the rounds are changed in one place.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));

describe('generated SHA-256 rounds', () => {
  it('assembly/sha256-rounds.ts is what scripts/gen-sha256-rounds.mjs writes', async () => {
    const { generate } = (await import(root('scripts/gen-sha256-rounds.mjs'))) as { generate(): string };
    expect(readFileSync(root('assembly/sha256-rounds.ts'), 'utf8')).toBe(generate());
    // The same check the script offers on the command line.
    execFileSync(process.execPath, [root('scripts/gen-sha256-rounds.mjs'), '--check']);
  });

  it('the generator writes all 64 rounds of both forms with every round constant', async () => {
    const { generate } = (await import(root('scripts/gen-sha256-rounds.mjs'))) as { generate(): string };
    const text = generate();
    expect(text.startsWith('// GENERATED')).toBe(true);
    // Scalar: one immediate per round; SIMD: one W[t] + K[t] load per round, at 16-byte steps.
    expect(text.match(/^ {4}u = \w \+ 0x[0-9a-f]{8} \+ w\d+ /gm)).toHaveLength(64);
    expect(text.match(/v128\.load\(p, \d+\)/g)).toEqual([...Array(64).keys()].map((i) => `v128.load(p, ${16 * i})`));
    // Message schedule: rounds 16..63 of the scalar form extend the rolling window.
    expect(text.match(/^ {4}w\d+ \+= /gm)).toHaveLength(48);
  });
});
