// The data dir fills up: the request that ran out of space gets a Glacier-shaped 500, its partial
// temporary file is removed, and the server keeps serving. A real small file system (tmpfs) stands
// in for a full disk; mounting one needs root, so without it the tests are skipped (and say why).
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateVaultCommand, DescribeVaultCommand, InitiateMultipartUploadCommand, ListPartsCommand,
  UploadArchiveCommand, UploadMultipartPartCommand,
} from '@aws-sdk/client-glacier';
import { startLocalGlacier, type LocalGlacier } from '../../dist/src/server/index.js';
import { MiB, bytes, client, failure, treeHash } from './helpers.js';

let mountDir = '';
let skipReason = '';
let server: LocalGlacier | undefined;

beforeAll(async () => {
  mountDir = await mkdtemp(join(tmpdir(), 'glacier-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mountDir], { stdio: 'pipe' });
  } catch (err) {
    skipReason = `cannot mount an 8 MiB tmpfs (needs root): ${(err as Error).message.split('\n')[0]}`;
    return;
  }
  server = await startLocalGlacier({ dataDir: join(mountDir, 'data') });
});

afterAll(async () => {
  await server?.close();
  if (!skipReason) execFileSync('umount', [mountDir]);
  await rm(mountDir, { recursive: true, force: true });
});

describe('a full data dir (8 MiB tmpfs)', () => {
  it('UploadArchive larger than the free space: 500 ServiceUnavailableException, tmp/ emptied, a small upload then succeeds', async (ctx) => {
    if (skipReason) ctx.skip();
    const glacier = client(server!);
    await glacier.send(new CreateVaultCommand({ vaultName: 'full' }));
    const big = bytes(12 * MiB, 3);
    const err = await failure(glacier.send(new UploadArchiveCommand({
      vaultName: 'full', body: big, checksum: treeHash(big),
    })));
    expect(err.name).toBe('ServiceUnavailableException');
    expect(err.$metadata?.httpStatusCode).toBe(500);
    expect(err.message).toMatch(/no space left/i);
    expect(await readdir(join(server!.dataDir, 'tmp'))).toEqual([]);

    const small = bytes(64 * 1024, 4);
    const ok = await glacier.send(new UploadArchiveCommand({ vaultName: 'full', body: small, checksum: treeHash(small) }));
    expect(ok.checksum).toBe(treeHash(small));
    expect(ok.archiveId).toMatch(/^[A-Za-z0-9_-]+$/);
    glacier.destroy();
  });

  it('an 8 MiB part into the nearly full disk: 500, the upload stays usable for a smaller part', async (ctx) => {
    if (skipReason) ctx.skip();
    const glacier = client(server!);
    const up = await glacier.send(new InitiateMultipartUploadCommand({ vaultName: 'full', partSize: String(8 * MiB) }));
    const part = bytes(8 * MiB, 5);
    const err = await failure(glacier.send(new UploadMultipartPartCommand({
      vaultName: 'full', uploadId: up.uploadId, range: `bytes 0-${part.length - 1}/*`, body: part, checksum: treeHash(part),
    })));
    expect(err.name).toBe('ServiceUnavailableException');
    expect(err.$metadata?.httpStatusCode).toBe(500);
    expect(await readdir(join(server!.dataDir, 'tmp'))).toEqual([]);
    const none = await glacier.send(new ListPartsCommand({ vaultName: 'full', uploadId: up.uploadId }));
    expect(none.Parts ?? []).toEqual([]);

    const last = bytes(100 * 1024, 6);
    const ok = await glacier.send(new UploadMultipartPartCommand({
      vaultName: 'full', uploadId: up.uploadId, range: `bytes 0-${last.length - 1}/*`, body: last, checksum: treeHash(last),
    }));
    expect(ok.checksum).toBe(treeHash(last));
    const parts = await glacier.send(new ListPartsCommand({ vaultName: 'full', uploadId: up.uploadId }));
    expect(parts.Parts?.map((p) => p.SHA256TreeHash)).toEqual([treeHash(last)]);
    expect((await glacier.send(new DescribeVaultCommand({ vaultName: 'full' }))).VaultName).toBe('full');
    glacier.destroy();
  });
});
