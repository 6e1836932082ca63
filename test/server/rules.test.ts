// One test per rule of ../shared/glacier-rules.md (good and bad cases), driven with the real SDK
// client over HTTP against startLocalGlacier().
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateVaultCommand, DeleteVaultCommand,
  DescribeVaultCommand, InitiateMultipartUploadCommand, ListMultipartUploadsCommand, ListPartsCommand,
  UploadArchiveCommand, UploadMultipartPartCommand, type GlacierClient,
} from '@aws-sdk/client-glacier';
import { startLocalGlacier, type LocalGlacier } from '../../dist/src/server/index.js';
import { MiB, bytes, client, failure, raw, sha256, treeHash } from './helpers.js';

let server: LocalGlacier;
let glacier: GlacierClient;
const vaultName = 'rules';

beforeAll(async () => {
  server = await startLocalGlacier();
  glacier = client(server);
  await glacier.send(new CreateVaultCommand({ vaultName }));
});
afterAll(async () => {
  glacier?.destroy();
  await server?.close();
});

async function initiate(partSize = MiB, archiveDescription?: string): Promise<string> {
  const out = await glacier.send(new InitiateMultipartUploadCommand({ vaultName, partSize: String(partSize), archiveDescription }));
  return out.uploadId!;
}

function uploadPart(uploadId: string, first: number, body: Uint8Array, extra: { checksum?: string; range?: string } = {}) {
  return glacier.send(new UploadMultipartPartCommand({
    vaultName, uploadId, body,
    range: extra.range ?? `bytes ${first}-${first + body.length - 1}/*`,
    ...(extra.checksum ? { checksum: extra.checksum } : {}),
  }));
}

function complete(uploadId: string, archiveSize: number, checksum: string) {
  return glacier.send(new CompleteMultipartUploadCommand({ vaultName, uploadId, archiveSize: String(archiveSize), checksum }));
}

describe('tree hash', () => {
  it('matches the published vectors (the server computes its own tree hash of what it received)', async () => {
    const vectors: [Buffer, string][] = [
      [Buffer.from('bar'), 'fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9'],
      [Buffer.alloc(5.5 * MiB, 0x30), '154e26c78fd74d0c2c9b3cc4644191619dc4f2cd539ae2a74d5fd07957a3ee6a'],
      [Buffer.alloc(5.5 * MiB, 0), 'a3a82dbe3644dd6046be472f2e3ec1f8ef47f8f3adb86d0de4de7a254f255455'],
      [Buffer.alloc(MiB, 0), '30e14955ebf1352266dc2ff8067e68104607e750abb9d3b36582b8af909fcb58'],
    ];
    for (const [data, expected] of vectors) {
      expect(treeHash(data)).toBe(expected); // the test's own witness agrees with the table
      const out = await glacier.send(new UploadArchiveCommand({ vaultName, body: data, checksum: expected }));
      expect(out.checksum).toBe(expected);
    }
    expect(sha256(Buffer.alloc(5.5 * MiB, 0x30))).toBe('68aff0c5a91aa0491752bfb96e3fef33eb74953804f6a2f7b708d5bcefa8ff6b');
  });

  it('equals the linear SHA-256 for a payload of at most 1 MiB, and differs above', async () => {
    for (const data of [Buffer.from('bar'), bytes(MiB, 3), bytes(777, 4)]) {
      const out = await glacier.send(new UploadArchiveCommand({ vaultName, body: data }));
      expect(out.checksum).toBe(sha256(data));
    }
    const bigger = bytes(MiB + 1, 5);
    const out = await glacier.send(new UploadArchiveCommand({ vaultName, body: bigger }));
    expect(out.checksum).toBe(treeHash(bigger));
    expect(out.checksum).not.toBe(sha256(bigger));
  });

  it('combines part tree hashes into the archive tree hash (5.5 MiB of 0x30 in 1 MiB parts)', async () => {
    const data = Buffer.alloc(5.5 * MiB, 0x30);
    const id = await initiate(MiB);
    for (let off = 0; off < data.length; off += MiB) await uploadPart(id, off, data.subarray(off, off + MiB));
    const out = await complete(id, data.length, '154e26c78fd74d0c2c9b3cc4644191619dc4f2cd539ae2a74d5fd07957a3ee6a');
    expect(out.checksum).toBe('154e26c78fd74d0c2c9b3cc4644191619dc4f2cd539ae2a74d5fd07957a3ee6a');
  });
});

describe('InitiateMultipartUpload', () => {
  it('accepts part sizes 1 MiB x 2^n from 1 MiB to 4 GiB', async () => {
    for (const size of [MiB, 2 * MiB, 64 * MiB, 4096 * MiB]) {
      const out = await glacier.send(new InitiateMultipartUploadCommand({ vaultName, partSize: String(size) }));
      const parts = await glacier.send(new ListPartsCommand({ vaultName, uploadId: out.uploadId! }));
      expect(parts.PartSizeInBytes).toBe(size);
    }
  });

  it('refuses any other part size with Amazon\'s message', async () => {
    for (const size of ['0', String(3 * MiB), String(MiB / 2), String(8192 * MiB), '1048577', 'abc']) {
      const err = await failure(glacier.send(new InitiateMultipartUploadCommand({ vaultName, partSize: size })));
      expect(err.name).toBe('InvalidParameterValueException');
      expect(err.$metadata?.httpStatusCode).toBe(400);
      expect(err.message).toBe(
        `Invalid part size: ${size}. Part size must not be null, must be a power of two and be between 1048576 and 4294967296 bytes.`);
    }
    const missing = await failure(glacier.send(new InitiateMultipartUploadCommand({ vaultName })));
    expect(missing.name).toBe('InvalidParameterValueException');
    expect(missing.message).toMatch(/^Invalid part size: null\. Part size must not be null/);
  });

  it('accepts a description of up to 1,024 printable ASCII characters and refuses longer or non-ASCII ones', async () => {
    const ok = `a${' ~'.repeat(511)}z`; // HTTP trims a header's outer spaces
    const id = await initiate(MiB, ok);
    const parts = await glacier.send(new ListPartsCommand({ vaultName, uploadId: id }));
    expect(parts.ArchiveDescription).toBe(ok);

    const long = await failure(initiate(MiB, 'x'.repeat(1025)));
    expect(long.name).toBe('InvalidParameterValueException');
    expect(long.message).toMatch(/x-amz-archive-description.*at most 1024 characters of printable ASCII.*got 1025 characters/);
    const accented = await failure(initiate(MiB, 'café'));
    expect(accented.name).toBe('InvalidParameterValueException');
    expect(accented.message).toMatch(/non-ASCII/);
  });

  it('answers 201 with Location and x-amz-multipart-upload-id', async () => {
    const out = await glacier.send(new InitiateMultipartUploadCommand({ vaultName, partSize: String(MiB) }));
    expect(out.$metadata.httpStatusCode).toBe(201);
    expect(out.uploadId).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(out.location).toBe(`/000000000000/vaults/${vaultName}/multipart-uploads/${out.uploadId}`);
  });

  it('expires an upload after uploadTtlMs of inactivity (404 afterwards), while an active one lives on', async () => {
    // Generous margins: the busy upload only expires if a 200 ms pause stretches past 1.5 s.
    const s = await startLocalGlacier({ uploadTtlMs: 1500 });
    const c = client(s);
    try {
      await c.send(new CreateVaultCommand({ vaultName: 'ttl' }));
      const idle = (await c.send(new InitiateMultipartUploadCommand({ vaultName: 'ttl', partSize: String(MiB) }))).uploadId!;
      const busy = (await c.send(new InitiateMultipartUploadCommand({ vaultName: 'ttl', partSize: String(MiB) }))).uploadId!;
      for (let i = 0; i < 9; i++) {
        await new Promise((r) => setTimeout(r, 200));
        await c.send(new ListPartsCommand({ vaultName: 'ttl', uploadId: busy })); // activity
      }
      const err = await failure(c.send(new ListPartsCommand({ vaultName: 'ttl', uploadId: idle })));
      expect(err.name).toBe('ResourceNotFoundException');
      expect(err.message).toBe(`The upload ID was not found: ${idle}`);
      const list = await c.send(new ListMultipartUploadsCommand({ vaultName: 'ttl' }));
      expect(list.UploadsList?.map((u) => u.MultipartUploadId)).toEqual([busy]);
    } finally {
      c.destroy();
      await s.close();
    }
  });
});

describe('UploadMultipartPart', () => {
  it('requires FIRST to be a multiple of the part size', async () => {
    const id = await initiate(MiB);
    const err = await failure(uploadPart(id, 1000, bytes(100)));
    expect(err.name).toBe('InvalidParameterValueException');
    expect(err.message).toMatch(/^Content-Range: bytes 1000-1099\/\* does not start on a part boundary/);
    const ok = await uploadPart(id, MiB, bytes(100));
    expect(ok.$metadata.httpStatusCode).toBe(204);
  });

  it('refuses a part larger than the part size', async () => {
    const id = await initiate(MiB);
    const err = await failure(uploadPart(id, 0, bytes(MiB + 1)));
    expect(err.name).toBe('InvalidParameterValueException');
    expect(err.message).toBe(`Content-Range: bytes 0-${MiB}/* is 1048577 bytes, larger than the part size 1048576 of this upload.`);
  });

  it('allows at most 10,000 parts', async () => {
    const id = await initiate(MiB);
    const last = await uploadPart(id, 9999 * MiB, bytes(10));
    expect(last.$metadata.httpStatusCode).toBe(204);
    const err = await failure(uploadPart(id, 10000 * MiB, bytes(10)));
    expect(err.name).toBe('InvalidParameterValueException');
    expect(err.message).toMatch(/is part 10000 \(parts count from 0\), but an upload holds at most 10000 parts \(0 to 9999\)/);
  });

  it('refuses a Content-Range whose length differs from Content-Length', async () => {
    const id = await initiate(4 * MiB);
    const err = await failure(uploadPart(id, 0, bytes(3146447), { range: 'bytes 0-4194303/*' }));
    expect(err.name).toBe('InvalidParameterValueException');
    expect(err.message).toBe('Content-Range: bytes 0-4194303/* is incompatible with Content-Length: 3146447');
  });

  it('refuses a malformed Content-Range', async () => {
    const id = await initiate(MiB);
    for (const range of ['bytes 909994937-909994936/*', 'bytes 0-99/100', 'bytes=0-99/*', '0-99']) {
      const err = await failure(uploadPart(id, 0, bytes(100), { range }));
      expect(err.name).toBe('InvalidParameterValueException');
      expect(err.message).toBe(`Invalid Content-Range: ${range}`);
    }
  });

  it('refuses a tree hash that does not match the body', async () => {
    const id = await initiate(MiB);
    const body = bytes(5000, 7);
    const wrong = treeHash(bytes(5000, 8));
    const err = await failure(uploadPart(id, 0, body, { checksum: wrong }));
    expect(err.name).toBe('InvalidParameterValueException');
    expect(err.message).toBe(`Checksum mismatch: expected ${wrong}, computed ${treeHash(body)}`);
    const parts = await glacier.send(new ListPartsCommand({ vaultName, uploadId: id }));
    expect(parts.Parts).toEqual([]);
  });

  it('refuses an x-amz-content-sha256 that does not match the body (403)', async () => {
    const id = await initiate(MiB);
    const body = bytes(4096, 3);
    const claimed = sha256(bytes(4096, 4));
    const res = await raw(server, {
      method: 'PUT',
      path: `/-/vaults/${vaultName}/multipart-uploads/${id}`,
      headers: {
        'content-range': 'bytes 0-4095/*',
        'x-amz-sha256-tree-hash': treeHash(body),
        'x-amz-content-sha256': claimed,
      },
      body,
    });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body.toString())).toEqual({
      code: 'InvalidSignatureException',
      type: 'Client',
      message: `The value passed in as x-amz-content-sha256 does not match the computed payload hash. Computed digest: ${sha256(body)} expected hash: ${claimed}`,
    });
    // Through the SDK too: a middleware overwrites the header the SDK computed.
    const c = client(server);
    c.middlewareStack.add((next) => async (args) => {
      (args.request as { headers: Record<string, string> }).headers['x-amz-content-sha256'] = claimed;
      return next(args);
    }, { step: 'finalizeRequest', priority: 'high' });
    const err = await failure(c.send(new UploadMultipartPartCommand({ vaultName, uploadId: id, range: 'bytes 0-4095/*', body })));
    c.destroy();
    expect(err.$metadata?.httpStatusCode).toBe(403);
    expect(err.name).toBe('InvalidSignatureException');
    expect(err.message).toMatch(/^The value passed in as x-amz-content-sha256 does not match the computed payload hash/);
  });

  it('replaces a range uploaded again', async () => {
    const id = await initiate(MiB);
    const a = bytes(MiB, 11);
    const b = bytes(MiB, 12);
    await uploadPart(id, 0, a);
    await uploadPart(id, 0, b);
    const parts = await glacier.send(new ListPartsCommand({ vaultName, uploadId: id }));
    expect(parts.Parts).toEqual([{ RangeInBytes: `0-${MiB - 1}`, SHA256TreeHash: treeHash(b) }]);
    const done = await complete(id, MiB, treeHash(b));
    expect(done.checksum).toBe(treeHash(b));
  });

  it('answers 204 with Glacier\'s own tree hash of the part', async () => {
    const id = await initiate(2 * MiB);
    const body = bytes(2 * MiB, 5);
    const out = await uploadPart(id, 0, body);
    expect(out.$metadata.httpStatusCode).toBe(204);
    expect(out.checksum).toBe(treeHash(body));
    expect(server.stats['UploadMultipartPart:bytes']).toBeGreaterThanOrEqual(2 * MiB);
  });

  it('accepts a short part that is not last, which then fails at Complete', async () => {
    const id = await initiate(MiB);
    const short = bytes(1000, 1);
    const full = bytes(MiB, 2);
    const out = await uploadPart(id, 0, short);
    expect(out.$metadata.httpStatusCode).toBe(204);
    await uploadPart(id, MiB, full);
    const err = await failure(complete(id, 1000 + MiB, treeHash(Buffer.concat([short, full]))));
    expect(err.name).toBe('InvalidParameterValueException');
    expect(err.message).toMatch(/^Part 0 \(bytes 0-999, counting from 0\) is 1000 bytes, shorter than the part size 1048576; only the last part may be shorter/);
  });
});

describe('ListParts', () => {
  it('returns the documented fields and omits parts still being uploaded', async () => {
    const id = await initiate(MiB, 'listing');
    const first = bytes(MiB, 21);
    await uploadPart(id, 0, first);
    // Part 2 is sent by hand: headers and half its body, then ListParts, then the rest.
    const body = bytes(MiB, 22);
    const { request } = await import('node:http');
    const { FAKE_AUTH } = await import('./helpers.js');
    let answered!: Promise<number>;
    const req = request(`${server.endpoint}/-/vaults/${vaultName}/multipart-uploads/${id}`, {
      method: 'PUT',
      headers: {
        authorization: FAKE_AUTH,
        'x-amz-glacier-version': '2012-06-01',
        'content-range': `bytes ${MiB}-${2 * MiB - 1}/*`,
        'content-length': MiB,
        'x-amz-sha256-tree-hash': treeHash(body),
        'x-amz-content-sha256': sha256(body),
      },
    });
    answered = new Promise((resolve, reject) => {
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
    });
    await new Promise<void>((resolve) => req.write(body.subarray(0, MiB / 2), () => resolve()));
    const during = await glacier.send(new ListPartsCommand({ vaultName, uploadId: id }));
    expect(during.Parts).toEqual([{ RangeInBytes: `0-${MiB - 1}`, SHA256TreeHash: treeHash(first) }]);
    req.end(body.subarray(MiB / 2));
    expect(await answered).toBe(204);
    const after = await glacier.send(new ListPartsCommand({ vaultName, uploadId: id }));
    expect(after).toMatchObject({
      ArchiveDescription: 'listing',
      MultipartUploadId: id,
      PartSizeInBytes: MiB,
      VaultARN: `arn:aws:glacier:us-east-1:000000000000:vaults/${vaultName}`,
      Parts: [
        { RangeInBytes: `0-${MiB - 1}`, SHA256TreeHash: treeHash(first) },
        { RangeInBytes: `${MiB}-${2 * MiB - 1}`, SHA256TreeHash: treeHash(body) },
      ],
    });
    expect(after.Marker ?? null).toBeNull();
    expect(Date.parse(after.CreationDate!)).not.toBeNaN();
  });

  it('is 404 for an unknown upload id', async () => {
    const err = await failure(glacier.send(new ListPartsCommand({ vaultName, uploadId: 'no-such-upload' })));
    expect(err.name).toBe('ResourceNotFoundException');
    expect(err.message).toBe('The upload ID was not found: no-such-upload');
  });
});

describe('ListMultipartUploads', () => {
  it('lists open uploads with the documented fields', async () => {
    await glacier.send(new CreateVaultCommand({ vaultName: 'lmu' }));
    const a = await glacier.send(new InitiateMultipartUploadCommand({ vaultName: 'lmu', partSize: String(MiB), archiveDescription: 'a' }));
    const b = await glacier.send(new InitiateMultipartUploadCommand({ vaultName: 'lmu', partSize: String(2 * MiB) }));
    const out = await glacier.send(new ListMultipartUploadsCommand({ vaultName: 'lmu' }));
    expect(out.UploadsList).toHaveLength(2);
    const byId = new Map(out.UploadsList!.map((u) => [u.MultipartUploadId, u]));
    expect(byId.get(a.uploadId)).toMatchObject({ ArchiveDescription: 'a', PartSizeInBytes: MiB, VaultARN: 'arn:aws:glacier:us-east-1:000000000000:vaults/lmu' });
    expect(byId.get(b.uploadId)).toMatchObject({ PartSizeInBytes: 2 * MiB });
    expect(out.Marker ?? null).toBeNull();
  });
});

describe('CompleteMultipartUpload', () => {
  it('fails for missing ranges, a wrong size or a wrong hash, and the upload stays open', async () => {
    const id = await initiate(MiB);
    const p = [bytes(MiB, 31), bytes(MiB, 32), bytes(500, 33)];
    const whole = Buffer.concat(p);
    await uploadPart(id, 0, p[0]!);
    await uploadPart(id, 2 * MiB, p[2]!);
    const missing = await failure(complete(id, whole.length, treeHash(whole)));
    expect(missing.name).toBe('InvalidParameterValueException');
    expect(missing.message).toMatch(/^Missing part: bytes 1048576-2097151\/\* \(part 1, counting from 0\) was never uploaded/);
    await uploadPart(id, MiB, p[1]!);
    const size = await failure(complete(id, whole.length + 1, treeHash(whole)));
    expect(size.name).toBe('InvalidParameterValueException');
    expect(size.message).toBe(`Invalid x-amz-archive-size: ${whole.length + 1}. The uploaded parts total ${whole.length} bytes.`);
    const wrong = treeHash(bytes(10, 99));
    const hash = await failure(complete(id, whole.length, wrong));
    expect(hash.name).toBe('InvalidParameterValueException');
    expect(hash.message).toBe(`Invalid x-amz-sha256-tree-hash: ${wrong}`);
    // Still open: its parts are listed and a correct Complete succeeds.
    const parts = await glacier.send(new ListPartsCommand({ vaultName, uploadId: id }));
    expect(parts.Parts).toHaveLength(3);
    const done = await complete(id, whole.length, treeHash(whole));
    expect(done.checksum).toBe(treeHash(whole));
  });

  it('requires x-amz-archive-size and x-amz-sha256-tree-hash', async () => {
    const id = await initiate(MiB);
    await uploadPart(id, 0, bytes(10));
    const noSize = await failure(glacier.send(new CompleteMultipartUploadCommand({ vaultName, uploadId: id, checksum: treeHash(bytes(10)) })));
    expect(noSize.name).toBe('MissingParameterValueException');
    expect(noSize.message).toMatch(/x-amz-archive-size/);
    const noHash = await failure(glacier.send(new CompleteMultipartUploadCommand({ vaultName, uploadId: id, archiveSize: '10' })));
    expect(noHash.name).toBe('MissingParameterValueException');
    expect(noHash.message).toMatch(/x-amz-sha256-tree-hash/);
  });

  it('answers 201 with Location, archive id and tree hash; a repeat returns the same archive; ListParts is then 404', async () => {
    const id = await initiate(MiB);
    const data = bytes(MiB + 77, 41);
    await uploadPart(id, 0, data.subarray(0, MiB));
    await uploadPart(id, MiB, data.subarray(MiB));
    const done = await complete(id, data.length, treeHash(data));
    expect(done.$metadata.httpStatusCode).toBe(201);
    expect(done.checksum).toBe(treeHash(data));
    expect(done.archiveId).toMatch(/^[A-Za-z0-9_-]{100,}$/);
    expect(done.location).toBe(`/000000000000/vaults/${vaultName}/archives/${done.archiveId}`);
    const again = await complete(id, data.length, treeHash(data));
    expect(again.archiveId).toBe(done.archiveId);
    const err = await failure(glacier.send(new ListPartsCommand({ vaultName, uploadId: id })));
    expect(err.name).toBe('ResourceNotFoundException');
  });
});

describe('AbortMultipartUpload', () => {
  it('answers 204, is idempotent for an open upload, and later requests on it are 404', async () => {
    const id = await initiate(MiB);
    await uploadPart(id, 0, bytes(100));
    const a = await glacier.send(new AbortMultipartUploadCommand({ vaultName, uploadId: id }));
    expect(a.$metadata.httpStatusCode).toBe(204);
    const b = await glacier.send(new AbortMultipartUploadCommand({ vaultName, uploadId: id }));
    expect(b.$metadata.httpStatusCode).toBe(204);
    const part = await failure(uploadPart(id, MiB, bytes(100)));
    expect(part.name).toBe('ResourceNotFoundException');
    const list = await failure(glacier.send(new ListPartsCommand({ vaultName, uploadId: id })));
    expect(list.name).toBe('ResourceNotFoundException');
  });

  it('a part still in flight when the upload is aborted fails afterwards (404) and is not kept', async () => {
    const id = await initiate(MiB);
    const body = bytes(MiB, 71);
    const { request } = await import('node:http');
    const { FAKE_AUTH } = await import('./helpers.js');
    const req = request(`${server.endpoint}/-/vaults/${vaultName}/multipart-uploads/${id}`, {
      method: 'PUT',
      headers: {
        authorization: FAKE_AUTH, 'x-amz-glacier-version': '2012-06-01', 'content-length': MiB,
        'content-range': `bytes 0-${MiB - 1}/*`, 'x-amz-sha256-tree-hash': treeHash(body), 'x-amz-content-sha256': sha256(body),
      },
    });
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on('response', (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
    });
    await new Promise<void>((resolve) => req.write(body.subarray(0, MiB / 2), () => resolve()));
    await glacier.send(new AbortMultipartUploadCommand({ vaultName, uploadId: id }));
    req.end(body.subarray(MiB / 2));
    const res = await answer;
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'ResourceNotFoundException', message: `The upload ID was not found: ${id}` });
    const { readdirSync: ls } = await import('node:fs');
    expect(ls(join(server.dataDir, 'vaults', '000000000000', 'us-east-1', `v-${vaultName}`, 'uploads', id))).toEqual(['upload.json']);
    expect(ls(join(server.dataDir, 'tmp'))).toEqual([]);
  });

  it('fails for a completed upload', async () => {
    const id = await initiate(MiB);
    await uploadPart(id, 0, bytes(100));
    const done = await complete(id, 100, treeHash(bytes(100)));
    const err = await failure(glacier.send(new AbortMultipartUploadCommand({ vaultName, uploadId: id })));
    expect(err.name).toBe('ResourceNotFoundException');
    expect(err.message).toBe(`The upload ID was not found: ${id}. It was completed as archive ${done.archiveId} and can no longer be aborted (use DeleteArchive to remove the archive).`);
  });
});

describe('errors', () => {
  it('have a JSON body {code, message, type} and the x-amzn-ErrorType header', async () => {
    const res = await raw(server, { method: 'GET', path: '/-/vaults/nope' });
    expect(res.status).toBe(404);
    expect(res.headers['x-amzn-errortype']).toBe('ResourceNotFoundException');
    expect(res.headers['content-type']).toBe('application/json');
    expect(JSON.parse(res.body.toString())).toEqual({
      code: 'ResourceNotFoundException',
      message: 'Vault not found for ARN: arn:aws:glacier:us-east-1:000000000000:vaults/nope',
      type: 'Client',
    });
  });

  it('MissingParameterValueException for a missing required header', async () => {
    const id = await initiate(MiB);
    const res = await raw(server, {
      method: 'PUT', path: `/-/vaults/${vaultName}/multipart-uploads/${id}`,
      headers: { 'content-range': 'bytes 0-9/*', 'x-amz-content-sha256': sha256(bytes(10)) }, body: bytes(10),
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body.toString())).toMatchObject({ code: 'MissingParameterValueException', type: 'Client' });
    expect(JSON.parse(res.body.toString()).message).toMatch(/x-amz-sha256-tree-hash/);
  });

  it('LimitExceededException at the vault quota', async () => {
    const s = await startLocalGlacier({ maxVaults: 2 });
    const c = client(s);
    try {
      await c.send(new CreateVaultCommand({ vaultName: 'a' }));
      await c.send(new CreateVaultCommand({ vaultName: 'b' }));
      await c.send(new CreateVaultCommand({ vaultName: 'b' })); // idempotent, not a third vault
      const err = await failure(c.send(new CreateVaultCommand({ vaultName: 'c' })));
      expect(err.name).toBe('LimitExceededException');
      expect(err.$metadata?.httpStatusCode).toBe(400);
      expect(err.message).toBe('The maximum number of vaults (2) has been reached for this account; delete an unused vault first.');
      await c.send(new DeleteVaultCommand({ vaultName: 'a' }));
      await c.send(new CreateVaultCommand({ vaultName: 'c' }));
    } finally {
      c.destroy();
      await s.close();
    }
  });
});

describe('vaults', () => {
  it('accept names of 1-255 characters of a-zA-Z0-9_.- and keep every name inside dataDir', async () => {
    for (const name of ['x', 'A-b_c.9', 'v'.repeat(255), '.', '..']) {
      const out = await glacier.send(new CreateVaultCommand({ vaultName: name }));
      expect(out.location).toBe(`/000000000000/vaults/${name}`);
      const d = await glacier.send(new DescribeVaultCommand({ vaultName: name }));
      expect(d.VaultName).toBe(name);
    }
    // '.' and '..' are legal names; they must not become the vaults directory or its parent.
    expect(existsSync(join(server.dataDir, 'vaults', '000000000000', 'us-east-1', 'v-..', 'vault.json'))).toBe(true);
    expect(readdirSync(server.dataDir).sort()).toEqual(['server.lock', 'tmp', 'vaults']);
  });

  it('refuse other names', async () => {
    for (const name of ['v'.repeat(256), 'a b', 'a/b', '../etc', 'é', 'a%2Fb']) {
      const err = await failure(glacier.send(new CreateVaultCommand({ vaultName: name })));
      expect(err.name).toBe('InvalidParameterValueException');
      expect(err.message).toBe(
        `Invalid vault name: "${name}". A vault name is 1 to 255 characters of a-z, A-Z, 0-9, '_' (underscore), '-' (hyphen) and '.' (period).`);
    }
  });

  it('describe, count archives and refuse to delete a vault that holds archives', async () => {
    await glacier.send(new CreateVaultCommand({ vaultName: 'del' }));
    const body = bytes(3000, 9);
    const ar = await glacier.send(new UploadArchiveCommand({ vaultName: 'del', body }));
    // DescribeVault counts as of the last inventory, as Glacier does: take one first.
    const { InitiateJobCommand } = await import('@aws-sdk/client-glacier');
    await glacier.send(new InitiateJobCommand({ vaultName: 'del', jobParameters: { Type: 'inventory-retrieval' } }));
    const d = await glacier.send(new DescribeVaultCommand({ vaultName: 'del' }));
    expect(d).toMatchObject({ VaultName: 'del', NumberOfArchives: 1, SizeInBytes: 3000, VaultARN: 'arn:aws:glacier:us-east-1:000000000000:vaults/del' });
    const err = await failure(glacier.send(new DeleteVaultCommand({ vaultName: 'del' })));
    expect(err.name).toBe('InvalidParameterValueException');
    expect(err.message).toBe('Vault not empty or recently written to: arn:aws:glacier:us-east-1:000000000000:vaults/del');
    const { DeleteArchiveCommand } = await import('@aws-sdk/client-glacier');
    await glacier.send(new DeleteArchiveCommand({ vaultName: 'del', archiveId: ar.archiveId! }));
    const gone = await failure(glacier.send(new DeleteArchiveCommand({ vaultName: 'del', archiveId: ar.archiveId! })));
    expect(gone.name).toBe('ResourceNotFoundException');
    // Empty now, but not as of the last inventory: Glacier refuses until the next one.
    expect((await failure(glacier.send(new DeleteVaultCommand({ vaultName: 'del' })))).message).toMatch(/^Vault not empty or recently written to/);
    await glacier.send(new InitiateJobCommand({ vaultName: 'del', jobParameters: { Type: 'inventory-retrieval' } }));
    await glacier.send(new DeleteVaultCommand({ vaultName: 'del' }));
    const missing = await failure(glacier.send(new DescribeVaultCommand({ vaultName: 'del' })));
    expect(missing.name).toBe('ResourceNotFoundException');
  });
});

describe('UploadArchive', () => {
  it('stores an archive after checking both hashes', async () => {
    const body = bytes(2 * MiB + 3, 51);
    const out = await glacier.send(new UploadArchiveCommand({ vaultName, body, archiveDescription: 'single' }));
    expect(out.$metadata.httpStatusCode).toBe(201);
    expect(out.checksum).toBe(treeHash(body));
    expect(out.location).toBe(`/000000000000/vaults/${vaultName}/archives/${out.archiveId}`);
    const wrong = treeHash(bytes(5));
    const err = await failure(glacier.send(new UploadArchiveCommand({ vaultName, body, checksum: wrong })));
    expect(err.name).toBe('InvalidParameterValueException');
    expect(err.message).toBe(`Checksum mismatch: expected ${wrong}, computed ${treeHash(body)}`);
  });
});

describe('the SDK\'s conventions', () => {
  it('account id "-" (the SDK default) and 12-digit ids are accepted, each its own account; others refused', async () => {
    const out = await glacier.send(new DescribeVaultCommand({ vaultName, accountId: '000000000000' })); // '-' is the local account
    expect(out.VaultName).toBe(vaultName);
    // Another account has vaults of its own, like Glacier (issue 11): the local account's are not found there.
    const other = await failure(glacier.send(new DescribeVaultCommand({ vaultName, accountId: '123456789012' })));
    expect(other.name).toBe('ResourceNotFoundException');
    expect(other.message).toBe(`Vault not found for ARN: arn:aws:glacier:us-east-1:123456789012:vaults/${vaultName}`);
    const err = await failure(glacier.send(new DescribeVaultCommand({ vaultName, accountId: 'someone' })));
    expect(err.name).toBe('InvalidParameterValueException');
    expect(err.message).toMatch(/^Invalid account id: someone/);
  });

  it('x-amz-glacier-version is required', async () => {
    const res = await raw(server, { method: 'GET', path: `/-/vaults/${vaultName}`, headers: { 'x-amz-glacier-version': undefined } });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body.toString()).code).toBe('MissingParameterValueException');
    const ok = await raw(server, { method: 'GET', path: `/-/vaults/${vaultName}` });
    expect(ok.status).toBe(200);
  });
});

describe('safety', () => {
  it('binds 127.0.0.1 by default', () => {
    expect(server.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('refuses requests without a SigV4-shaped Authorization header', async () => {
    const none = await raw(server, { method: 'GET', path: `/-/vaults/${vaultName}`, headers: { authorization: undefined } });
    expect(none.status).toBe(403);
    expect(JSON.parse(none.body.toString()).code).toBe('MissingAuthenticationTokenException');
    const basic = await raw(server, { method: 'GET', path: `/-/vaults/${vaultName}`, headers: { authorization: 'Basic dGVzdDp0ZXN0' } });
    expect(basic.status).toBe(400);
    expect(JSON.parse(basic.body.toString()).code).toBe('IncompleteSignatureException');
  });

  it('refuses a body over 4 GiB before reading it', async () => {
    const id = await initiate(4096 * MiB);
    const { request } = await import('node:http');
    const { FAKE_AUTH } = await import('./helpers.js');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${server.endpoint}/-/vaults/${vaultName}/multipart-uploads/${id}`, {
        method: 'PUT',
        headers: {
          authorization: FAKE_AUTH, 'x-amz-glacier-version': '2012-06-01',
          'content-length': 4096 * MiB + 1, 'content-range': `bytes 0-${4096 * MiB}/*`,
        },
      }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(bytes(1000)); // a tiny start of the announced 4 GiB + 1
    });
    expect(status).toBe(400);
  });

  it('refuses upload ids that could name a path', async () => {
    for (const uploadId of ['..', '../../x', 'a.b']) {
      const err = await failure(glacier.send(new ListPartsCommand({ vaultName, uploadId })));
      expect(err.name).toBe('ResourceNotFoundException');
    }
  });
});
