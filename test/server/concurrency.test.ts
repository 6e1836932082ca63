// 20 multipart uploads at once, every part in flight together, each archive verified by retrieval;
// 40 UploadArchive calls at once (staged side by side, committed one by one), kept across a restart;
// an upload whose vault is deleted while its body arrives leaves nothing behind.
import { mkdtempSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CompleteMultipartUploadCommand, CreateVaultCommand, DeleteVaultCommand, DescribeVaultCommand, GetJobOutputCommand,
  InitiateJobCommand, InitiateMultipartUploadCommand, ListPartsCommand, UploadArchiveCommand, UploadMultipartPartCommand,
  type GlacierClient,
} from '@aws-sdk/client-glacier';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startLocalGlacier, type LocalGlacier } from '../../dist/src/server/index.js';
import { FAKE_AUTH, MiB, bytes, client, sha256, treeHash } from './helpers.js';

let server: LocalGlacier;
let glacier: GlacierClient;

beforeAll(async () => {
  server = await startLocalGlacier();
  glacier = client(server, { requestHandler: new NodeHttpHandler({ httpAgent: { maxSockets: 100 } }) });
  await glacier.send(new CreateVaultCommand({ vaultName: 'many' }));
});
afterAll(async () => {
  glacier?.destroy();
  await server?.close();
});

describe('concurrency', () => {
  it('20 simultaneous multipart uploads produce 20 correct archives', async () => {
    const archives = Array.from({ length: 20 }, (_, i) => bytes(2 * MiB + 1000 * (i + 1), 500 + i));
    const ids = await Promise.all(archives.map(() =>
      glacier.send(new InitiateMultipartUploadCommand({ vaultName: 'many', partSize: String(MiB) })).then((o) => o.uploadId!)));
    // Every part of every upload at once, in an interleaved order, so metadata updates of one
    // upload race each other.
    await Promise.all(archives.flatMap((data, a) => [2, 0, 1].map((i) => {
      const body = data.subarray(i * MiB, (i + 1) * MiB);
      return glacier.send(new UploadMultipartPartCommand({
        vaultName: 'many', uploadId: ids[a], body, range: `bytes ${i * MiB}-${i * MiB + body.length - 1}/*`,
      })).then((out) => expect(out.checksum).toBe(treeHash(body)));
    })));
    expect(server.stats['UploadMultipartPart']).toBe(60);
    expect(server.stats['UploadMultipartPart:bytes']).toBe(archives.reduce((n, d) => n + d.length, 0));
    for (const [a, id] of ids.entries()) {
      const parts = await glacier.send(new ListPartsCommand({ vaultName: 'many', uploadId: id }));
      expect(parts.Parts).toHaveLength(3);
      expect(parts.Parts![2]!.RangeInBytes).toBe(`${2 * MiB}-${archives[a]!.length - 1}`);
    }
    const done = await Promise.all(archives.map((data, a) => glacier.send(new CompleteMultipartUploadCommand({
      vaultName: 'many', uploadId: ids[a], archiveSize: String(data.length), checksum: treeHash(data),
    }))));
    expect(new Set(done.map((d) => d.archiveId)).size).toBe(20);
    // DescribeVault counts as of the last inventory, as Glacier does: take one first.
    await glacier.send(new InitiateJobCommand({ vaultName: 'many', jobParameters: { Type: 'inventory-retrieval' } }));
    const vault = await glacier.send(new DescribeVaultCommand({ vaultName: 'many' }));
    expect(vault.NumberOfArchives).toBe(20);

    await Promise.all(done.map(async (d, a) => {
      const { jobId } = await glacier.send(new InitiateJobCommand({ vaultName: 'many', jobParameters: { Type: 'archive-retrieval', ArchiveId: d.archiveId } }));
      const out = await glacier.send(new GetJobOutputCommand({ vaultName: 'many', jobId }));
      const got = Buffer.from(await out.body!.transformToByteArray());
      expect(got.equals(archives[a]!)).toBe(true);
      expect(out.checksum).toBe(treeHash(archives[a]!));
    }));
  });

  it('40 UploadArchive calls at once: 40 whole archives, in the inventory before and after a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'glacier-many-'));
    let local = await startLocalGlacier({ dataDir });
    let c = client(local, { requestHandler: new NodeHttpHandler({ httpAgent: { maxSockets: 100 } }) });
    try {
      await c.send(new CreateVaultCommand({ vaultName: 'one-shot' }));
      const bodies = Array.from({ length: 40 }, (_, i) => bytes(10_000 + 997 * i, 900 + i));
      const ids = await Promise.all(bodies.map((body) => c.send(new UploadArchiveCommand({ vaultName: 'one-shot', body })).then((o) => {
        expect(o.checksum).toBe(treeHash(body));
        return o.archiveId!;
      })));
      const want = new Map(ids.map((id, i) => [id, { size: bodies[i]!.length, hash: treeHash(bodies[i]!) }]));
      const inventory = async () => {
        const { jobId } = await c.send(new InitiateJobCommand({ vaultName: 'one-shot', jobParameters: { Type: 'inventory-retrieval' } }));
        const out = await c.send(new GetJobOutputCommand({ vaultName: 'one-shot', jobId }));
        const list = JSON.parse(await out.body!.transformToString()).ArchiveList as { ArchiveId: string; Size: number; SHA256TreeHash: string }[];
        return new Map(list.map((a) => [a.ArchiveId, { size: a.Size, hash: a.SHA256TreeHash }]));
      };
      expect(await inventory()).toEqual(want);
      expect(await readdir(join(dataDir, 'tmp'))).toEqual([]);
      c.destroy();
      await local.close();
      local = await startLocalGlacier({ dataDir });
      c = client(local);
      expect(await inventory()).toEqual(want);
    } finally {
      c.destroy();
      await local.close();
    }
  });

  it('an UploadArchive whose vault is deleted while its body arrives: 404, nothing left in tmp/', async () => {
    await glacier.send(new CreateVaultCommand({ vaultName: 'doomed' }));
    const body = bytes(256 * 1024, 77);
    const head = ['POST /-/vaults/doomed/archives HTTP/1.1', 'Host: 127.0.0.1', `Authorization: ${FAKE_AUTH}`, 'x-amz-glacier-version: 2012-06-01',
      `x-amz-content-sha256: ${sha256(body)}`, `x-amz-sha256-tree-hash: ${treeHash(body)}`, `Content-Length: ${body.length}`, 'Connection: close', '', ''].join('\r\n');
    const s = connect(server.port, '127.0.0.1');
    let answer = '';
    s.on('data', (d: Buffer) => { answer += d.toString('latin1'); });
    const closed = new Promise((resolve) => s.on('close', resolve));
    s.write(head);
    s.write(body.subarray(0, 1000));
    // The body is arriving once its temporary file exists.
    for (let i = 0; i < 200 && (await readdir(join(server.dataDir, 'tmp'))).length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect((await readdir(join(server.dataDir, 'tmp'))).length).toBeGreaterThan(0);
    await glacier.send(new DeleteVaultCommand({ vaultName: 'doomed' }));
    s.write(body.subarray(1000));
    await Promise.race([closed, new Promise((r) => setTimeout(r, 2000))]);
    s.destroy();
    expect(answer).toMatch(/^HTTP\/1\.1 404 /);
    expect(answer).toContain('ResourceNotFoundException');
    expect(await readdir(join(server.dataDir, 'tmp'))).toEqual([]);
  });
});
