// One million generated inventory entries planned in a child process: totals and shard split are
// exact, shared names are suffixed, and memory grows by tens of MiB, not by the entries' size
// (a Map of a million 138-character archive ids with their records would take several hundred MiB;
// what grows here is the name table, ~20 MiB, and garbage the collector has not returned yet).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./fixtures/plan-million.mjs', import.meta.url));

describe('planning a million archives', () => {
  it('streams the inventory in bounded memory', () => {
    const n = 1_000_000;
    const r = spawnSync(process.execPath, ['--expose-gc', script, String(n)], { encoding: 'utf8', env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { summary: { inventoryArchives: number; archives: number; duplicateNames: number; inventoryInDateOrder: boolean }; yielded: number; suffixed: number; ordered: boolean; growthMiB: number };
    expect(out.summary.inventoryArchives).toBe(n);
    expect(out.yielded).toBe(out.summary.archives);
    // Oldest first, though the inventory lists them newest first.
    expect(out.summary.inventoryInDateOrder).toBe(false);
    expect(out.ordered).toBe(true);
    // Shard 1 of 4 holds about a quarter.
    expect(Math.abs(out.summary.archives - n / 4)).toBeLessThan(n / 100);
    expect(out.summary.duplicateNames).toBe(1);
    expect(out.suffixed).toBeGreaterThan(200);
    expect(out.growthMiB).toBeLessThan(160);
  }, 300_000);
});
