// migrateVault end to end: local Glacier → local S3 through the real SDK clients. Every description
// kind is named, duplicates get a stable suffix, every object is byte-identical with its metadata
// and storage class, a rerun copies nothing twice, and a directory destination gets the same files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { join } from 'node:path';
import { migrateVault, uniqueName, verifyMigration } from '../../dist/src/index.js';
import { getObject, headObject, listKeys, MIXED, openUploads, oracleTreeHash, setupMigrate, uploadAll, type MigrateEnv, type Uploaded } from './helpers.js';

let env: MigrateEnv;
let uploaded: Uploaded[];

beforeAll(async () => {
  env = await setupMigrate();
  uploaded = await uploadAll(env, MIXED);
}, 60_000);
afterAll(async () => env?.close());

/** The key migrate gives each uploaded archive. */
function expectedKey(u: Uploaded, prefix: string): string {
  const name = u.name ?? u.archiveId;
  const dup = uploaded.filter((x) => x.name === u.name).length > 1;
  return prefix + (dup ? uniqueName(name, u.archiveId) : name);
}

const base = () => ({
  vaultName: env.vaultName, client: env.client, pool: env.pool, tier: 'Standard' as const, chunkSize: 8 * 1024 * 1024, concurrency: 3,
  wait: { pollInterval: 20 },
});

describe('migrateVault to S3', () => {
  it('copies every archive byte-identical, named from its description, with metadata and storage class', async () => {
    const state = join(env.dir, 's3.state.jsonl');
    const r = await migrateVault({ ...base(), destination: { bucket: env.bucket, prefix: 'vault', storageClass: 'GLACIER', client: env.s3 }, state });
    expect(r.failed).toBe(0);
    expect(r.copied).toBe(MIXED.length);
    expect(r.complete).toBe(true);
    expect(r.plan.duplicateNames).toBe(1);
    const keys = uploaded.map((u) => expectedKey(u, 'vault/'));
    expect(await listKeys(env.s3, env.bucket)).toEqual([...keys].sort());
    expect(keys).toContain('vault/photos/2019/beach.jpg');
    expect(keys).toContain('vault/docs/report ü.pdf');
    expect(keys).toContain(`vault/${uploaded[3]!.archiveId}`);
    expect(keys.filter((k) => k.startsWith('vault/dup/same~')).length).toBe(2);
    for (const u of uploaded) {
      const key = expectedKey(u, 'vault/');
      expect((await getObject(env.s3, env.bucket, key)).equals(u.data)).toBe(true);
      const head = await headObject(env.s3, env.bucket, key);
      expect(head.StorageClass).toBe('GLACIER');
      expect(head.Metadata?.['archive-id']).toBe(u.archiveId);
      expect(head.Metadata?.['tree-hash']).toBe(oracleTreeHash(u.data));
      expect(Date.parse(head.Metadata!['creation-date']!)).toBeGreaterThan(0);
      expect(head.Metadata?.['description'] ?? '').toBe(u.description);
      expect(head.ChecksumSHA256).toBeTruthy();
    }
    expect(await openUploads(env.s3, env.bucket)).toBe(0);
    // A rerun: everything is done already; no job, no write.
    const before = env.server.stats['s3:PutObject'] ?? 0;
    const again = await migrateVault({ ...base(), destination: { bucket: env.bucket, prefix: 'vault', storageClass: 'GLACIER', client: env.s3 }, state });
    expect(again.copied).toBe(0);
    expect(again.alreadyDone).toBe(MIXED.length);
    expect(again.jobs.started).toBe(0);
    expect(env.server.stats['s3:PutObject'] ?? 0).toBe(before);
    const v = await verifyMigration({ ...base(), destination: { bucket: env.bucket, prefix: 'vault', storageClass: 'GLACIER', client: env.s3 }, state, content: true });
    expect(v).toMatchObject({ checked: MIXED.length, ok: MIXED.length, problems: 0 });
    // Replaced bytes under the same metadata: only reading the content back finds them.
    const victim = uploaded[2]!;
    const key = expectedKey(victim, 'vault/');
    const head = await headObject(env.s3, env.bucket, key);
    await env.s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: key, Body: Buffer.alloc(victim.data.length, 1), Metadata: head.Metadata, StorageClass: 'GLACIER', ChecksumAlgorithm: 'SHA256' }));
    const shallow = await verifyMigration({ ...base(), destination: { bucket: env.bucket, prefix: 'vault', storageClass: 'GLACIER', client: env.s3 }, state });
    expect(shallow.problems).toBe(0);
    const deep = await verifyMigration({ ...base(), destination: { bucket: env.bucket, prefix: 'vault', storageClass: 'GLACIER', client: env.s3 }, state, content: true });
    expect(deep.problems).toBe(1);
    expect(deep.failures[0]).toMatchObject({ archiveId: victim.archiveId, key });
    expect(deep.failures[0]!.reason).toMatch(/its bytes hash to/);
  }, 120_000);

  it('into a directory: files written whole, verified, named the same', async () => {
    const dir = join(env.dir, 'out');
    const r = await migrateVault({ ...base(), destination: { dir }, state: join(env.dir, 'dir.state.jsonl') });
    expect(r.failures).toEqual([]);
    expect(r.copied).toBe(MIXED.length);
    for (const u of uploaded) expect(readFileSync(join(dir, expectedKey(u, ''))).equals(u.data)).toBe(true);
  }, 120_000);
});

describe('migrateVault with many archives in flight', () => {
  it('copies 40 small archives at 16 at once without a listener-leak warning', async () => {
    const many = await setupMigrate({}, 'many-vault', 'many-bucket');
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const specs = Array.from({ length: 40 }, (_, i) => ({ description: `small/${i}.bin`, size: 2000 + i }));
      const up = await uploadAll(many, specs);
      // Default concurrency 4: 16 archives copied at once, each request listening on the run's signal.
      const r = await migrateVault({
        vaultName: many.vaultName, client: many.client, pool: many.pool, tier: 'Standard', wait: { pollInterval: 20 },
        destination: { bucket: many.bucket, prefix: '', client: many.s3 }, state: join(many.dir, 'many.state.jsonl'),
      });
      expect(r.failures).toEqual([]);
      expect(r.copied).toBe(40);
      expect((await getObject(many.s3, many.bucket, 'small/39.bin')).equals(up[39]!.data)).toBe(true);
      // Warnings are emitted on the next tick.
      await new Promise((res) => setImmediate(res));
      expect(warnings.filter((w) => /MaxListeners/.test(w))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      await many.close();
    }
  }, 120_000);
});
