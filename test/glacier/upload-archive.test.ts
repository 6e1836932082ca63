// uploadArchive end to end: the real SDK over HTTP to the local server, real HashPool threads,
// real files. Archives are checked against a node:crypto tree-hash oracle and, for some, read
// back through a retrieval job.
import { createHash, createHmac } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { appendFileSync, existsSync, mkdirSync, openSync, closeSync, ftruncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GlacierClient, ListMultipartUploadsCommand } from '@aws-sdk/client-glacier';
import {
  EmptyArchiveError, HashPool, InvalidDescriptionError, JournalError, InvalidPartSizeError, InvalidUploadOptionError, MultipartUpload,
  ResumeMismatchError, SourceChangedError, TooManyPartsError, UploadCancelledError, UploadFailedError, UploadNotFoundError, readJournal,
  uploadArchive, type FilePartHash, type UploadArchiveOptions, type UploadProgress,
} from 'glacier-multipart';
import {
  MiB, chunked, credentials, listedPartCount, oracleTreeHash, randomData, readBack, setup, writeRandomFile, type Env,
} from './helpers.js';

let env: Env;
let pool: HashPool;
beforeAll(async () => {
  env = await setup();
  // One pool for most tests (real worker threads); a few tests let uploadArchive create its own.
  pool = new HashPool({ threads: 2 });
});
afterAll(async () => {
  await pool?.destroy();
  await env?.close();
});

const base = (): Pick<UploadArchiveOptions, 'vaultName' | 'client' | 'pool'> => ({ vaultName: env.vaultName, client: env.client, pool });

async function openUploads(): Promise<string[]> {
  const out = await env.client.send(new ListMultipartUploadsCommand({ accountId: '-', vaultName: env.vaultName }));
  return (out.UploadsList ?? []).map((u) => u.MultipartUploadId!);
}

describe('uploadArchive: sizes and sources', () => {
  it.each([
    ['1 byte', 1, MiB],
    ['1 MiB - 1', MiB - 1, MiB],
    ['exactly 1 MiB', MiB, MiB],
    ['exact multiple (4 x 1 MiB)', 4 * MiB, MiB],
    ['short last part (3 MiB + 5 at 2 MiB)', 3 * MiB + 5, 2 * MiB],
  ])('a file of %s', async (_name, size, partSize) => {
    const { path, data } = writeRandomFile(env.dir, `f-${size}.bin`, size);
    env.server.resetStats();
    const r = await uploadArchive({ ...base(), source: path, partSize, concurrency: 2, description: `size ${size}` });
    const parts = Math.ceil(size / partSize);
    expect(r).toMatchObject({ archiveSize: size, partSize, partCount: parts, uploadedParts: parts, skippedParts: 0 });
    expect(r.checksum).toBe(oracleTreeHash(data));
    expect(env.server.stats.UploadMultipartPart).toBe(parts);
    expect(env.server.stats['UploadMultipartPart:bytes']).toBe(size);
    expect((await readBack(env.client, env.vaultName, r.archiveId)).equals(data)).toBe(true);
  });

  it('many parts (40 x 1 MiB) from bytes, with its own pool, throttled progress', async () => {
    const data = randomData(40 * MiB);
    const progress: (UploadProgress & { at: number })[] = [];
    const r = await uploadArchive({
      vaultName: env.vaultName, client: env.client, source: data, partSize: MiB, concurrency: 4, threads: 2,
      onProgress: (p) => progress.push({ ...p, at: Date.now() }),
    });
    expect(r).toMatchObject({ archiveSize: 40 * MiB, partCount: 40, uploadedParts: 40 });
    expect(r.checksum).toBe(oracleTreeHash(data));
    // The caller's buffer is neither detached nor changed.
    expect(data.byteLength).toBe(40 * MiB);
    expect(oracleTreeHash(data)).toBe(r.checksum);
    const last = progress.at(-1)!;
    expect(last).toMatchObject({ done: true, partsDone: 40, partsTotal: 40, bytesUploaded: 40 * MiB, bytesHashed: 40 * MiB, totalBytes: 40 * MiB });
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]!.bytesUploaded).toBeGreaterThanOrEqual(progress[i - 1]!.bytesUploaded);
      // Throttled to one report per 100 ms, the final report excepted. (Node timers may fire a millisecond or two early against Date.now.)
      if (i < progress.length - 1) expect(progress[i]!.at - progress[i - 1]!.at).toBeGreaterThanOrEqual(95);
    }
  });

  it("'auto' picks 8 MiB parts for a small archive (one part)", async () => {
    const data = randomData(3 * MiB + 1);
    const r = await uploadArchive({ ...base(), source: data });
    expect(r).toMatchObject({ partSize: 8 * MiB, partCount: 1, archiveSize: 3 * MiB + 1 });
    expect(r.checksum).toBe(oracleTreeHash(data));
  });

  it('a stdin-like Readable of unknown size (chunks arriving over time), with expectedSize sizing the parts', async () => {
    const data = randomData(5 * MiB + 3);
    const stdin = new PassThrough({ highWaterMark: 64 * 1024 });
    (async () => {
      for (let i = 0; i < data.length; i += 100_000) {
        if (!stdin.write(data.subarray(i, Math.min(data.length, i + 100_000)))) await new Promise((r) => stdin.once('drain', r));
      }
      stdin.end();
    })();
    const r = await uploadArchive({ ...base(), source: stdin, partSize: MiB, concurrency: 3 });
    expect(r).toMatchObject({ archiveSize: data.length, partCount: 6, partSize: MiB });
    expect(r.checksum).toBe(oracleTreeHash(data));
    expect((await readBack(env.client, env.vaultName, r.archiveId)).equals(data)).toBe(true);

    const hinted = await uploadArchive({ ...base(), source: Readable.from([data]), expectedSize: 200 * 1024 * MiB });
    expect(hinted.partSize).toBe(32 * MiB);
    const unhinted = await uploadArchive({ ...base(), source: Readable.from([data.subarray(0, 10)]) });
    expect(unhinted.partSize).toBe(64 * MiB);
  });

  it('an AsyncIterable of irregular chunks, an exact multiple of the part size', async () => {
    const data = randomData(4 * MiB);
    const r = await uploadArchive({ ...base(), source: chunked(data), partSize: MiB, concurrency: 2 });
    expect(r).toMatchObject({ archiveSize: 4 * MiB, partCount: 4 });
    expect(r.checksum).toBe(oracleTreeHash(data));
  });

  it('an old-style stream (data/end events only) is wrapped', async () => {
    const data = randomData(2 * MiB + 17);
    const old = new EventEmitter() as EventEmitter & { read(): null; pause(): unknown; resume(): unknown; readable: boolean };
    old.readable = true;
    old.read = () => null;
    old.pause = () => old;
    old.resume = () => old;
    setImmediate(() => {
      for (let i = 0; i < data.length; i += 300_000) old.emit('data', data.subarray(i, Math.min(data.length, i + 300_000)));
      old.emit('end');
    });
    const r = await uploadArchive({ ...base(), source: old as unknown as NodeJS.ReadableStream, partSize: MiB });
    expect(r).toMatchObject({ archiveSize: data.length, partCount: 3 });
    expect(r.checksum).toBe(oracleTreeHash(data));
  });

  it('a stream upload with a journal resumes by re-reading and re-hashing the stream', async () => {
    const data = randomData(4 * MiB + 5);
    const journal = join(env.dir, 'stream.journal');
    env.server.setFaults([{ operation: 'UploadMultipartPart', kind: 'ServiceUnavailable', nth: 3 }]);
    let err: UploadFailedError;
    try {
      err = await uploadArchive({ ...base(), source: chunked(data), partSize: MiB, concurrency: 1, readAhead: 0, maxAttempts: 1, leavePartsOnError: true, journal })
        .catch((e: unknown) => e) as UploadFailedError;
    } finally {
      env.server.setFaults([]);
    }
    expect(err.aborted).toBe(false);
    expect((await readJournal(journal))!.header.file).toBeNull();
    env.server.resetStats();
    const r = await uploadArchive({ ...base(), source: Readable.from([data]), journal });
    expect(r).toMatchObject({ uploadId: err.uploadId, skippedParts: 2, uploadedParts: 3 });
    expect(env.server.stats.UploadMultipartPart).toBe(3);
    expect(r.checksum).toBe(oracleTreeHash(data));
  });

  it('parts above 64 MiB are streamed from the file with the pool’s checksums', async () => {
    const { path, data } = writeRandomFile(env.dir, 'big.bin', 128 * MiB + 3 * MiB);
    env.server.resetStats();
    // The first part's connection is reset mid-body: the retry re-opens the file range.
    env.server.setFaults([{ operation: 'UploadMultipartPart', kind: 'ConnectionReset', nth: 1 }]);
    let retries = 0;
    try {
      const r = await uploadArchive({ ...base(), source: path, partSize: 128 * MiB, concurrency: 2, onProgress: (p) => { retries = p.retries; } });
      expect(r).toMatchObject({ partCount: 2, partSize: 128 * MiB, archiveSize: data.length, uploadedParts: 2 });
      expect(r.checksum).toBe(oracleTreeHash(data));
    } finally {
      env.server.setFaults([]);
    }
    expect(env.server.stats['UploadMultipartPart:ConnectionReset']).toBe(1);
    expect(retries).toBe(1);
    expect(env.server.stats['UploadMultipartPart:bytes']).toBe(data.length);
  });
});

describe('uploadArchive: parts above 64 MiB overlap hashing and uploading', () => {
  // Two parts of 128 MiB parts: a full one and a 2 MiB tail.
  let big: { path: string; data: Buffer };
  beforeAll(() => {
    big = writeRandomFile(env.dir, 'big-overlap.bin', 130 * MiB);
  });

  /**
   * The real pool, asked for one part at a time; before each later part it waits until Glacier has
   * received an upload for every part handed over so far. So the upload completes only if each
   * part is sent while later parts are still unhashed; an uploader that waited for the whole
   * file's hashes would never get them (the wait gives up with an error instead of hanging).
   */
  function gatedPool(log: { parts?: readonly number[]; uploadsBeforeHash: number[] }): NonNullable<UploadArchiveOptions['pool']> {
    return {
      hashPart: (d, o) => pool.hashPart(d, o),
      destroy: async () => undefined,
      hashFile: async (path, opts = {}) => {
        log.parts = opts.parts;
        const indexes = [...(opts.parts ?? [])].sort((a, b) => a - b);
        const parts: FilePartHash[] = [];
        let size = 0;
        let partSize = 0;
        for (const [k, index] of indexes.entries()) {
          for (let waited = 0; (env.server.stats.UploadMultipartPart ?? 0) < k; waited += 5) {
            if (waited > 20_000) throw new Error(`part ${index} would be hashed before any of the ${k} hashed part(s) was sent`);
            await new Promise((r) => setTimeout(r, 5));
          }
          log.uploadsBeforeHash.push(env.server.stats.UploadMultipartPart ?? 0);
          const r = await pool.hashFile(path, { ...opts, parts: [index] });
          parts.push(...r.parts);
          ({ size, partSize } = r);
        }
        return { size, partSize, treeHash: '', parts };
      },
    };
  }

  it('each part is sent as soon as its hashes arrive, while later parts are still being hashed', async () => {
    env.server.resetStats();
    const log: { parts?: readonly number[]; uploadsBeforeHash: number[] } = { uploadsBeforeHash: [] };
    const seen: UploadProgress[] = [];
    const r = await uploadArchive({
      ...base(), pool: gatedPool(log), source: big.path, partSize: 128 * MiB, concurrency: 2, onProgress: (p) => seen.push(p),
    });
    expect(r).toMatchObject({ partCount: 2, partSize: 128 * MiB, archiveSize: big.data.length, uploadedParts: 2, skippedParts: 0 });
    expect(r.checksum).toBe(oracleTreeHash(big.data));
    expect(log.parts).toEqual([0, 1]);
    // Part 0's upload had reached Glacier before part 1 was hashed.
    expect(log.uploadsBeforeHash).toEqual([0, 1]);
    expect(env.server.stats.UploadMultipartPart).toBe(2);
    expect(env.server.stats['UploadMultipartPart:bytes']).toBe(big.data.length);
    expect(seen.at(-1)).toMatchObject({ done: true, bytesHashed: big.data.length, bytesUploaded: big.data.length, partsDone: 2 });
  });

  it('a resume hashes only the part Glacier lacks (journal + ListParts vouch for the rest)', async () => {
    const journal = join(env.dir, 'big-overlap.journal');
    env.server.resetStats();
    // concurrency 1: part 0 (128 MiB) is hashed and sent first; part 1, the second request, fails.
    env.server.setFaults([{ operation: 'UploadMultipartPart', kind: 'ServiceUnavailable', nth: 2 }]);
    let err: UploadFailedError;
    try {
      err = await uploadArchive({
        ...base(), source: big.path, partSize: 128 * MiB, concurrency: 1, maxAttempts: 1, leavePartsOnError: true, journal,
      }).catch((e: unknown) => e) as UploadFailedError;
    } finally {
      env.server.setFaults([]);
    }
    expect(err).toBeInstanceOf(UploadFailedError);
    expect(err.aborted).toBe(false);
    expect([...(await readJournal(journal))!.parts.keys()]).toEqual([0]);

    env.server.resetStats();
    const log: { parts?: readonly number[]; uploadsBeforeHash: number[] } = { uploadsBeforeHash: [] };
    let last: UploadProgress | undefined;
    const r = await uploadArchive({ ...base(), pool: gatedPool(log), source: big.path, journal, onProgress: (p) => { last = p; } });
    expect(r).toMatchObject({ uploadId: err.uploadId, partCount: 2, uploadedParts: 1, skippedParts: 1 });
    expect(r.checksum).toBe(oracleTreeHash(big.data));
    expect(log.parts).toEqual([1]); // the pool was asked for the missing part only
    expect(last).toMatchObject({ done: true, bytesHashed: 2 * MiB, bytesUploaded: 2 * MiB, bytesSkipped: 128 * MiB });
    expect(env.server.stats['UploadMultipartPart:bytes']).toBe(2 * MiB);
    expect(existsSync(journal)).toBe(false);
  });
});

/** Counts every byte the SDK's own SHA-256 hashes (signing keys, canonical requests, bodies). */
let sdkHashedBytes = 0;
class CountingSha256 {
  private h;
  constructor(secret?: Uint8Array | string) {
    this.h = secret ? createHmac('sha256', secret as Uint8Array) : createHash('sha256');
  }
  update(data: Uint8Array | string): void {
    sdkHashedBytes += typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
    this.h.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
}

describe('uploadArchive: the SDK hashes nothing', () => {
  it('serves the pool’s checksums to the SDK: its own generator and SHA-256 never see the parts', async () => {
    let fallbackCalls = 0;
    const client = new GlacierClient({
      endpoint: env.server.endpoint, region: 'us-east-1', credentials, maxAttempts: 1,
      sha256: CountingSha256 as never,
      // What the caller's client would otherwise do: hash the body on the main thread.
      bodyChecksumGenerator: async () => {
        fallbackCalls++;
        throw new Error('the SDK was asked to hash a body');
      },
    });
    try {
      const data = randomData(6 * MiB);
      sdkHashedBytes = 0;
      env.server.resetStats();
      const r = await uploadArchive({ vaultName: env.vaultName, client, pool, source: data, partSize: MiB });
      expect(r.checksum).toBe(oracleTreeHash(data));
      expect(env.server.stats.UploadMultipartPart).toBe(6);
      expect(fallbackCalls).toBe(0);
      // Only SigV4's small strings (keys, canonical requests) went through the SDK's SHA-256:
      // a few hundred bytes per request against 1 MiB per part.
      expect(sdkHashedBytes).toBeGreaterThan(0);
      expect(sdkHashedBytes).toBeLessThan(8 * 1024 * 8);
    } finally {
      client.destroy();
    }
  });
});

describe('uploadArchive: faults', () => {
  it.each([
    ['ServiceUnavailable', { every: 2 }],
    ['Throttling', { every: 3 }],
    ['RequestTimeout', { nth: [1, 4, 5] }],
    ['ConnectionReset', { every: 3 }],
    ['Slow', { every: 2, delayMs: 150 }],
  ] as const)('%s on UploadMultipartPart: retried where needed, archive still correct', async (kind, rule) => {
    const data = randomData(6 * MiB + 100);
    env.server.resetStats();
    env.server.setFaults([{ operation: 'UploadMultipartPart', kind, ...rule }]);
    let retries = 0;
    try {
      const r = await uploadArchive({
        ...base(), source: data, partSize: MiB, concurrency: 3, maxAttempts: 6,
        onProgress: (p) => { retries = p.retries; },
      });
      expect(r.checksum).toBe(oracleTreeHash(data));
      expect(r.uploadedParts).toBe(7);
    } finally {
      env.server.setFaults([]);
    }
    const injected = env.server.stats[`UploadMultipartPart:${kind}`] ?? 0;
    expect(injected).toBeGreaterThan(0);
    if (kind !== 'Slow') expect(retries).toBe(injected);
    expect(env.server.stats.UploadMultipartPart).toBe(7 + (kind === 'Slow' ? 0 : injected));
  });

  it('faults on every operation (initiate, list, complete) are retried too', async () => {
    const data = randomData(3 * MiB);
    env.server.resetStats();
    env.server.setFaults([{ operation: '*', kind: 'ServiceUnavailable', probability: 0.4, seed: 7 }]);
    try {
      const r = await uploadArchive({ ...base(), source: data, partSize: MiB, maxAttempts: 10 });
      expect(r.checksum).toBe(oracleTreeHash(data));
    } finally {
      env.server.setFaults([]);
    }
    const faults = Object.entries(env.server.stats).filter(([k]) => k.endsWith(':ServiceUnavailable'));
    expect(faults.length).toBeGreaterThan(0);
  });

  it('a ListPartsRangeQuirk answer does not spoil a resume', async () => {
    const { path, data } = writeRandomFile(env.dir, 'quirk.bin', 5 * MiB + 9);
    const upload = await MultipartUpload.start({ client: env.client, vaultName: env.vaultName, partSize: MiB });
    for (const i of [0, 1, 4, 5]) await upload.uploadPart(i, data.subarray(i * MiB, Math.min(data.length, (i + 1) * MiB)));
    env.server.resetStats();
    env.server.setFaults([{ operation: 'ListParts', kind: 'ListPartsRangeQuirk' }]);
    try {
      const r = await uploadArchive({ ...base(), source: path, uploadId: upload.uploadId });
      expect(r).toMatchObject({ uploadedParts: 2, skippedParts: 4, partSize: MiB });
      expect(r.checksum).toBe(oracleTreeHash(data));
    } finally {
      env.server.setFaults([]);
    }
    expect(env.server.stats['ListParts:ListPartsRangeQuirk']).toBeGreaterThan(0);
    expect(env.server.stats.UploadMultipartPart).toBe(2);
  });
});

describe('uploadArchive: failure, resume, cancellation', () => {
  it('aborts the upload on failure by default and says so', async () => {
    const data = randomData(4 * MiB);
    env.server.setFaults([{ operation: 'UploadMultipartPart', kind: 'ServiceUnavailable', nth: 3 }]);
    let err: UploadFailedError;
    try {
      err = await uploadArchive({ ...base(), source: data, partSize: MiB, concurrency: 1, readAhead: 0, maxAttempts: 1 }).catch((e: unknown) => e) as UploadFailedError;
    } finally {
      env.server.setFaults([]);
    }
    expect(err).toBeInstanceOf(UploadFailedError);
    expect(err.aborted).toBe(true);
    expect(err.message).toMatch(/was aborted/);
    expect(err.message).toMatch(/leavePartsOnError/);
    expect((err.cause as Error).name).toBe('ServiceUnavailableException');
    expect(await openUploads()).not.toContain(err.uploadId);
  });

  it('leavePartsOnError keeps the upload; resuming by uploadId sends only the missing and mismatched parts', async () => {
    const { path, data } = writeRandomFile(env.dir, 'resume-id.bin', 8 * MiB + 1);
    env.server.setFaults([{ operation: 'UploadMultipartPart', kind: 'ServiceUnavailable', nth: 5 }]);
    let err: UploadFailedError;
    try {
      err = await uploadArchive({ ...base(), source: path, partSize: MiB, concurrency: 1, readAhead: 0, maxAttempts: 1, leavePartsOnError: true })
        .catch((e: unknown) => e) as UploadFailedError;
    } finally {
      env.server.setFaults([]);
    }
    expect(err).toBeInstanceOf(UploadFailedError);
    expect(err.aborted).toBe(false);
    expect(err.uploadId).toBeTruthy();
    expect(err.message).toContain(err.uploadId!);
    expect(await listedPartCount(env.client, env.vaultName, err.uploadId!)).toBe(4);
    // Part 1 is replaced by different bytes behind our back: it must be sent again.
    const upload = await MultipartUpload.resume({ client: env.client, vaultName: env.vaultName, uploadId: err.uploadId! });
    await upload.uploadPart(1, randomData(MiB));

    env.server.resetStats();
    const r = await uploadArchive({ ...base(), source: path, uploadId: err.uploadId });
    expect(r).toMatchObject({ uploadId: err.uploadId, uploadedParts: 9 - 3, skippedParts: 3, partCount: 9 });
    expect(env.server.stats.UploadMultipartPart).toBe(6);
    expect(r.checksum).toBe(oracleTreeHash(data));
    expect((await readBack(env.client, env.vaultName, r.archiveId)).equals(data)).toBe(true);
  });

  it('a failure while continuing an earlier upload keeps it by default (its parts are not thrown away)', async () => {
    const { path, data } = writeRandomFile(env.dir, 'resume-keep.bin', 6 * MiB);
    env.server.setFaults([{ operation: 'UploadMultipartPart', kind: 'ServiceUnavailable', nth: 3 }]);
    let first: UploadFailedError;
    try {
      first = await uploadArchive({ ...base(), source: path, partSize: MiB, concurrency: 1, readAhead: 0, maxAttempts: 1, leavePartsOnError: true })
        .catch((e: unknown) => e) as UploadFailedError;
      // The continuation fails too (no leavePartsOnError given): the upload must survive.
      env.server.setFaults([{ operation: 'UploadMultipartPart', kind: 'ServiceUnavailable', nth: 2 }]);
      const second = await uploadArchive({ ...base(), source: path, uploadId: first.uploadId, concurrency: 1, readAhead: 0, maxAttempts: 1 })
        .catch((e: unknown) => e) as UploadFailedError;
      expect(second).toBeInstanceOf(UploadFailedError);
      expect(second.aborted).toBe(false);
      expect(second.message).toMatch(/started by an earlier run/);
      expect(await openUploads()).toContain(first.uploadId);
    } finally {
      env.server.setFaults([]);
    }
    const r = await uploadArchive({ ...base(), source: path, uploadId: first.uploadId });
    expect(r.checksum).toBe(oracleTreeHash(data));
  });

  it('a journal resumes without re-reading or re-sending finished parts, and is deleted after success', async () => {
    const { path, data } = writeRandomFile(env.dir, 'resume-journal.bin', 6 * MiB + 10);
    const journal = join(env.dir, 'resume.journal');
    env.server.setFaults([{ operation: 'UploadMultipartPart', kind: 'ServiceUnavailable', nth: 4 }]);
    let err: UploadFailedError;
    try {
      err = await uploadArchive({ ...base(), source: path, partSize: MiB, concurrency: 1, readAhead: 0, maxAttempts: 1, leavePartsOnError: true, journal })
        .catch((e: unknown) => e) as UploadFailedError;
    } finally {
      env.server.setFaults([]);
    }
    expect(err.journal).toBe(journal);
    expect(err.message).toContain(journal);
    const state = await readJournal(journal);
    expect(state!.header).toMatchObject({ uploadId: err.uploadId, vaultName: env.vaultName, partSize: MiB, file: { size: data.length } });
    expect([...state!.parts.keys()].sort()).toEqual([0, 1, 2]);
    expect(state!.parts.get(1)!.treeHash).toBe(oracleTreeHash(data.subarray(MiB, 2 * MiB)));

    env.server.resetStats();
    let hashed = 0;
    const r = await uploadArchive({ ...base(), source: path, journal, onProgress: (p) => { hashed = p.bytesHashed; } });
    expect(r).toMatchObject({ uploadId: err.uploadId, uploadedParts: 4, skippedParts: 3 });
    expect(env.server.stats.UploadMultipartPart).toBe(4);
    expect(hashed).toBe(data.length - 3 * MiB); // trusted parts were not even read again
    expect(r.checksum).toBe(oracleTreeHash(data));
    expect(existsSync(journal)).toBe(false);
  });

  it('a journal whose file changed since, or whose upload is gone, is a typed error', async () => {
    const { path } = writeRandomFile(env.dir, 'stale.bin', 2 * MiB);
    const journal = join(env.dir, 'stale.journal');
    env.server.setFaults([{ operation: 'UploadMultipartPart', kind: 'ServiceUnavailable', nth: 2 }]);
    let err: UploadFailedError;
    try {
      err = await uploadArchive({ ...base(), source: path, partSize: MiB, concurrency: 1, readAhead: 0, maxAttempts: 1, leavePartsOnError: true, journal })
        .catch((e: unknown) => e) as UploadFailedError;
    } finally {
      env.server.setFaults([]);
    }
    expect(err.aborted).toBe(false);
    env.server.resetStats();
    await expect(uploadArchive({ ...base(), source: path, journal, vaultName: 'other' })).rejects.toThrow(ResumeMismatchError);
    await expect(uploadArchive({ ...base(), source: path, journal, partSize: 2 * MiB })).rejects.toThrow(ResumeMismatchError);
    // A file whose size changed cannot be the journal's (issue 9: an mtime alone no longer refuses,
    // it makes the resume re-hash the held parts: see source-changes.test.ts).
    appendFileSync(path, 'x');
    await expect(uploadArchive({ ...base(), source: path, journal })).rejects.toThrow(SourceChangedError);
    expect(env.server.stats.ListParts ?? 0).toBe(0);

    const { path: path2 } = writeRandomFile(env.dir, 'gone.bin', 2 * MiB);
    const journal2 = join(env.dir, 'gone.journal');
    env.server.setFaults([{ operation: 'UploadMultipartPart', kind: 'ServiceUnavailable', nth: 2 }]);
    let err2: UploadFailedError;
    try {
      err2 = await uploadArchive({ ...base(), source: path2, partSize: MiB, concurrency: 1, readAhead: 0, maxAttempts: 1, leavePartsOnError: true, journal: journal2 })
        .catch((e: unknown) => e) as UploadFailedError;
    } finally {
      env.server.setFaults([]);
    }
    await (await MultipartUpload.resume({ client: env.client, vaultName: env.vaultName, uploadId: err2.uploadId! })).abort();
    const gone = await uploadArchive({ ...base(), source: path2, journal: journal2 }).catch((e: unknown) => e) as UploadNotFoundError;
    expect(gone).toBeInstanceOf(UploadNotFoundError);
    expect(gone.message).toMatch(/start over/);
    expect(gone.message).toContain(journal2);
    await expect(uploadArchive({ ...base(), source: path2, uploadId: 'never-was' })).rejects.toThrow(UploadNotFoundError);
  });

  it('resuming an upload that belongs to another archive is refused and leaves that upload alone', async () => {
    const upload = await MultipartUpload.start({ client: env.client, vaultName: env.vaultName, partSize: MiB });
    const other = randomData(3 * MiB);
    for (let i = 0; i < 3; i++) await upload.uploadPart(i, other.subarray(i * MiB, (i + 1) * MiB));
    const shorter = randomData(2 * MiB);
    const err = await uploadArchive({ ...base(), source: shorter, uploadId: upload.uploadId }).catch((e: unknown) => e) as Error;
    expect(err).toBeInstanceOf(ResumeMismatchError);
    expect(err.message).toMatch(/holds part 2.*another archive/);
    await expect(uploadArchive({ ...base(), source: other, uploadId: upload.uploadId, partSize: 2 * MiB })).rejects.toThrow(/part size 1048576/);
    expect(await openUploads()).toContain(upload.uploadId);
    expect(await listedPartCount(env.client, env.vaultName, upload.uploadId)).toBe(3);
    // The right source completes it, sending nothing again.
    env.server.resetStats();
    const r = await uploadArchive({ ...base(), source: other, uploadId: upload.uploadId });
    expect(r).toMatchObject({ skippedParts: 3, uploadedParts: 0 });
    expect(env.server.stats.UploadMultipartPart ?? 0).toBe(0);
    expect(r.checksum).toBe(oracleTreeHash(other));
  });

  it('a file that changes during the upload fails (and the upload is aborted)', async () => {
    const { path } = writeRandomFile(env.dir, 'growing.bin', 4 * MiB);
    env.server.resetStats();
    // Part 0's answer is held back; the file grows meanwhile, before part 1 is read.
    env.server.setFaults([{ operation: 'UploadMultipartPart', kind: 'Slow', nth: 1, delayMs: 400 }]);
    let err: UploadFailedError;
    try {
      const pending = uploadArchive({ ...base(), source: path, partSize: MiB, concurrency: 1, readAhead: 0 }).catch((e: unknown) => e);
      while (!env.server.stats.UploadMultipartPart) await new Promise((r) => setTimeout(r, 2));
      appendFileSync(path, 'more');
      err = await pending as UploadFailedError;
    } finally {
      env.server.setFaults([]);
    }
    expect(err).toBeInstanceOf(UploadFailedError);
    // Each error keeps its own code (issue 10): the cause says what failed.
    expect(err.code).toBe('UPLOAD_FAILED');
    expect((err.cause as SourceChangedError).code).toBe('SOURCE_CHANGED');
    expect(err.cause).toBeInstanceOf(SourceChangedError);
    expect(err.message).toMatch(/size went from 4194304 to 4194308 bytes/);
    expect(err.aborted).toBe(true);
    expect(env.server.stats.UploadMultipartPart).toBe(1);
  });

  it('the signal cancels requests in flight and pool work, then the upload is aborted', async () => {
    const data = randomData(6 * MiB);
    const controller = new AbortController();
    env.server.setFaults([{ operation: 'UploadMultipartPart', kind: 'Slow', delayMs: 3000 }]);
    let err: UploadCancelledError;
    try {
      const pending = uploadArchive({
        ...base(), source: data, partSize: MiB, concurrency: 2, signal: controller.signal,
        onProgress: (p) => { if (p.bytesHashed > 0) controller.abort(); },
      });
      err = await pending.catch((e: unknown) => e) as UploadCancelledError;
    } finally {
      env.server.setFaults([]);
    }
    // The documented error of a cancel (issue 10), saying what became of the upload.
    expect(err).toBeInstanceOf(UploadCancelledError);
    expect(err.code).toBe('CANCELLED');
    expect(err.aborted).toBe(true);
    expect(err.uploadedParts).toBe(0);
    expect(await openUploads()).not.toContain(err.uploadId);
    // An already-fired signal stops it before any request.
    env.server.resetStats();
    await expect(uploadArchive({ ...base(), source: data, signal: controller.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(env.server.stats.InitiateMultipartUpload ?? 0).toBe(0);
  });
});

describe('uploadArchive: interrupted and resumed (what the CLI does on Ctrl-C)', () => {
  it('cancelled with leavePartsOnError keeps the upload and its journal; resuming from the journal finishes it', async () => {
    const { path, data } = writeRandomFile(env.dir, 'interrupted.bin', 6 * MiB);
    const journal = join(env.dir, 'interrupted.journal');
    const controller = new AbortController();
    // Parts 1.. are held back by the server; the upload is interrupted once part 0 is done.
    env.server.setFaults([{ operation: 'UploadMultipartPart', kind: 'Slow', nth: [2, 3, 4, 5, 6], delayMs: 3000 }]);
    let err: UploadCancelledError;
    try {
      err = await uploadArchive({
        ...base(), source: path, partSize: MiB, concurrency: 2, journal, leavePartsOnError: true, signal: controller.signal,
        onProgress: (p) => { if (p.partsDone >= 1) controller.abort(); },
      }).catch((e: unknown) => e) as UploadCancelledError;
    } finally {
      env.server.setFaults([]);
    }
    expect(err).toBeInstanceOf(UploadCancelledError);
    expect(err.code).toBe('CANCELLED');
    expect(err.aborted).toBe(false);
    expect(err.journal).toBe(journal);
    expect(await openUploads()).toContain(err.uploadId);
    const state = await readJournal(journal);
    expect(state!.parts.size).toBe(1); // the one part whose answer was not held back

    env.server.resetStats();
    const r = await uploadArchive({ ...base(), source: path, journal });
    expect(r.uploadId).toBe(err.uploadId);
    expect(r.skippedParts).toBeGreaterThanOrEqual(1);
    expect(r.uploadedParts + r.skippedParts).toBe(6);
    expect(env.server.stats.UploadMultipartPart).toBe(r.uploadedParts);
    expect(r.checksum).toBe(oracleTreeHash(data));
  });
});

describe('uploadArchive: bad input is refused before any request', () => {
  const dirPath = () => join(env.dir, 'a-directory');
  const cases: [string, () => Partial<UploadArchiveOptions>, unknown, RegExp][] = [
    ['vault name with a slash', () => ({ vaultName: 'a/b' }), InvalidUploadOptionError, /vaultName/],
    ['description too long', () => ({ description: 'x'.repeat(1025) }), InvalidDescriptionError, /1025 characters/],
    ['description not ASCII', () => ({ description: 'naïve' }), InvalidDescriptionError, /U\+00EF/],
    ['part size not a power of two', () => ({ partSize: 3 * MiB }), InvalidPartSizeError, /power-of-two/],
    ['part size below 1 MiB', () => ({ partSize: 1000 }), InvalidPartSizeError, /below 1 MiB/],
    ['part size above 4 GiB', () => ({ partSize: 8192 * MiB }), InvalidPartSizeError, /above 4 GiB/],
    ['concurrency 0', () => ({ concurrency: 0 }), InvalidUploadOptionError, /concurrency/],
    ['maxAttempts 0', () => ({ maxAttempts: 0 }), InvalidUploadOptionError, /maxAttempts/],
    ['readAhead -1', () => ({ readAhead: -1 }), InvalidUploadOptionError, /readAhead/],
    ['threads 0', () => ({ threads: 0 }), InvalidUploadOptionError, /threads/],
    ['negative expectedSize', () => ({ expectedSize: -1 }), InvalidUploadOptionError, /expectedSize/],
    ['empty uploadId', () => ({ uploadId: '' }), InvalidUploadOptionError, /uploadId/],
    ['empty journal path', () => ({ journal: '' }), InvalidUploadOptionError, /journal/],
    ['a journal in a missing directory', () => ({ journal: join(env.dir, 'no-dir', 'j') }), JournalError, /does not exist/],
    ['a file that is not a journal', () => ({ journal: join(env.dir, 'empty.bin.txt') }), JournalError, /not a glacier-multipart journal/],
    ['bad account id', () => ({ accountId: 'me' }), InvalidUploadOptionError, /accountId/],
    ['client and clientConfig', () => ({ clientConfig: {} }), InvalidUploadOptionError, /either client or clientConfig/],
    ['a source of the wrong type', () => ({ source: 42 as never }), InvalidUploadOptionError, /source must be/],
    ['a missing file', () => ({ source: join(env.dir, 'nope.bin') }), InvalidUploadOptionError, /does not exist/],
    ['a directory', () => ({ source: dirPath() }), InvalidUploadOptionError, /directory/],
    ['an empty file', () => ({ source: join(env.dir, 'empty.bin') }), EmptyArchiveError, /empty/],
    ['empty bytes', () => ({ source: new Uint8Array(0) }), EmptyArchiveError, /empty/],
    ['an empty stream', () => ({ source: Readable.from([]) }), EmptyArchiveError, /empty/],
    ['an object-mode stream', () => ({ source: Readable.from([{ a: 1 }]) }), InvalidUploadOptionError, /Uint8Array/],
    ['too many parts for the part size', () => ({ source: join(env.dir, 'sparse.bin'), partSize: MiB }), TooManyPartsError, /10,000 parts/],
    ['a signal that is not an AbortSignal', () => ({ signal: {} as never }), InvalidUploadOptionError, /AbortSignal/],
  ];

  it.each(cases)('%s', async (_name, extra, type, text) => {
    mkdirSync(dirPath(), { recursive: true });
    writeFileSync(join(env.dir, 'empty.bin'), '');
    writeFileSync(join(env.dir, 'empty.bin.txt'), 'hello\n');
    const sparse = join(env.dir, 'sparse.bin');
    if (!existsSync(sparse)) {
      const fd = openSync(sparse, 'w');
      ftruncateSync(fd, 10_001 * MiB); // sparse: no disk space used
      closeSync(fd);
    }
    env.server.resetStats();
    const err = await uploadArchive({ ...base(), source: randomData(10), ...extra() } as UploadArchiveOptions).catch((e: unknown) => e) as Error;
    expect(err).toBeInstanceOf(type as never);
    expect(err.message).toMatch(text);
    expect(Object.keys(env.server.stats).filter((k) => !k.includes(':'))).toEqual([]);
  });
});
