// The one request path (src/glacier/request.ts), call kind by call kind, against the local server:
// the same retry rule (a 500 is retried up to maxAttempts, then the call fails), the same
// not-found table (a missing vault is VaultNotFoundError whatever the call), and syncDirectory's
// own client made by createGlacierClient (an idle timeout: a held answer ends in REQUEST_TIMEOUT).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InitiateJobCommand } from '@aws-sdk/client-glacier';
import { MultipartUpload, describeJob, downloadArchive, initiateRetrievalJob, listJobs, uploadArchive } from 'glacier-multipart';
import type { GlacierOperation } from '../../dist/src/server/types.js';
import { deleteArchive, retrieveInventory, syncDirectory } from '../../dist/src/catalog/index.js';
import { MiB, credentials, randomData, setup, type Env } from './helpers.js';

let env: Env;
beforeAll(async () => {
  env = await setup({}, 'uploads-jobs-archives');
});
afterAll(async () => env.close());

const part = randomData(MiB);

/** One call of each kind; `maxAttempts` reaches the request path, `vaultName` may be a missing vault. */
type Call = (o: { maxAttempts: number; vaultName: string }) => Promise<unknown>;

async function archive(): Promise<string> {
  return (await uploadArchive({ client: env.client, vaultName: env.vaultName, source: part, partSize: MiB, threads: 1 })).archiveId;
}

async function jobId(): Promise<string> {
  const out = await env.client.send(new InitiateJobCommand({ accountId: '-', vaultName: env.vaultName, jobParameters: { Type: 'archive-retrieval', ArchiveId: await archive() } }));
  return out.jobId!;
}

const CALLS: [GlacierOperation, (ready: { archiveId: string; jobId: string; upload: MultipartUpload }) => Call][] = [
  ['InitiateMultipartUpload', () => (o) => MultipartUpload.start({ client: env.client, ...o, partSize: MiB }).then((u) => u.abort())],
  ['UploadMultipartPart', (r) => (o) => MultipartUpload.resume({ client: env.client, ...o, uploadId: r.upload.uploadId }).then((u) => u.uploadPart(0, part))],
  ['ListParts', (r) => (o) => MultipartUpload.resume({ client: env.client, ...o, uploadId: r.upload.uploadId })],
  ['ListMultipartUploads', () => async (o) => {
    for await (const u of MultipartUpload.list({ client: env.client, ...o })) void u;
  }],
  ['InitiateJob', (r) => (o) => initiateRetrievalJob({ client: env.client, ...o, archiveId: r.archiveId })],
  ['DescribeJob', (r) => (o) => describeJob({ client: env.client, ...o, jobId: r.jobId })],
  ['ListJobs', () => async (o) => {
    for await (const j of listJobs({ client: env.client, ...o })) void j;
  }],
  ['GetJobOutput', (r) => (o) => downloadArchive({ client: env.client, ...o, jobId: r.jobId, destination: new WritableSink(), threads: 1 })],
  ['DeleteArchive', (r) => (o) => deleteArchive({ client: env.client, ...o, archiveId: r.archiveId })],
  ['UploadArchive', () => async (o) => {
    const dir = join(env.dir, `sync-${Math.random().toString(36).slice(2)}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'small.txt'), 'a small file');
    const r = await syncDirectory({ dir, catalog: join(dir, '..', `${Math.random()}.catalog`), client: env.client, threads: 1, ...o });
    if (r.failed.length) throw r.failed[0]!.error;
  }],
];

/** A Writable that keeps nothing (downloadArchive to a stream). */
class WritableSink extends Writable {
  override _write(_c: unknown, _e: unknown, cb: () => void) {
    cb();
  }
}

describe('one retry rule for every call kind', () => {
  for (const [operation, make] of CALLS) {
    it(`${operation}: two 500s are retried with maxAttempts 3; with maxAttempts 2 the call fails after 2 attempts`, async () => {
      const upload = await MultipartUpload.start({ client: env.client, vaultName: env.vaultName, partSize: MiB });
      const ready = { archiveId: await archive(), jobId: await jobId(), upload };
      const call = make(ready);
      env.server.setFaults([{ operation, kind: 'ServiceUnavailable', nth: [1, 2] }]);
      env.server.resetStats();
      await call({ maxAttempts: 3, vaultName: env.vaultName });
      expect(env.server.stats[`${operation}:ServiceUnavailable`]).toBe(2);

      const again = make({ ...ready, archiveId: await archive(), jobId: await jobId() });
      env.server.setFaults([{ operation, kind: 'ServiceUnavailable', nth: [1, 2] }]);
      env.server.resetStats();
      await expect(again({ maxAttempts: 2, vaultName: env.vaultName })).rejects.toThrow();
      expect(env.server.stats[`${operation}:ServiceUnavailable`]).toBe(2);
      env.server.setFaults([]);
      await upload.abort().catch(() => undefined);
    });
  }
});

describe('one not-found table', () => {
  const missingVault = 'no-such-vault-upload-job-archive';
  for (const [operation, make] of CALLS) {
    if (operation === 'UploadMultipartPart' || operation === 'UploadArchive') continue; // reached only after a call that already failed
    it(`${operation} on a vault that does not exist: VaultNotFoundError`, async () => {
      const ready = { archiveId: 'a'.repeat(138), jobId: 'j'.repeat(92), upload: undefined as unknown as MultipartUpload };
      const call = make({ ...ready, upload: { uploadId: 'u'.repeat(92) } as MultipartUpload });
      await expect(call({ maxAttempts: 2, vaultName: missingVault })).rejects.toMatchObject({ name: 'VaultNotFoundError', code: 'VAULT_NOT_FOUND' });
    });
  }
  it('the vault\'s name never decides: an unknown upload id in a vault named like an upload is UploadNotFoundError', async () => {
    await expect(MultipartUpload.resume({ client: env.client, vaultName: env.vaultName, uploadId: 'u'.repeat(92) }))
      .rejects.toMatchObject({ code: 'UPLOAD_NOT_FOUND' });
    await expect(describeJob({ client: env.client, vaultName: env.vaultName, jobId: 'j'.repeat(92) })).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
    await expect(initiateRetrievalJob({ client: env.client, vaultName: env.vaultName, archiveId: 'a'.repeat(138) })).rejects.toMatchObject({ code: 'ARCHIVE_NOT_FOUND' });
    expect(await deleteArchive({ client: env.client, vaultName: env.vaultName, archiveId: 'a'.repeat(138) })).toBe('absent');
    await expect(retrieveInventory({ client: env.client, vaultName: env.vaultName, jobId: 'j'.repeat(92) })).rejects.toMatchObject({ code: 'INVENTORY_JOB_FAILED' });
  });
});

describe("syncDirectory's own client", () => {
  it('comes from createGlacierClient: a held answer ends in REQUEST_TIMEOUT instead of waiting for ever', async () => {
    const dir = join(env.dir, 'held');
    mkdirSync(dir);
    writeFileSync(join(dir, 'big.bin'), randomData(2 * MiB + 1));
    env.server.setFaults([{ operation: 'InitiateMultipartUpload', kind: 'Slow', delayMs: 600_000 }]);
    try {
      const outcome = await syncDirectory({
        dir, vaultName: env.vaultName, catalog: join(env.dir, 'held.catalog'), partSize: MiB, threads: 1, maxAttempts: 1, requestTimeout: 300,
        clientConfig: { endpoint: env.server.endpoint, region: 'us-east-1', credentials },
      }).then((r) => r.failed[0]?.error, (err: unknown) => err);
      const codes: unknown[] = [];
      for (let e = outcome as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) codes.push(e.code);
      expect(codes).toContain('REQUEST_TIMEOUT');
    } finally {
      env.server.setFaults([]);
    }
  });
});
