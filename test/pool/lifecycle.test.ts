import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HashAbortedError,
  HashPool,
  HashWorkerError,
  PoolDestroyedError,
  WorkerCrashedError,
} from '../../dist/src/pool/index.js';
import { runTaskForTest } from '../../dist/src/pool/internal.js';
import { GlacierMultipartError } from '../../dist/src/errors.js';
import { MiB, oracleSha256, oracleTreeHash, patternBytes, tempDir } from './helpers.js';

const FIXTURE = new URL('./fixtures/crash-worker.mjs', import.meta.url).href;
const tmp = tempDir('pool-life');
afterAll(() => tmp.remove());

/** A part and its oracle hashes. */
function part(size: number, seed: number) {
  const bytes = patternBytes(size, seed);
  return { bytes, treeHash: oracleTreeHash(bytes), sha256: oracleSha256(bytes) };
}

describe('cancellation', () => {
  let pool: HashPool;
  beforeAll(() => {
    pool = new HashPool({ threads: 1, engine: 'wasm' });
  });
  afterAll(() => pool.destroy());

  it('rejects at once, before any work, when the signal is already aborted', async () => {
    const view = new Uint8Array(MiB);
    const err = await pool.hashPart(view, { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HashAbortedError);
    expect((err as Error).name).toBe('AbortError');
    expect(view.byteLength).toBe(MiB); // never taken
    await expect(pool.hashFile(tmp.dir, { signal: AbortSignal.abort('stop') })).rejects.toThrow(/aborted: stop/);
  });

  it('drops queued parts on abort (their bytes never leave) while the running part finishes', async () => {
    const running = part(8 * MiB, 1);
    const first = pool.hashPart(running.bytes.slice());
    await new Promise((r) => setImmediate(r)); // the first part is now on the only thread
    const ac = new AbortController();
    const queued = [2, 3, 4].map((seed) => pool.hashPart(patternBytes(2 * MiB, seed), { signal: ac.signal }));
    const kept = part(2 * MiB, 5);
    const keptCall = pool.hashPart(kept.bytes.slice());
    ac.abort();
    for (const q of queued) await expect(q).rejects.toBeInstanceOf(HashAbortedError);
    await expect(first).resolves.toMatchObject({ treeHash: running.treeHash, sha256: running.sha256 });
    await expect(keptCall).resolves.toMatchObject({ treeHash: kept.treeHash });
  });

  it('rejects an aborted part at once even when it shares a running batch; the batch’s other parts still resolve', async () => {
    const ac = new AbortController();
    const wanted = [21, 22, 23].map((s) => part(3 * MiB, s));
    // One synchronous burst on one thread: all four parts go out as one batch (four SIMD lanes).
    const calls = wanted.map((p) => pool.hashPart(p.bytes.slice()));
    const dropped = pool.hashPart(patternBytes(3 * MiB, 24), { signal: ac.signal });
    await new Promise((r) => setImmediate(r));
    ac.abort();
    await expect(dropped).rejects.toBeInstanceOf(HashAbortedError);
    const results = await Promise.all(calls);
    results.forEach((r, i) => expect(r.sha256).toBe(wanted[i]!.sha256));
  });

  it('stops a running part (its thread is ended and replaced) and the pool keeps working', async () => {
    const ac = new AbortController();
    const big = pool.hashPart(new Uint8Array(64 * MiB), { signal: ac.signal });
    setTimeout(() => ac.abort(new Error('user cancelled')), 5);
    const err = await big.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HashAbortedError);
    expect((err as Error).message).toMatch(/aborted: user cancelled/);
    const after = part(3 * MiB, 6);
    await expect(pool.hashPart(after.bytes.slice())).resolves.toMatchObject({ treeHash: after.treeHash });
  });

  it('stops running work for real: a task that would spin for a minute is ended by abort', async () => {
    const ac = new AbortController();
    const spinning = runTaskForTest(pool, { ms: 60_000 }, { filename: FIXTURE, name: 'spin', signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await expect(spinning).rejects.toBeInstanceOf(HashAbortedError);
    await expect(pool.hashPart(new Uint8Array(10))).resolves.toMatchObject({ size: 10 });
  });

  it('aborts a hashFile: queued and running parts stop, the call rejects, the pool still works', async () => {
    const path = tmp.path('abort.bin');
    const bytes = patternBytes(6 * MiB, 7);
    writeFileSync(path, bytes);
    const ac = new AbortController();
    const hashing = pool.hashFile(path, { partSize: MiB, concurrency: 1, signal: ac.signal });
    ac.abort();
    await expect(hashing).rejects.toBeInstanceOf(HashAbortedError);
    const r = await pool.hashFile(path, { partSize: MiB });
    expect(r.treeHash).toBe(oracleTreeHash(bytes));
  });
});

describe('a worker that dies or throws', () => {
  let pool: HashPool;
  beforeAll(() => {
    pool = new HashPool({ threads: 2, engine: 'node' });
  });
  afterAll(() => pool.destroy());

  it('fails only the task whose thread exited, with a clear error; other work and later work succeed', async () => {
    const parts = [1, 2, 3, 4, 5, 6].map((s) => part(2 * MiB + s, s));
    // The crash takes one thread while the parts run on the other and queue behind it.
    const crash = runTaskForTest(pool, { code: 7 }, { filename: FIXTURE, name: 'exit' });
    const others = parts.map((p) => pool.hashPart(p.bytes.slice()));
    const err = await crash.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerCrashedError);
    expect((err as WorkerCrashedError).exitCode).toBe(7);
    expect((err as Error).message).toMatch(/exited with code 7.*replaced the thread/);
    const results = await Promise.all(others);
    results.forEach((r, i) => expect(r.sha256).toBe(parts[i]!.sha256));
    // The pool is whole again: both threads take work.
    const later = [7, 8, 9, 10].map((s) => part(MiB + s, s));
    const laterResults = await Promise.all(later.map((p) => pool.hashPart(p.bytes.slice())));
    laterResults.forEach((r, i) => expect(r.treeHash).toBe(later[i]!.treeHash));
  });

  it('turns an exception inside the worker into HashWorkerError and carries on', async () => {
    const err = await runTaskForTest(pool, { message: 'boom in the worker' }, { filename: FIXTURE, name: 'fail' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HashWorkerError);
    expect(err).toBeInstanceOf(GlacierMultipartError);
    expect((err as Error).message).toContain('boom in the worker');
    const p = part(MiB + 1, 11);
    await expect(pool.hashPart(p.bytes.slice())).resolves.toMatchObject({ treeHash: p.treeHash });
  });

  it('survives several crashes in a row', async () => {
    for (let i = 0; i < 3; i++) {
      await expect(runTaskForTest(pool, { code: 1 }, { filename: FIXTURE, name: 'exit' })).rejects.toBeInstanceOf(WorkerCrashedError);
    }
    const path = tmp.path('after-crash.bin');
    const bytes = patternBytes(3 * MiB, 12);
    writeFileSync(path, bytes);
    await expect(pool.hashFile(path, { partSize: MiB })).resolves.toMatchObject({ treeHash: oracleTreeHash(bytes) });
  });
});

describe('destroy()', () => {
  it('fails waiting and running work with PoolDestroyedError, ends the threads, and refuses new work', async () => {
    const pool = new HashPool({ threads: 1, engine: 'wasm' });
    await pool.ready();
    const calls = [0, 1, 2, 3, 4].map((s) => pool.hashPart(patternBytes(4 * MiB, s)));
    const destroyed = pool.destroy();
    for (const c of calls) await expect(c).rejects.toBeInstanceOf(PoolDestroyedError);
    await destroyed;
    await expect(pool.destroy()).resolves.toBeUndefined(); // idempotent
    await expect(pool.hashPart(new Uint8Array(1))).rejects.toBeInstanceOf(PoolDestroyedError);
    await expect(pool.hashFile(tmp.dir)).rejects.toThrow(/destroyed/);
  });
});

describe("engine 'auto' and thread lifetime", () => {
  it('shares one calibration per process; a pool destroyed mid-calibration does not break the others', async () => {
    const a = new HashPool({ threads: 1 });
    const b = new HashPool({ threads: 1 });
    expect(a.engine).toBe('auto');
    const readyA = a.ready().catch((e: unknown) => e);
    const readyB = b.ready(); // waits for a's calibration, already running
    await a.destroy();
    expect(await readyA).toBeInstanceOf(PoolDestroyedError);
    const engine = await readyB; // b ran its own calibration
    expect(['wasm', 'node']).toContain(engine);
    expect(b.engine).toBe(engine);
    const c = new HashPool({ threads: 1 });
    try {
      await expect(c.ready()).resolves.toBe(engine); // the process's calibration, reused
      expect(c.calibration).toEqual(b.calibration);
      const p = part(2 * MiB + 1, 31);
      await expect(c.hashPart(p.bytes.slice())).resolves.toMatchObject({ treeHash: p.treeHash, sha256: p.sha256 });
    } finally {
      await Promise.all([b.destroy(), c.destroy()]);
    }
  });

  it('with idleTimeout, threads start on demand and work again after idling out', async () => {
    const pool = new HashPool({ threads: 2, engine: 'wasm', idleTimeout: 10 });
    try {
      const p = part(3 * MiB, 41);
      await expect(pool.hashPart(p.bytes.slice())).resolves.toMatchObject({ treeHash: p.treeHash });
      await new Promise((r) => setTimeout(r, 100)); // threads exit after 10 ms idle
      await expect(pool.hashPart(p.bytes.slice())).resolves.toMatchObject({ sha256: p.sha256 });
    } finally {
      await pool.destroy();
    }
  });
});
