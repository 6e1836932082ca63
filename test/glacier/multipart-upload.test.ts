// MultipartUpload, the low-level five calls, with the real SDK over HTTP to the local server.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeVaultCommand, GlacierClient, UploadMultipartPartCommand } from '@aws-sdk/client-glacier';
import {
  ChecksumNotPrecomputedError, IncompleteUploadError, InvalidUploadOptionError, createGlacierClient, InvalidDescriptionError, InvalidPartSizeError, MultipartUpload,
  UploadNotFoundError, VaultNotFoundError, type Callback, type CompletedArchive, type UploadedPart,
} from 'glacier-multipart';
import { MiB, credentials, oracleSha256, oracleTreeHash, randomData, readBack, setup, type Env } from './helpers.js';

let env: Env;
beforeAll(async () => {
  // pageLimit 2: every listing below spans several pages, so Marker must be followed.
  env = await setup({ pageLimit: 2 });
});
afterAll(() => env?.close());

const target = () => ({ client: env.client, vaultName: env.vaultName, maxAttempts: 3 });

function promised<T>(call: (cb: Callback<T>) => unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const ret = call((err, data) => (err ? reject(err) : resolve(data as T)));
    expect(ret).toBeUndefined();
  });
}

describe('MultipartUpload', () => {
  it('uploads parts, lists them across pages and is completed by a second instance from ListParts alone', async () => {
    const data = randomData(5 * MiB + 777);
    const upload = await MultipartUpload.start({ ...target(), partSize: MiB, description: 'five and a bit' });
    expect(upload.partSize).toBe(MiB);
    // Out of order, hashes computed by the hashing core when not given.
    const order = [5, 2, 0, 4, 1, 3];
    const sent: UploadedPart[] = [];
    for (const i of order) sent.push(await upload.uploadPart(i, data.subarray(i * MiB, Math.min(data.length, (i + 1) * MiB))));
    expect(sent.find((p) => p.index === 5)).toMatchObject({ first: 5 * MiB, last: data.length - 1, size: 777, attempts: 1 });
    expect(sent.find((p) => p.index === 2)!.treeHash).toBe(oracleTreeHash(data.subarray(2 * MiB, 3 * MiB)));

    env.server.resetStats();
    const listed = [];
    for await (const p of upload.listParts()) listed.push(p);
    expect(env.server.stats.ListParts).toBe(3); // 6 parts, 2 per page
    expect(listed.map((p) => p.index).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(listed.find((p) => p.index === 5)).toMatchObject({ first: 5 * MiB, last: data.length - 1, size: 777 });

    const other = await MultipartUpload.resume({ ...target(), uploadId: upload.uploadId });
    expect(other.partSize).toBe(MiB);
    expect(other.description).toBe('five and a bit');
    const done = await other.complete();
    expect(done.archiveSize).toBe(data.length);
    expect(done.checksum).toBe(oracleTreeHash(data));
    expect(done.uploadId).toBe(upload.uploadId);
    expect((await readBack(env.client, env.vaultName, done.archiveId)).equals(data)).toBe(true);
    await expect(MultipartUpload.resume({ ...target(), uploadId: upload.uploadId })).rejects.toThrow(UploadNotFoundError);
  });

  it('takes Node-style callbacks for start, uploadPart, complete and abort', async () => {
    const data = randomData(MiB + 10);
    const upload = await promised<MultipartUpload>((cb) => MultipartUpload.start({ ...target(), partSize: MiB }, cb));
    const p0 = await promised<UploadedPart>((cb) => upload.uploadPart(0, data.subarray(0, MiB), cb));
    expect(p0.index).toBe(0);
    const h1 = { treeHash: oracleTreeHash(data.subarray(MiB)), sha256: oracleSha256(data.subarray(MiB)) };
    await promised<UploadedPart>((cb) => upload.uploadPart(1, data.subarray(MiB), h1, cb));
    const done = await promised<CompletedArchive>((cb) => upload.complete(cb));
    expect(done.checksum).toBe(oracleTreeHash(data));

    const doomed = await MultipartUpload.start({ ...target(), partSize: MiB });
    await promised<void>((cb) => doomed.abort(cb));
    const err = await new Promise<Error | null>((resolve) => doomed.uploadPart(0, data.subarray(0, 5), (e) => resolve(e)));
    expect(err).toBeInstanceOf(UploadNotFoundError);
    const failed = await new Promise<Error | null>((resolve) => MultipartUpload.start({ ...target(), partSize: 3 }, (e) => resolve(e)));
    expect(failed).toBeInstanceOf(InvalidPartSizeError);
  });

  it('sends a part from a file range with given hashes, streamed from disk', async () => {
    const data = randomData(3 * MiB);
    const path = join(env.dir, 'range.bin');
    writeFileSync(path, data);
    const upload = await MultipartUpload.start({ ...target(), partSize: 2 * MiB });
    for (const index of [0, 1]) {
      const slice = data.subarray(index * 2 * MiB, Math.min(data.length, (index + 1) * 2 * MiB));
      await upload.uploadPart(index, { path, start: index * 2 * MiB, size: slice.length },
        { treeHash: oracleTreeHash(slice), sha256: oracleSha256(slice) });
    }
    const done = await upload.complete({ archiveSize: data.length, treeHash: oracleTreeHash(data) });
    expect(done.checksum).toBe(oracleTreeHash(data));
  });

  it('tolerates ListParts ranges one byte too long, for full and short last parts', async () => {
    const data = randomData(3 * MiB + 5);
    const parts = (n: number) => Array.from({ length: n }, (_, i) => data.subarray(i * MiB, Math.min(data.length, (i + 1) * MiB)));
    const upload = await MultipartUpload.start({ ...target(), partSize: MiB });
    for (const [i, part] of parts(4).entries()) await upload.uploadPart(i, part);
    env.server.setFaults([{ operation: 'ListParts', kind: 'ListPartsRangeQuirk' }]);
    try {
      const listed = [];
      for await (const p of upload.listParts()) listed.push(p);
      expect(env.server.stats['ListParts:ListPartsRangeQuirk']).toBe(2);
      // Pages [0,1] and [2,3]: the full part 2 shows the quirk, so the short part 3 is corrected too.
      expect(listed.map((p) => p.size)).toEqual([MiB, MiB, MiB, 5]);
      const done = await upload.complete();
      expect(done.archiveSize).toBe(data.length);
      expect(done.checksum).toBe(oracleTreeHash(data));

      // A short part alone on its page cannot show the quirk: Glacier's answer to Complete settles it.
      const five = randomData(4 * MiB + 9);
      const lonely = await MultipartUpload.start({ ...target(), partSize: MiB });
      for (let i = 0; i < 5; i++) await lonely.uploadPart(i, five.subarray(i * MiB, Math.min(five.length, (i + 1) * MiB)));
      env.server.resetStats();
      const done5 = await lonely.complete();
      expect(env.server.stats.CompleteMultipartUpload).toBe(2); // 9 + 1 bytes refused, then 9
      expect(done5.archiveSize).toBe(five.length);
      expect(done5.checksum).toBe(oracleTreeHash(five));

      const single = await MultipartUpload.start({ ...target(), partSize: MiB });
      await single.uploadPart(0, data.subarray(0, 1000));
      const one = await single.complete();
      expect(one.archiveSize).toBe(1000);
      expect(one.checksum).toBe(oracleTreeHash(data.subarray(0, 1000)));
    } finally {
      env.server.setFaults([]);
    }
  });

  it('lists open uploads across pages and forgets aborted ones', async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await MultipartUpload.start({ ...target(), partSize: 2 * MiB, description: `u${i}` })).uploadId);
    const open = [];
    for await (const u of MultipartUpload.list(target())) open.push(u);
    for (const id of ids) expect(open.find((u) => u.uploadId === id)).toMatchObject({ partSize: 2 * MiB });
    for (const id of ids) await (await MultipartUpload.resume({ ...target(), uploadId: id })).abort();
    const after = [];
    for await (const u of MultipartUpload.list(target())) after.push(u.uploadId);
    for (const id of ids) expect(after).not.toContain(id);
  });

  it('retries a part on 500 with backoff and fails fast on a tree-hash mismatch', async () => {
    const data = randomData(MiB);
    const upload = await MultipartUpload.start({ ...target(), partSize: MiB });
    env.server.resetStats();
    env.server.setFaults([{ operation: 'UploadMultipartPart', kind: 'ServiceUnavailable', nth: [1, 2] }]);
    const part = await upload.uploadPart(0, data);
    env.server.setFaults([]);
    expect(part.attempts).toBe(3);
    expect(env.server.stats.UploadMultipartPart).toBe(3);

    env.server.resetStats();
    const wrong = { treeHash: 'ab'.repeat(32), sha256: oracleSha256(data) };
    await expect(upload.uploadPart(0, data, wrong)).rejects.toThrow(/Checksum mismatch/);
    expect(env.server.stats.UploadMultipartPart).toBe(1);
    await upload.abort();
  });

  it('retries exactly maxAttempts times with our client, and maxAttempts x the SDK’s with a client that retries itself', async () => {
    const data = randomData(MiB);
    const upload = await MultipartUpload.start({ ...target(), partSize: MiB, maxAttempts: 3 });
    env.server.setFaults([{ operation: 'UploadMultipartPart', kind: 'ServiceUnavailable', every: 1 }]);
    const retrying = new GlacierClient({
      endpoint: env.server.endpoint, region: 'us-east-1', credentials, maxAttempts: 2,
    });
    try {
      env.server.resetStats();
      await expect(upload.uploadPart(0, data)).rejects.toMatchObject({ name: 'ServiceUnavailableException' });
      expect(env.server.stats.UploadMultipartPart).toBe(3);

      const same = await MultipartUpload.resume({ client: retrying, vaultName: env.vaultName, uploadId: upload.uploadId, maxAttempts: 3 });
      env.server.resetStats();
      await expect(same.uploadPart(0, data)).rejects.toMatchObject({ name: 'ServiceUnavailableException' });
      expect(env.server.stats.UploadMultipartPart).toBe(6);
    } finally {
      env.server.setFaults([]);
      retrying.destroy();
    }
    await upload.abort();
  });

  it('refuses to complete with missing parts, naming them', async () => {
    const upload = await MultipartUpload.start({ ...target(), partSize: MiB });
    const data = randomData(MiB);
    await upload.uploadPart(0, data);
    await upload.uploadPart(2, data);
    const err = await upload.complete().catch((e: unknown) => e) as IncompleteUploadError;
    expect(err).toBeInstanceOf(IncompleteUploadError);
    expect(err.missingParts).toEqual([1]);
    expect(err.message).toMatch(/parts 1 are missing/);
    await upload.abort();
  });

  it('gives typed errors for unknown uploads and vaults, and bad input before any request', async () => {
    const unknown = await MultipartUpload.resume({ ...target(), uploadId: 'no-such-upload' }).catch((e: unknown) => e) as Error;
    expect(unknown).toBeInstanceOf(UploadNotFoundError);
    expect(unknown.message).toMatch(/start over/);
    await expect(MultipartUpload.start({ ...target(), vaultName: 'missing', partSize: MiB })).rejects.toThrow(VaultNotFoundError);
    env.server.resetStats();
    await expect(MultipartUpload.start({ ...target(), partSize: 3 * MiB })).rejects.toThrow(InvalidPartSizeError);
    await expect(MultipartUpload.start({ ...target(), partSize: MiB, description: 'é' })).rejects.toThrow(InvalidDescriptionError);
    await expect(MultipartUpload.start({ ...target(), vaultName: '', partSize: MiB })).rejects.toThrow(/vaultName/);
    expect(env.server.stats.InitiateMultipartUpload ?? 0).toBe(0);
  });

  it('never lets the SDK hash a part body it was not given checksums for', async () => {
    const upload = await MultipartUpload.start({ ...target(), partSize: MiB });
    env.server.resetStats();
    const body = randomData(MiB);
    const err = await env.client.send(new UploadMultipartPartCommand({
      accountId: '-', vaultName: env.vaultName, uploadId: upload.uploadId, range: `bytes 0-${MiB - 1}/*`, body,
    })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChecksumNotPrecomputedError);
    expect(env.server.stats.UploadMultipartPart ?? 0).toBe(0);
    await upload.abort();
  });
});

describe('createGlacierClient', () => {
  it('turns the SDK retries off (we retry) and checks the endpoint', async () => {
    const client = createGlacierClient({ endpoint: env.server.endpoint, region: 'us-east-1', credentials });
    try {
      expect(await client.config.maxAttempts()).toBe(1);
      expect((await client.send(new DescribeVaultCommand({ accountId: '-', vaultName: env.vaultName }))).VaultName).toBe(env.vaultName);
    } finally {
      client.destroy();
    }
    expect(() => createGlacierClient({ endpoint: 'localhost:3000' })).toThrow(InvalidUploadOptionError);
    expect(() => createGlacierClient({ maxAttempts: 0 })).toThrow(/maxAttempts/);
  });

  it("takes the endpoint from the SDK's own AWS_ENDPOINT_URL_GLACIER", async () => {
    const saved = process.env.AWS_ENDPOINT_URL_GLACIER;
    process.env.AWS_ENDPOINT_URL_GLACIER = env.server.endpoint;
    const client = createGlacierClient({ region: 'us-east-1', credentials });
    try {
      env.server.resetStats();
      await client.send(new DescribeVaultCommand({ accountId: '-', vaultName: env.vaultName }));
      expect(env.server.stats.DescribeVault).toBe(1);
    } finally {
      client.destroy();
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_GLACIER;
      else process.env.AWS_ENDPOINT_URL_GLACIER = saved;
    }
  });
});
