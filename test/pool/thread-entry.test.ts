import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { oracleTreeHash } from './helpers.js';

const PROBE = fileURLToPath(new URL('./fixtures/require-esm-probe.cjs', import.meta.url));
const CHILD = fileURLToPath(new URL('./fixtures/thread-entry-child.mjs', import.meta.url));

// Node 20.19+ require()s an ES module synchronously; Piscina require()s its task module first,
// and a pool destroyed while a thread was in that step aborted the process (SIGABRT, seen as a
// CLI run "killed by a signal" about once in a few hundred). The timing cannot be forced, so this
// checks the cause: no pool thread ever require()s an ES module.
describe('pool threads load their task module without require() of an ES module', () => {
  it('the probe sees no require() of an ES module in any thread, and the pool still hashes right', () => {
    const r = spawnSync(process.execPath, ['--require', PROBE, CHILD], { encoding: 'utf8', timeout: 60_000 });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/require-esm-in-worker/);
    expect(r.stdout.trim()).toBe(oracleTreeHash(new Uint8Array(1024 * 1024).fill(7)));
  });
});
