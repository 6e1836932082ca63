// Stored leaf digests: the server keeps the SHA-256 of every 1 MiB of an archive when it is written
// (UploadArchive, and CompleteMultipartUpload from its parts') and answers a range's tree hash from
// them, like Glacier, instead of reading and hashing the range again. Expected hashes come from the
// tests' node:crypto oracle over the bytes uploaded.
//
// How the tests know the leaves are used: stats['RangeTreeHash:hashedBytes'] counts bytes the server
// read to hash a range (0 with leaves), and bytes changed on disk after the upload leave the header
// at the STORED digests (as Glacier's would: the client then sees a mismatch), while an archive of an
// older data directory (no leaf file) is hashed from its bytes as they are now.
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CompleteMultipartUploadCommand, CreateVaultCommand, GetJobOutputCommand, InitiateJobCommand,
  InitiateMultipartUploadCommand, UploadArchiveCommand, UploadMultipartPartCommand, type GlacierClient,
} from '@aws-sdk/client-glacier';
import { startLocalGlacier, type LocalGlacier } from '../../dist/src/server/index.js';
import { MiB, bytes, client, treeHash } from './helpers.js';

const cleanup: (() => Promise<unknown> | void)[] = [];
afterAll(async () => {
  for (const f of cleanup.reverse()) await f();
});

async function open(dataDir?: string) {
  const dir = dataDir ?? await mkdtemp(join(tmpdir(), 'leaves-'));
  if (!dataDir) cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const server = await startLocalGlacier({ dataDir: dir });
  const glacier = client(server);
  cleanup.push(() => glacier.destroy(), () => server.close());
  return { server, glacier, dataDir: dir };
}

const vaultName = 'leaves';

async function uploadMultipart(glacier: GlacierClient, data: Buffer, partSize: number): Promise<string> {
  await glacier.send(new CreateVaultCommand({ vaultName }));
  const { uploadId } = await glacier.send(new InitiateMultipartUploadCommand({ vaultName, partSize: String(partSize) }));
  for (let off = 0; off < data.length; off += partSize) {
    const body = data.subarray(off, off + partSize);
    await glacier.send(new UploadMultipartPartCommand({ vaultName, uploadId, body, range: `bytes ${off}-${off + body.length - 1}/*` }));
  }
  const done = await glacier.send(new CompleteMultipartUploadCommand({ vaultName, uploadId, archiveSize: String(data.length), checksum: treeHash(data) }));
  return done.archiveId!;
}

async function uploadWhole(glacier: GlacierClient, data: Buffer): Promise<string> {
  await glacier.send(new CreateVaultCommand({ vaultName }));
  const out = await glacier.send(new UploadArchiveCommand({ vaultName, body: data, checksum: treeHash(data) }));
  return out.archiveId!;
}

async function startJob(glacier: GlacierClient, archiveId: string, range?: string): Promise<string> {
  const out = await glacier.send(new InitiateJobCommand({
    vaultName, jobParameters: { Type: 'archive-retrieval', ArchiveId: archiveId, ...(range ? { RetrievalByteRange: range } : {}) },
  }));
  return out.jobId!;
}

async function fetch(glacier: GlacierClient, jobId: string, first: number, last: number) {
  const out = await glacier.send(new GetJobOutputCommand({ vaultName, jobId, range: `bytes=${first}-${last}` }));
  return { checksum: out.checksum, body: Buffer.from(await out.body!.transformToByteArray()) };
}

/** Every node of the tree hash of `size` bytes: [first, last] for spans of 1, 2, 4, ... MiB. */
function treeNodes(size: number): [number, number][] {
  const nodes: [number, number][] = [];
  for (let span = MiB; ; span *= 2) {
    for (let first = 0; first < size; first += span) nodes.push([first, Math.min(first + span, size) - 1]);
    if (span >= size) return nodes;
  }
}

/** Fetches every tree node of a whole-archive job and checks its header against the oracle. */
async function checkAllNodes(glacier: GlacierClient, jobId: string, data: Buffer): Promise<number> {
  let checked = 0;
  for (const [first, last] of treeNodes(data.length)) {
    const { checksum, body } = await fetch(glacier, jobId, first, last);
    expect(body.equals(data.subarray(first, last + 1))).toBe(true);
    expect(checksum, `range ${first}-${last} of ${data.length}`).toBe(treeHash(data.subarray(first, last + 1)));
    checked++;
  }
  return checked;
}

/** An archive's directory in a data dir (local account, us-east-1) and its metadata. */
async function archiveOnDisk(dataDir: string, archiveId: string) {
  const dir = join(dataDir, 'vaults', '000000000000', 'us-east-1', `v-${vaultName}`, 'archives', archiveId);
  const meta = JSON.parse(await readFile(join(dir, 'archive.json'), 'utf8')) as { leaves?: string; files: { file: string; size: number }[] };
  return { dir, meta };
}

/** Makes the archive look as an older server version stored it: no leaf file, none in its metadata. */
async function dropLeaves(dataDir: string, archiveId: string): Promise<void> {
  const { dir, meta } = await archiveOnDisk(dataDir, archiveId);
  expect(meta.leaves).toBe('leaves');
  await unlink(join(dir, meta.leaves!));
  delete meta.leaves;
  await writeFile(join(dir, 'archive.json'), JSON.stringify(meta));
}

/** Flips the byte at archive offset `at` in its part files on disk. */
async function corrupt(dataDir: string, archiveId: string, at: number): Promise<void> {
  const { dir, meta } = await archiveOnDisk(dataDir, archiveId);
  let offset = 0;
  for (const f of meta.files) {
    if (at < offset + f.size) {
      const bytesNow = await readFile(join(dir, f.file));
      bytesNow[at - offset] ^= 0xff;
      await writeFile(join(dir, f.file), bytesNow);
      return;
    }
    offset += f.size;
  }
  throw new Error(`offset ${at} is past the archive`);
}

describe('range tree hashes from stored leaf digests', () => {
  it('multipart archive with a short last part: every tree node, from the leaves, none hashed', async () => {
    const { server, glacier } = await open();
    const data = bytes(7.5 * MiB + 3, 301); // parts of 2 MiB, the last 1.5 MiB + 3 B
    const archiveId = await uploadMultipart(glacier, data, 2 * MiB);
    server.resetStats();
    const jobId = await startJob(glacier, archiveId);
    expect(await checkAllNodes(glacier, jobId, data)).toBe(15); // 8 + 4 + 2 + 1
    expect(server.stats['RangeTreeHash:hashedBytes'] ?? 0).toBe(0);
    expect(server.stats['RangeTreeHash:leaves']).toBeGreaterThanOrEqual(8);
  });

  it('ranged jobs at odd MiB offsets and tails: job and request ranges both aligned', async () => {
    const { server, glacier } = await open();
    const data = bytes(6 * MiB + 100, 302);
    const archiveId = await uploadMultipart(glacier, data, MiB);
    server.resetStats();
    // A 1 MiB job at an odd MiB (a node of the tree): its output hash and its ranges.
    const odd = await startJob(glacier, archiveId, `${3 * MiB}-${4 * MiB - 1}`);
    expect(await fetch(glacier, odd, 0, MiB - 1)).toMatchObject({ checksum: treeHash(data.subarray(3 * MiB, 4 * MiB)) });
    // The tail job 4 MiB..end: 2 MiB + 100 B; its nodes are 4-5, 5-6, 6-end, 4-6 MiB and the whole.
    const tail = await startJob(glacier, archiveId, `${4 * MiB}-${data.length - 1}`);
    const out = data.subarray(4 * MiB);
    for (const [first, last] of [[0, MiB - 1], [MiB, 2 * MiB - 1], [2 * MiB, out.length - 1], [0, 2 * MiB - 1], [0, out.length - 1]] as const) {
      const { checksum, body } = await fetch(glacier, tail, first, last);
      expect(body.equals(out.subarray(first, last + 1))).toBe(true);
      expect(checksum, `${first}-${last}`).toBe(treeHash(out.subarray(first, last + 1)));
    }
    // Not a node of the archive's tree (archive bytes 5-7 MiB start on an odd MiB): no header.
    expect((await fetch(glacier, tail, MiB, out.length - 1)).checksum).toBeUndefined();
    // A job range that is not a node (1-3 MiB): no header even for a 1 MiB request inside it.
    const unaligned = await startJob(glacier, archiveId, `${MiB}-${3 * MiB - 1}`);
    expect((await fetch(glacier, unaligned, MiB, 2 * MiB - 1)).checksum).toBeUndefined();
    expect(server.stats['RangeTreeHash:hashedBytes'] ?? 0).toBe(0);
    expect(server.stats['RangeTreeHash:leaves']).toBeGreaterThan(0);
  });

  it('UploadArchive: 1 B, exactly 1 MiB and 3 MiB + 5 B archives', async () => {
    const { server, glacier } = await open();
    for (const [size, seed] of [[1, 303], [MiB, 304], [3 * MiB + 5, 305]] as const) {
      const data = bytes(size, seed);
      const archiveId = await uploadWhole(glacier, data);
      const jobId = await startJob(glacier, archiveId);
      await checkAllNodes(glacier, jobId, data);
    }
    expect(server.stats['RangeTreeHash:hashedBytes'] ?? 0).toBe(0);
    expect(server.stats['RangeTreeHash:leaves']).toBeGreaterThan(0);
  });

  it('a restart keeps the leaves; an archive without stored leaves is hashed from its bytes', async () => {
    const first = await open();
    const data = bytes(5 * MiB + 7, 306);
    const withLeaves = await uploadMultipart(first.glacier, data, MiB);
    const older = await uploadWhole(first.glacier, data);
    first.glacier.destroy();
    await first.server.close();
    await dropLeaves(first.dataDir, older);

    const { server, glacier } = await open(first.dataDir);
    const jobNew = await startJob(glacier, withLeaves);
    await checkAllNodes(glacier, jobNew, data);
    expect(server.stats['RangeTreeHash:hashedBytes'] ?? 0).toBe(0);
    const jobOld = await startJob(glacier, older);
    await checkAllNodes(glacier, jobOld, data);
    expect(server.stats['RangeTreeHash:hashedBytes']).toBeGreaterThan(0);
  });

  it('a leaf file missing or of the wrong size is not trusted: the range is hashed from the bytes', async () => {
    const first = await open();
    const data = bytes(3 * MiB, 307);
    const archiveId = await uploadWhole(first.glacier, data);
    first.glacier.destroy();
    await first.server.close();
    const { dir } = await archiveOnDisk(first.dataDir, archiveId);
    await writeFile(join(dir, 'leaves'), Buffer.alloc(32)); // one digest where three belong

    const { server, glacier } = await open(first.dataDir);
    const jobId = await startJob(glacier, archiveId);
    await checkAllNodes(glacier, jobId, data);
    expect(server.stats['RangeTreeHash:hashedBytes']).toBeGreaterThan(0);
  });

  it('bytes changed on disk: the header keeps the stored digests (client sees the damage); without leaves it follows the bytes', async () => {
    const first = await open();
    const data = bytes(4 * MiB, 308);
    const stored = await uploadMultipart(first.glacier, data, 2 * MiB);
    const older = await uploadWhole(first.glacier, data);
    first.glacier.destroy();
    await first.server.close();
    await dropLeaves(first.dataDir, older);
    const at = 2 * MiB + 12345; // in the second MiB-pair, third leaf
    await corrupt(first.dataDir, stored, at);
    await corrupt(first.dataDir, older, at);
    const damaged = Buffer.from(data);
    damaged[at] ^= 0xff;

    const { glacier } = await open(first.dataDir);
    const jobStored = await startJob(glacier, stored);
    const s = await fetch(glacier, jobStored, 2 * MiB, 3 * MiB - 1);
    expect(s.body.equals(damaged.subarray(2 * MiB, 3 * MiB))).toBe(true);
    expect(s.checksum).toBe(treeHash(data.subarray(2 * MiB, 3 * MiB)));
    expect(treeHash(s.body)).not.toBe(s.checksum);
    // Ranges that do not hold the byte are untouched either way.
    expect((await fetch(glacier, jobStored, 0, 2 * MiB - 1)).checksum).toBe(treeHash(data.subarray(0, 2 * MiB)));

    const jobOlder = await startJob(glacier, older);
    const o = await fetch(glacier, jobOlder, 2 * MiB, 3 * MiB - 1);
    expect(o.body.equals(damaged.subarray(2 * MiB, 3 * MiB))).toBe(true);
    expect(o.checksum).toBe(treeHash(o.body));
  });
});
