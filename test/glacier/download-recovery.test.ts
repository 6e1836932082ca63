// downloadArchive when things go wrong: GetJobOutput faults recovered by re-fetching exactly the
// bad chunk (the server's request counts prove it), cancellation that keeps the journal, resume
// that re-hashes the partial file instead of trusting the journal, and a new job for the same
// archive that keeps the verified chunks.
import { existsSync, openSync, readFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DownloadCancelledError, HashPool, downloadArchive, initiateRetrievalJob, readDownloadJournal,
} from 'glacier-multipart';
// Internals, tested through their own module (not exported from the package).
import { combineChunkTreeHashes, planChunks } from '../../dist/src/glacier/download/chunk-plan.js';
import { MiB, oracleTreeHash, randomData, setup, uploadPlain, type Env } from './download-helpers.js';

let env: Env;
let pool: HashPool;
beforeAll(async () => {
  env = await setup({}, 'recovery');
  pool = new HashPool({ threads: 1, engine: 'wasm' });
});
afterAll(async () => {
  await pool?.destroy();
  await env?.close();
});

const base = () => ({ vaultName: env.vaultName, client: env.client, pool });
let n = 0;
const out = () => join(env.dir, `r-${++n}.bin`);

describe('combineChunkTreeHashes', () => {
  it('equals the tree hash of the bytes for every plan of every offset, size and chunk size', () => {
    const data = randomData(13 * MiB + 5);
    for (const offsetMiB of [0, 1, 2, 3, 4, 6, 8]) {
      for (const sizeMiB of [1, 2, 3, 5, 7, 8]) {
        const first = offsetMiB * MiB;
        const endsAtArchiveEnd = first + sizeMiB * MiB >= data.length;
        const size = endsAtArchiveEnd ? data.length - first : sizeMiB * MiB;
        for (const chunkSize of [MiB, 2 * MiB, 4 * MiB, 8 * MiB]) {
          const bytes = data.subarray(first, first + size);
          const { chunks } = planChunks(first, size, endsAtArchiveEnd, chunkSize);
          expect(chunks[chunks.length - 1]!.last).toBe(size - 1);
          const hashed = chunks.map((c) => ({ first: c.first, size: c.last - c.first + 1, treeHash: oracleTreeHash(bytes.subarray(c.first, c.last + 1)) }));
          expect(combineChunkTreeHashes(hashed), `${first}+${size} by ${chunkSize}`).toBe(oracleTreeHash(bytes));
        }
      }
    }
  });
});

describe('faults on GetJobOutput: exactly the bad chunk is fetched again', () => {
  const kinds = [
    { kind: 'ServiceUnavailable' as const },
    { kind: 'Throttling' as const },
    { kind: 'ConnectionReset' as const },
    // Held back longer than the request's idle limit: aborted, then fetched again.
    { kind: 'Slow' as const, delayMs: 3000, requestTimeout: 400 },
  ];
  for (const k of kinds) {
    it(k.kind, async () => {
      const data = randomData(4 * MiB + 9);
      const archiveId = await uploadPlain(env, data);
      const { jobId } = await initiateRetrievalJob({ ...base(), archiveId });
      env.server.resetStats();
      env.server.setFaults([{ operation: 'GetJobOutput', kind: k.kind, nth: 2, ...(k.delayMs ? { delayMs: k.delayMs } : {}) }]);
      const dest = out();
      try {
        const r = await downloadArchive({
          ...base(), jobId, destination: dest, chunkSize: MiB, concurrency: 2, ...(k.requestTimeout ? { requestTimeout: k.requestTimeout } : {}),
        });
        expect(readFileSync(dest).equals(data)).toBe(true);
        expect(r.chunks).toBe(5);
        expect(r.retries).toBe(1);
        expect(env.server.stats[`GetJobOutput:${k.kind}`]).toBe(1);
        expect(env.server.stats.GetJobOutput).toBe(r.chunks + 1);
      } finally {
        env.server.setFaults([]);
      }
    });
  }

  it('a chunk that keeps failing ends with the last transfer error after maxAttempts requests', async () => {
    const data = randomData(2 * MiB);
    const archiveId = await uploadPlain(env, data);
    const { jobId } = await initiateRetrievalJob({ ...base(), archiveId });
    env.server.resetStats();
    env.server.setFaults([{ operation: 'GetJobOutput', kind: 'ServiceUnavailable' }]);
    try {
      const err = await downloadArchive({ ...base(), jobId, destination: out(), chunkSize: MiB, concurrency: 1, maxAttempts: 3 }).catch((e: unknown) => e);
      expect((err as Error).name).toBe('ServiceUnavailableException');
      expect(env.server.stats.GetJobOutput).toBe(3);
    } finally {
      env.server.setFaults([]);
    }
  });
});

describe('cancel and resume', () => {
  it('cancel mid-download keeps the journal; the next run re-fetches no verified chunk', async () => {
    const data = randomData(6 * MiB);
    const archiveId = await uploadPlain(env, data);
    const dest = out();
    const journal = `${dest}.glacier-download.json`;
    // From the 3rd chunk on every answer is held back, so the cancel lands mid-download.
    env.server.setFaults([{ operation: 'GetJobOutput', kind: 'Slow', nth: [3, 4, 5, 6], delayMs: 800 }]);
    const ac = new AbortController();
    const run = downloadArchive({ ...base(), archiveId, destination: dest, chunkSize: MiB, concurrency: 1, signal: ac.signal }).catch((e: unknown) => e);
    while (!existsSync(journal) || readFileSync(journal, 'utf8').split('\n').filter(Boolean).length < 3) await new Promise((r) => setTimeout(r, 10));
    ac.abort();
    const err = await run;
    env.server.setFaults([]);
    expect(err).toBeInstanceOf(DownloadCancelledError);
    expect((err as DownloadCancelledError).journal).toBe(journal);
    const state = await readDownloadJournal(journal);
    const kept = state!.chunks.size;
    expect(kept).toBeGreaterThanOrEqual(2);
    expect(kept).toBeLessThan(6);

    env.server.resetStats();
    const r = await downloadArchive({ ...base(), archiveId, destination: dest, chunkSize: MiB });
    expect(readFileSync(dest).equals(data)).toBe(true);
    expect(r.jobId).toBe(state!.header.jobId);
    expect(env.server.stats.InitiateJob ?? 0).toBe(0);
    expect(r.chunksResumed).toBe(kept);
    expect(env.server.stats.GetJobOutput).toBe(6 - kept);
    expect(existsSync(journal)).toBe(false);
  });

  it('resume re-hashes the partial file: a chunk whose bytes changed is fetched again, the journal notwithstanding', async () => {
    const data = randomData(4 * MiB);
    const archiveId = await uploadPlain(env, data);
    const dest = out();
    const journal = `${dest}.glacier-download.json`;
    env.server.setFaults([{ operation: 'GetJobOutput', kind: 'Slow', nth: [4], delayMs: 2000 }]);
    const ac = new AbortController();
    const run = downloadArchive({ ...base(), archiveId, destination: dest, chunkSize: MiB, concurrency: 1, signal: ac.signal }).catch((e: unknown) => e);
    while (!existsSync(journal) || readFileSync(journal, 'utf8').split('\n').filter(Boolean).length < 4) await new Promise((r) => setTimeout(r, 10));
    ac.abort();
    expect(await run).toBeInstanceOf(DownloadCancelledError);
    env.server.setFaults([]);
    // Chunk 1 is damaged on disk behind the journal's back.
    const fd = openSync(`${dest}.part`, 'r+');
    writeSync(fd, Buffer.from([data[MiB + 10]! ^ 0xff]), 0, 1, MiB + 10);
    closeSync(fd);
    const recorded = (await readDownloadJournal(journal))!.chunks;
    expect(recorded.has(1)).toBe(true);
    env.server.resetStats();
    const r = await downloadArchive({ ...base(), archiveId, destination: dest, chunkSize: MiB });
    expect(readFileSync(dest).equals(data)).toBe(true);
    // Every recorded chunk but the damaged one is kept; the damaged one and the unrecorded ones are fetched.
    expect(r.chunksResumed).toBe(recorded.size - 1);
    expect(env.server.stats.GetJobOutput).toBe(4 - (recorded.size - 1));
  });

  it('a new job for the same archive continues from the verified chunks of an expired one', async () => {
    const data = randomData(3 * MiB + 1);
    const archiveId = await uploadPlain(env, data);
    const dest = out();
    const journal = `${dest}.glacier-download.json`;
    env.server.setFaults([{ operation: 'GetJobOutput', kind: 'Slow', nth: [3], delayMs: 2000 }]);
    const ac = new AbortController();
    const run = downloadArchive({ ...base(), archiveId, destination: dest, chunkSize: MiB, concurrency: 1, signal: ac.signal }).catch((e: unknown) => e);
    while (!existsSync(journal) || readFileSync(journal, 'utf8').split('\n').filter(Boolean).length < 3) await new Promise((r) => setTimeout(r, 10));
    ac.abort();
    expect(await run).toBeInstanceOf(DownloadCancelledError);
    env.server.setFaults([]);
    const { jobId } = await initiateRetrievalJob({ ...base(), archiveId });
    env.server.resetStats();
    const r = await downloadArchive({ ...base(), jobId, destination: dest, chunkSize: MiB });
    expect(r.jobId).toBe(jobId);
    expect(r.chunksResumed).toBe(2);
    expect(env.server.stats.GetJobOutput).toBe(2);
    expect(readFileSync(dest).equals(data)).toBe(true);
  });

  it('a journal for another range of the same archive is refused, not silently continued', async () => {
    const data = randomData(3 * MiB);
    const archiveId = await uploadPlain(env, data);
    const dest = out();
    const journal = `${dest}.glacier-download.json`;
    env.server.setFaults([{ operation: 'GetJobOutput', kind: 'Slow', nth: [2], delayMs: 2000 }]);
    const ac = new AbortController();
    const run = downloadArchive({ ...base(), archiveId, range: { first: MiB, last: 3 * MiB - 1 }, destination: dest, chunkSize: MiB, concurrency: 1, signal: ac.signal })
      .catch((e: unknown) => e);
    while (!existsSync(journal) || readFileSync(journal, 'utf8').split('\n').filter(Boolean).length < 2) await new Promise((r) => setTimeout(r, 10));
    ac.abort();
    expect(await run).toBeInstanceOf(DownloadCancelledError);
    env.server.setFaults([]);
    env.server.resetStats();
    const whole = await downloadArchive({ ...base(), archiveId, destination: dest }).catch((e: unknown) => e);
    expect((whole as Error).message).toMatch(/bytes 1048576-3145727, not the whole archive/);
    expect(env.server.stats.InitiateJob ?? 0).toBe(0);
    const same = await downloadArchive({ ...base(), archiveId, range: { first: MiB, last: 3 * MiB - 1 }, destination: dest, chunkSize: MiB });
    expect(same.chunksResumed).toBe(1);
    expect(readFileSync(dest).equals(data.subarray(MiB))).toBe(true);
  });

  it('cancel while waiting for the job keeps its id in the journal', async () => {
    const slowEnv = await setup({ jobDelayMs: 60_000 }, 'waiting');
    try {
      const data = randomData(1000);
      const archiveId = await uploadPlain(slowEnv, data);
      const dest = join(slowEnv.dir, 'wait.bin');
      const ac = new AbortController();
      const run = downloadArchive({ vaultName: slowEnv.vaultName, client: slowEnv.client, pool, archiveId, destination: dest, signal: ac.signal, wait: { pollInterval: 20 } })
        .catch((e: unknown) => e);
      const journal = `${dest}.glacier-download.json`;
      while (!existsSync(journal)) await new Promise((r) => setTimeout(r, 10));
      ac.abort();
      const err = await run;
      expect(err).toBeInstanceOf(DownloadCancelledError);
      const state = await readDownloadJournal(journal);
      expect((err as DownloadCancelledError).jobId).toBe(state!.header.jobId);
      expect((err as DownloadCancelledError).journal).toBe(journal);
      expect(slowEnv.server.stats.InitiateJob).toBe(1);
    } finally {
      await slowEnv.close();
    }
  });
});
