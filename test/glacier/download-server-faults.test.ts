// downloadArchive against the server's retrieval faults: a truncated body, a flipped byte under a
// true tree-hash header, a body that stalls halfway, an output that expires mid-download; plus
// job output expiry and Expedited without capacity. Each fault is recovered by fetching exactly the
// bad chunk again (the server's request counts prove it), or ends in the typed error that says what to do.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DownloadChecksumError, HashPool, InsufficientCapacityError, JobNotFoundError, downloadArchive, initiateRetrievalJob, readDownloadJournal,
} from 'glacier-multipart';
import { MiB, randomData, setup, uploadPlain, type Env } from './download-helpers.js';

let env: Env;
let pool: HashPool;
beforeAll(async () => {
  env = await setup({ expeditedCapacity: 0 } as Parameters<typeof setup>[0], 'server-faults');
  pool = new HashPool({ threads: 1, engine: 'wasm' });
});
afterAll(async () => {
  await pool?.destroy();
  await env?.close();
});

const base = () => ({ vaultName: env.vaultName, client: env.client, pool });
let n = 0;
const out = () => join(env.dir, `f-${++n}.bin`);

describe('GetJobOutput faults: exactly the bad chunk is fetched again', () => {
  const kinds = [
    { kind: 'TruncatedBody' },
    { kind: 'FlippedByte' },
    // Half the body, then silence longer than the idle limit: aborted, fetched again.
    { kind: 'StalledBody', delayMs: 4000, requestTimeout: 500 },
  ] as const;
  for (const k of kinds) {
    it(k.kind, async () => {
      const data = randomData(4 * MiB + 11);
      const archiveId = await uploadPlain(env, data);
      const { jobId } = await initiateRetrievalJob({ ...base(), archiveId });
      env.server.resetStats();
      env.server.setFaults([{ operation: 'GetJobOutput', kind: k.kind, nth: 3, ...('delayMs' in k ? { delayMs: k.delayMs } : {}) } as never]);
      const dest = out();
      try {
        const r = await downloadArchive({
          ...base(), jobId, destination: dest, chunkSize: MiB, concurrency: 2, ...('requestTimeout' in k ? { requestTimeout: k.requestTimeout } : {}),
        });
        expect(readFileSync(dest).equals(data)).toBe(true);
        expect(r.retries).toBe(1);
        expect(env.server.stats[`GetJobOutput:${k.kind}`]).toBe(1);
        expect(env.server.stats.GetJobOutput).toBe(r.chunks + 1);
        expect(r.verification).toBe('archive');
      } finally {
        env.server.setFaults([]);
      }
    });
  }

  it('a chunk whose bytes never match its tree hash: DownloadChecksumError naming the chunk and its byte range', async () => {
    const data = randomData(3 * MiB);
    const archiveId = await uploadPlain(env, data);
    const { jobId } = await initiateRetrievalJob({ ...base(), archiveId });
    env.server.resetStats();
    // Every answer from the 2nd on has a flipped byte: chunk 1 fails all three attempts.
    env.server.setFaults([{ operation: 'GetJobOutput', kind: 'FlippedByte', nth: [2, 3, 4] } as never]);
    const dest = out();
    try {
      const err = await downloadArchive({ ...base(), jobId, destination: dest, chunkSize: MiB, concurrency: 1, maxAttempts: 3 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DownloadChecksumError);
      expect(err).toMatchObject({ chunkIndex: 1, first: MiB, last: 2 * MiB - 1 });
      expect((err as Error).message).toMatch(/chunk 1, output bytes 1048576-2097151, after 3 attempts/);
      expect(env.server.stats.GetJobOutput).toBe(4);
      expect(existsSync(dest)).toBe(false);
    } finally {
      env.server.setFaults([]);
    }
  });

  it('an output that expires mid-download: JobNotFoundError naming the retrieve command, verified chunks kept for a new job', async () => {
    const data = randomData(5 * MiB);
    const archiveId = await uploadPlain(env, data);
    const { jobId } = await initiateRetrievalJob({ ...base(), archiveId });
    env.server.setFaults([{ operation: 'GetJobOutput', kind: 'JobOutputExpired', nth: 3 } as never]);
    const dest = out();
    const err = await downloadArchive({ ...base(), jobId, destination: dest, chunkSize: MiB, concurrency: 1 }).catch((e: unknown) => e);
    env.server.setFaults([]);
    expect(err).toBeInstanceOf(JobNotFoundError);
    const e = err as JobNotFoundError;
    expect(e.code).toBe('JOB_OUTPUT_EXPIRED');
    expect(e.keptChunks).toBe(2);
    expect(e.message).toContain(`start a new retrieval job for archive ${archiveId}`);
    expect(e).toMatchObject({ vaultName: env.vaultName, archiveId });
    expect(e.journal).toBe(`${dest}.glacier-download.json`);
    expect((await readDownloadJournal(e.journal!))!.chunks.size).toBe(2);

    const { jobId: again } = await initiateRetrievalJob({ ...base(), archiveId });
    env.server.resetStats();
    const r = await downloadArchive({ ...base(), jobId: again, destination: dest, chunkSize: MiB });
    expect(r.chunksResumed).toBe(2);
    expect(env.server.stats.GetJobOutput).toBe(3);
    expect(readFileSync(dest).equals(data)).toBe(true);
  });
});

describe('jobs as Glacier runs them', () => {
  it('a job whose output expired before the download continues: by job id a JobNotFoundError keeping the journal; by archive id a new job that keeps the verified chunks', async () => {
    const short = await setup({ jobOutputTtlMs: 1500 } as Parameters<typeof setup>[0], 'expiring');
    try {
      const data = randomData(3 * MiB);
      const archiveId = await uploadPlain(short, data);
      const dest = join(short.dir, 'expire.bin');
      short.server.setFaults([{ operation: 'GetJobOutput', kind: 'Slow', nth: 2, delayMs: 1000 }]);
      const ac = new AbortController();
      const run = downloadArchive({ vaultName: short.vaultName, client: short.client, pool, archiveId, destination: dest, chunkSize: MiB, concurrency: 1, signal: ac.signal })
        .catch((e: unknown) => e);
      const journal = `${dest}.glacier-download.json`;
      while (!existsSync(journal) || readFileSync(journal, 'utf8').split('\n').filter(Boolean).length < 2) await new Promise((r) => setTimeout(r, 10));
      ac.abort();
      await run;
      short.server.setFaults([]);
      await new Promise((r) => setTimeout(r, 1600));
      const oldJob = (await readDownloadJournal(journal))!.header.jobId;
      const err = await downloadArchive({ vaultName: short.vaultName, client: short.client, pool, jobId: oldJob, destination: dest }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(JobNotFoundError);
      const kept = (err as JobNotFoundError).keptChunks!;
      expect(kept).toBeGreaterThanOrEqual(1);
      expect((err as Error).message).toMatch(/at least 24 h.*start a new retrieval job/);
      expect((err as JobNotFoundError).vaultName).toBe(short.vaultName);
      expect(existsSync(journal)).toBe(true);
      // Naming the archive instead starts a new job for the journal's bytes and keeps what was verified.
      short.server.resetStats();
      const r = await downloadArchive({ vaultName: short.vaultName, client: short.client, pool, archiveId, destination: dest });
      expect(r.jobId).not.toBe(oldJob);
      expect(r.chunksResumed).toBe(kept);
      expect(short.server.stats.InitiateJob).toBe(1);
      expect(short.server.stats.GetJobOutput).toBe(3 - kept);
      expect(readFileSync(dest).equals(data)).toBe(true);
    } finally {
      await short.close();
    }
  });

  it('Expedited without capacity: InsufficientCapacityError suggesting Standard, after one request', async () => {
    const data = randomData(100);
    const archiveId = await uploadPlain(env, data);
    env.server.resetStats();
    const err = await downloadArchive({ ...base(), archiveId, tier: 'Expedited', destination: out() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InsufficientCapacityError);
    expect((err as Error).message).toContain('use the Standard tier');
    expect(err).toMatchObject({ vaultName: env.vaultName, archiveId });
    expect(env.server.stats.InitiateJob).toBe(1);
    const ok = await downloadArchive({ ...base(), archiveId, tier: 'Standard', destination: out() });
    expect(ok.size).toBe(100);
  });
});
