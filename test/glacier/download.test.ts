// downloadArchive against the local server: byte-identical downloads for awkward sizes, chunk
// sizes and ranges, archives put in by uploadArchive and by the plain SDK, stdout-like streams,
// and the typed errors a caller meets before and after the first request.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DestinationExistsError, HashPool, JobNotCompleteError, JobNotFoundError, RangeNotAlignedError, ArchiveNotFoundError,
  downloadArchive, initiateRetrievalJob, listJobs, waitForJob, describeJob, DownloadCancelledError, type DownloadProgress,
} from 'glacier-multipart';
import { MiB, oracleTreeHash, randomData, setup, uploadOurs, uploadPlain, type Env } from './download-helpers.js';

let env: Env;
let pool: HashPool;
beforeAll(async () => {
  env = await setup({}, 'downloads');
  pool = new HashPool({ threads: 1, engine: 'wasm' });
});
afterAll(async () => {
  await pool?.destroy();
  await env?.close();
});

const base = () => ({ vaultName: env.vaultName, client: env.client, pool });
let n = 0;
const out = () => join(env.dir, `out-${++n}.bin`);

describe('byte-identical downloads', () => {
  const sizes = [1, MiB - 1, MiB, MiB + 1, 5 * MiB + 7];
  for (const size of sizes) {
    it(`${size} bytes, uploaded by uploadArchive, 1 MiB chunks`, async () => {
      const data = randomData(size);
      const archiveId = await uploadOurs(env, data, pool);
      const dest = out();
      env.server.resetStats();
      const r = await downloadArchive({ ...base(), archiveId, destination: dest, chunkSize: MiB, concurrency: 3 });
      expect(readFileSync(dest).equals(data)).toBe(true);
      expect(r.treeHash).toBe(oracleTreeHash(data));
      expect(r.size).toBe(size);
      expect(r.chunks).toBe(Math.ceil(size / MiB));
      expect(r.verification).toBe('archive');
      expect(r.chunksVerifiedByGlacier).toBe(r.chunks);
      expect(env.server.stats.GetJobOutput).toBe(r.chunks);
      expect(existsSync(`${dest}.part`)).toBe(false);
      expect(existsSync(`${dest}.glacier-download.json`)).toBe(false);
    });
  }

  it('5 MiB + 7 bytes uploaded through the plain SDK, every chunk size from 1 to 16 MiB', async () => {
    const data = randomData(5 * MiB + 7);
    const archiveId = await uploadPlain(env, data);
    for (const chunkSize of [MiB, 2 * MiB, 4 * MiB, 8 * MiB, 16 * MiB]) {
      const dest = out();
      env.server.resetStats();
      const r = await downloadArchive({ ...base(), archiveId, destination: dest, chunkSize });
      expect(readFileSync(dest).equals(data), `chunk ${chunkSize}`).toBe(true);
      expect(r.treeHash).toBe(oracleTreeHash(data));
      expect(r.chunks).toBe(Math.ceil(data.length / chunkSize));
      expect(env.server.stats.GetJobOutput).toBe(r.chunks);
    }
  });

  it('aligned and unaligned ranges, each byte-identical, saying what was verified', async () => {
    const data = randomData(5 * MiB + 7);
    const archiveId = await uploadOurs(env, data, pool);
    const cases = [
      { first: 0, last: MiB - 1, verification: 'range' },
      { first: 2 * MiB, last: 4 * MiB - 1, verification: 'range' },
      { first: 4 * MiB, last: data.length - 1, verification: 'range' },
      // 3 MiB from 1 MiB: no node of the tree, so Glacier gives no hash for the whole range.
      { first: MiB, last: 4 * MiB - 1, verification: 'none' },
      { first: 3 * MiB, last: data.length - 1, verification: 'none' },
    ] as const;
    for (const c of cases) {
      const dest = out();
      const r = await downloadArchive({ ...base(), archiveId, range: { first: c.first, last: c.last }, destination: dest, chunkSize: 4 * MiB });
      const want = data.subarray(c.first, c.last + 1);
      expect(readFileSync(dest).equals(want), `${c.first}-${c.last}`).toBe(true);
      expect(r.treeHash).toBe(oracleTreeHash(want));
      expect(r.verification).toBe(c.verification);
      // Glacier hashes ranged output only when the job's range is tree-hash aligned too.
      expect(r.chunksVerifiedByGlacier).toBe(c.verification === 'none' ? 0 : r.chunks);
      if (c.verification === 'none') expect(r.verificationNote).toMatch(/no tree hash for this range.*unverified/);
    }
  });

  it('streams to a Writable in order, equal to the file download', async () => {
    const data = randomData(6 * MiB + 3);
    const archiveId = await uploadPlain(env, data);
    const sink = new PassThrough();
    const got: Buffer[] = [];
    sink.on('data', (b: Buffer) => got.push(b));
    const r = await downloadArchive({ ...base(), archiveId, destination: sink, chunkSize: MiB, concurrency: 4 });
    expect(Buffer.concat(got).equals(data)).toBe(true);
    expect(r.treeHash).toBe(oracleTreeHash(data));
    expect(r.destination).toBeUndefined();

    // A slow consumer: backpressure holds the download back, the order stays right.
    const slowGot: Buffer[] = [];
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, cb) {
        slowGot.push(Buffer.from(chunk));
        setTimeout(cb, 5);
      },
    });
    await downloadArchive({ ...base(), jobId: r.jobId, destination: slow, chunkSize: MiB, concurrency: 3 });
    expect(Buffer.concat(slowGot).equals(data)).toBe(true);
  });

  it('reports progress up to every chunk verified', async () => {
    const data = randomData(3 * MiB);
    const archiveId = await uploadOurs(env, data, pool);
    const seen: DownloadProgress[] = [];
    await downloadArchive({ ...base(), archiveId, destination: out(), chunkSize: MiB, onProgress: (p) => seen.push(p) });
    const last = seen[seen.length - 1]!;
    expect(last).toMatchObject({ phase: 'done', done: true, bytesDone: 3 * MiB, totalBytes: 3 * MiB, chunksVerified: 3, chunksTotal: 3 });
  });
});

describe('typed errors', () => {
  it('refuses an existing destination before any request, and replaces it with overwrite', async () => {
    const data = randomData(1000);
    const archiveId = await uploadPlain(env, data);
    const dest = out();
    writeFileSync(dest, 'precious');
    env.server.resetStats();
    await expect(downloadArchive({ ...base(), archiveId, destination: dest })).rejects.toBeInstanceOf(DestinationExistsError);
    expect(env.server.stats.InitiateJob ?? 0).toBe(0);
    expect(readFileSync(dest, 'utf8')).toBe('precious');
    await downloadArchive({ ...base(), archiveId, destination: dest, overwrite: true });
    expect(readFileSync(dest).equals(data)).toBe(true);
  });

  it('a range not megabyte aligned: before any request when FIRST is off, from Glacier when LAST is', async () => {
    const data = randomData(3 * MiB);
    const archiveId = await uploadPlain(env, data);
    env.server.resetStats();
    const early = downloadArchive({ ...base(), archiveId, range: { first: 1000, last: MiB - 1 }, destination: out() });
    await expect(early).rejects.toBeInstanceOf(RangeNotAlignedError);
    expect(env.server.stats.InitiateJob ?? 0).toBe(0);
    const late = downloadArchive({ ...base(), archiveId, range: { first: 0, last: 1000 }, destination: out() });
    await expect(late).rejects.toBeInstanceOf(RangeNotAlignedError);
    await expect(late).rejects.toThrow(/0-1000.*multiple of 1048576/);
  });

  it('an unknown archive and an unknown job say a new retrieval job is needed, with the facts as fields', async () => {
    const missing = 'A'.repeat(138);
    await expect(downloadArchive({ ...base(), archiveId: missing, destination: out() })).rejects.toBeInstanceOf(ArchiveNotFoundError);
    const job = downloadArchive({ ...base(), jobId: 'J'.repeat(92), destination: out() });
    await expect(job).rejects.toBeInstanceOf(JobNotFoundError);
    await expect(job).rejects.toThrow('start a new retrieval job');
    await expect(job).rejects.toMatchObject({ vaultName: env.vaultName, jobId: 'J'.repeat(92) });
    // Library messages name no CLI command: the CLI builds that next step from the fields.
    await expect(job).rejects.not.toThrow(/glacier-multipart retrieve|--vault/);
  });

  it('an output that disappears mid-download (archive deleted, output gone) keeps the verified chunks in the journal', async () => {
    const data = randomData(4 * MiB);
    const archiveId = await uploadPlain(env, data);
    const { jobId } = await initiateRetrievalJob({ ...base(), archiveId });
    const dest = out();
    // The 3rd GetJobOutput is held back; meanwhile the archive goes, so its retry is a 404.
    const { DeleteArchiveCommand } = await import('@aws-sdk/client-glacier');
    env.server.setFaults([{ operation: 'GetJobOutput', kind: 'Slow', nth: 3, delayMs: 1500 }]);
    const journal = `${dest}.glacier-download.json`;
    const run = downloadArchive({ ...base(), jobId, destination: dest, chunkSize: MiB, concurrency: 1, maxAttempts: 3 }).catch((e: unknown) => e);
    while (!existsSync(journal) || readFileSync(journal, 'utf8').split('\n').filter(Boolean).length < 3) await new Promise((r) => setTimeout(r, 10));
    await env.client.send(new DeleteArchiveCommand({ accountId: '-', vaultName: env.vaultName, archiveId }));
    const err = await run;
    env.server.setFaults([]);
    expect(err, String(err)).toBeInstanceOf(JobNotFoundError);
    expect((err as JobNotFoundError).keptChunks).toBeGreaterThanOrEqual(2);
    expect((err as Error).message).toMatch(new RegExp(`start a new retrieval job for archive ${archiveId}`));
    expect((err as JobNotFoundError).archiveId).toBe(archiveId);
    expect(existsSync(`${dest}.glacier-download.json`)).toBe(true);
  });
});

describe('jobs', () => {
  it('lists, describes and waits for a job; wait: false on a running job is JobNotCompleteError', async () => {
    const slowEnv = await setup({ jobDelayMs: 600 }, 'slow-jobs');
    try {
      const data = randomData(MiB + 5);
      const archiveId = await uploadPlain(slowEnv, data);
      const t = { vaultName: slowEnv.vaultName, client: slowEnv.client };
      const { jobId } = await initiateRetrievalJob({ ...t, archiveId, tier: 'Expedited' });
      const running = await describeJob({ ...t, jobId });
      expect(running).toMatchObject({ jobId, archiveId, statusCode: 'InProgress', completed: false, outputSize: data.length });
      const listed = [];
      for await (const j of listJobs({ ...t, completed: false })) listed.push(j.jobId);
      expect(listed).toContain(jobId);
      await expect(downloadArchive({ ...t, pool, jobId, destination: join(slowEnv.dir, 'nowait.bin'), wait: false })).rejects.toBeInstanceOf(JobNotCompleteError);
      const ac = new AbortController();
      const waiting = waitForJob({ ...t, jobId, pollInterval: 20, signal: ac.signal });
      setTimeout(() => ac.abort(), 50);
      await expect(waiting).rejects.toBeInstanceOf(DownloadCancelledError);
      const polls: string[] = [];
      const done = await waitForJob({ ...t, jobId, pollInterval: 50, onPoll: (j) => polls.push(j.statusCode) });
      expect(done.statusCode).toBe('Succeeded');
      expect(done.treeHash).toBe(oracleTreeHash(data));
      expect(polls[0]).toBe('InProgress');
      const dest = join(slowEnv.dir, 'waited.bin');
      await downloadArchive({ ...t, pool, jobId, destination: dest, wait: false });
      expect(readFileSync(dest).equals(data)).toBe(true);
    } finally {
      await slowEnv.close();
    }
  });
});
