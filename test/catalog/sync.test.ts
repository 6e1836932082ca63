// syncDirectory against the local server: a nested tree (one-request and multipart files, empty
// files skipped), reruns, --replace-modified, --delete-removed, and a file changing mid-upload.
import { appendFileSync, existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GetJobOutputCommand, GlacierClient, InitiateJobCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-glacier';
import { Catalog, decodeDescription, parseInventory, syncDirectory } from '../../dist/src/catalog/index.js';
import { credentials, MiB, oracleTreeHash, setup, writeTree, type Env } from './helpers.js';

let env: Env;
beforeEach(async () => {
  env = await setup();
});
afterEach(async () => env.close());

async function inventoryPaths(): Promise<Map<string, string>> {
  const job = await env.client.send(new InitiateJobCommand({ accountId: '-', vaultName: env.vaultName, jobParameters: { Type: 'inventory-retrieval', Format: 'JSON' } }));
  const out = await env.client.send(new GetJobOutputCommand({ accountId: '-', vaultName: env.vaultName, jobId: job.jobId! }));
  const paths = new Map<string, string>();
  for await (const a of parseInventory(out.body as AsyncIterable<Uint8Array>)) paths.set(decodeDescription(a.description, a.archiveId).path, a.archiveId);
  return paths;
}

describe('syncDirectory', () => {
  it('uploads a nested tree (small files in one request, large ones multipart), skips empty files, then only what changed', async () => {
    const root = join(env.dir, 'tree');
    const data = writeTree(root, { 'a.txt': 10_000, 'sub/b.bin': 200_000, 'sub/deep/é c.dat': 3 * MiB + 5, 'empty.txt': 0, 'sub/empty2': 0 });
    const catalogPath = join(env.dir, 'photos.catalog');
    const notes: string[] = [];
    const opts = { dir: root, vaultName: env.vaultName, catalog: catalogPath, client: env.client, partSize: MiB, threads: 1, onNote: (n: string) => notes.push(n) };
    const first = await syncDirectory(opts);
    expect(first.uploaded.map((f) => [f.path, f.multipart]).sort()).toEqual([['a.txt', false], ['sub/b.bin', false], ['sub/deep/é c.dat', true]]);
    expect(first.plan.empty.sort()).toEqual(['empty.txt', 'sub/empty2']);
    expect(notes.filter((n) => /empty, and Glacier has no empty archives/.test(n))).toHaveLength(2);
    expect(env.server.stats['UploadArchive']).toBe(2);
    expect(env.server.stats['InitiateMultipartUpload']).toBe(1);
    const catalog = await Catalog.open(catalogPath);
    for (const [path, bytes] of data) {
      if (bytes.length === 0) continue;
      expect(catalog.file(path)).toMatchObject({ size: bytes.length, treeHash: oracleTreeHash(bytes) });
    }
    await catalog.close();
    // The archives carry mt2 descriptions: an inventory rebuilds the paths.
    const listed = await inventoryPaths();
    expect([...listed.keys()].sort()).toEqual(['a.txt', 'sub/b.bin', 'sub/deep/é c.dat']);
    // Every multipart upload finished: its journal, and the emptied directory, are gone.
    expect(existsSync(`${catalogPath}.journals`)).toBe(false);

    // Nothing changed: nothing is sent.
    env.server.resetStats();
    const again = await syncDirectory(opts);
    expect(again.uploaded).toEqual([]);
    expect(again.plan.unchanged).toBe(3);
    expect(env.server.stats['UploadArchive'] ?? 0).toBe(0);

    // A modified file replaces its archive; a removed one's archive is deleted.
    writeFileSync(join(root, 'a.txt'), 'new contents');
    rmSync(join(root, 'sub/b.bin'));
    const oldA = listed.get('a.txt')!;
    const third = await syncDirectory({ ...opts, replaceModified: true, deleteRemoved: true });
    expect(third.uploaded.map((f) => f.path)).toEqual(['a.txt']);
    expect(third.deleted.map((d) => [d.path, d.archiveId]).sort()).toEqual([['a.txt', oldA], ['sub/b.bin', listed.get('sub/b.bin')]].sort());
    const after = await Catalog.open(catalogPath);
    expect(after.file('a.txt')?.treeHash).toBe(oracleTreeHash(Buffer.from('new contents')));
    expect(after.file('sub/b.bin')).toBeUndefined();
    expect([...after.allArchives()]).toHaveLength(2);
    await after.close();
  });

  it("uploads through a caller's own plain GlacierClient without reconfiguring it", async () => {
    const root = join(env.dir, 'own');
    const data = writeTree(root, { 'small.txt': 20_000, 'big.bin': 2 * MiB + 3 });
    const client = new GlacierClient({ endpoint: env.server.endpoint, region: 'us-east-1', credentials });
    const generator = client.config.bodyChecksumGenerator;
    try {
      const result = await syncDirectory({ dir: root, vaultName: env.vaultName, catalog: join(env.dir, 'own.catalog'), client, partSize: MiB, threads: 1 });
      expect(result.uploaded.map((f) => [f.path, f.multipart]).sort()).toEqual([['big.bin', true], ['small.txt', false]]);
      for (const f of result.uploaded) expect(f.treeHash).toBe(oracleTreeHash(data.get(f.path)!));
      // The checksums went with each command: the client's config is exactly as the caller built it.
      expect(client.config.bodyChecksumGenerator).toBe(generator);
    } finally {
      client.destroy();
    }
  });

  it('reports a file that changes while it uploads, aborts its upload, uploads the rest; a rerun uploads it', async () => {
    const root = join(env.dir, 'tree');
    writeTree(root, { 'big.bin': 3 * MiB, 'x/small1': 1000, 'x/small2': 2000 });
    const catalogPath = join(env.dir, 'c.catalog');
    // Hold the first part back long enough to change the file under the upload.
    env.server.setFaults([{ operation: 'UploadMultipartPart', kind: 'Slow', nth: 1, delayMs: 1500 }]);
    const opts = { dir: root, vaultName: env.vaultName, catalog: catalogPath, client: env.client, partSize: MiB, partConcurrency: 1, threads: 1 };
    const running = syncDirectory(opts);
    while ((env.server.stats['UploadMultipartPart'] ?? 0) < 1) await new Promise((r) => setTimeout(r, 10));
    appendFileSync(join(root, 'big.bin'), 'more');
    const r = await running;
    expect(r.uploaded.map((f) => f.path).sort()).toEqual(['x/small1', 'x/small2']);
    expect(r.failed.map((f) => [f.path, (f.error as { code?: string }).code])).toEqual([['big.bin', 'SOURCE_CHANGED']]);
    const open = await env.client.send(new ListMultipartUploadsCommand({ accountId: '-', vaultName: env.vaultName }));
    expect(open.UploadsList ?? []).toHaveLength(0);
    expect(existsSync(`${catalogPath}.journals`) ? readdirSync(`${catalogPath}.journals`) : []).toEqual([]);

    env.server.setFaults([]);
    const rerun = await syncDirectory(opts);
    expect(rerun.uploaded.map((f) => [f.path, f.size])).toEqual([['big.bin', 3 * MiB + 4]]);
  });
});
