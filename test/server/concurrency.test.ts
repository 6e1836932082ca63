// 20 multipart uploads at once, every part in flight together, each archive verified by retrieval.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CompleteMultipartUploadCommand, CreateVaultCommand, DescribeVaultCommand, GetJobOutputCommand,
  InitiateJobCommand, InitiateMultipartUploadCommand, ListPartsCommand, UploadMultipartPartCommand,
  type GlacierClient,
} from '@aws-sdk/client-glacier';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startLocalGlacier, type LocalGlacier } from '../../dist/src/server/index.js';
import { MiB, bytes, client, treeHash } from './helpers.js';

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
});
