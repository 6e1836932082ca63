// Recovery paths of migrateVault against the local server's fault injection: a corrupted
// GetJobOutput chunk is fetched again, a part damaged on its way to S3 (BadDigest) is sent again,
// an expired job and a window about to end are answered with new jobs, Expedited without capacity
// falls back to Standard; shards split the vault exactly; nothing is written through a symlink or
// over someone else's object.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { encodeDescription, migrateVault } from '../../dist/src/index.js';
import { getObject, listKeys, MiB, openUploads, oracleTreeHash, setupMigrate, uploadAll, type MigrateEnv } from './helpers.js';

const SPECS = [
  { description: encodeDescription('big/one.bin', 1_600_000_000), size: 20 * MiB + 5, name: 'big/one.bin' },
  { description: encodeDescription('small/a.txt', 1_600_000_000), size: 3000, name: 'small/a.txt' },
  { description: encodeDescription('small/b.txt', 1_600_000_000), size: 2 * MiB + 1, name: 'small/b.txt' },
];

let env: MigrateEnv | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

const run = (e: MigrateEnv, extra: Partial<Parameters<typeof migrateVault>[0]> = {}) => migrateVault({
  vaultName: e.vaultName, client: e.client, pool: e.pool, tier: 'Standard', chunkSize: 8 * MiB, concurrency: 2, wait: { pollInterval: 20 },
  destination: { bucket: e.bucket, client: e.s3, storageClass: 'GLACIER' }, state: join(e.dir, 'state.jsonl'), ...extra,
});

async function expectAllCopied(e: MigrateEnv, up: Awaited<ReturnType<typeof uploadAll>>): Promise<void> {
  for (const u of up) expect((await getObject(e.s3, e.bucket, u.name!)).equals(u.data)).toBe(true);
  expect(await openUploads(e.s3, e.bucket)).toBe(0);
}

describe('migrateVault recovers', () => {
  it('a GetJobOutput chunk with a flipped byte is fetched again and the copy is exact', async () => {
    env = await setupMigrate();
    const up = await uploadAll(env, SPECS);
    env.server.setFaults([{ operation: 'GetJobOutput', kind: 'FlippedByte', nth: [2, 4] }]);
    const r = await run(env, { inventory: undefined });
    expect(r.failures).toEqual([]);
    expect(env.server.stats['GetJobOutput:FlippedByte']).toBe(2);
    expect(r.copy.retries).toBeGreaterThanOrEqual(2);
    await expectAllCopied(env, up);
  }, 60_000);

  it('a part damaged on its way to S3 is refused (BadDigest) and sent again', async () => {
    env = await setupMigrate();
    const up = await uploadAll(env, SPECS);
    let damaged = 0;
    let refused = 0;
    // The network, not the SDK: one UploadPart body gets a byte flipped after its checksum was set.
    env.s3.middlewareStack.add((next: any) => async (args: any) => {
      const body = args.request?.body;
      if (damaged === 0 && args.request?.query?.uploadId && body instanceof Uint8Array && body.byteLength > 1) {
        damaged++;
        const copy = Uint8Array.from(body);
        copy[7] = copy[7]! ^ 0xff;
        args.request.body = copy;
      }
      try {
        return await next(args);
      } catch (err) {
        if ((err as { name?: string }).name === 'BadDigest') refused++;
        throw err;
      }
    }, { step: 'finalizeRequest', priority: 'low', name: 'testDamageOnePart' });
    const r = await run(env);
    expect(r.failures).toEqual([]);
    expect(damaged).toBe(1);
    expect(refused).toBe(1);
    await expectAllCopied(env, up);
  }, 60_000);

  it('a job whose output expired mid-copy is started again; the copy finishes', async () => {
    env = await setupMigrate();
    const up = await uploadAll(env, SPECS);
    env.server.setFaults([{ operation: 'GetJobOutput', kind: 'JobOutputExpired', nth: 2 }]);
    const r = await run(env);
    expect(r.failures).toEqual([]);
    expect(r.jobs.expired).toBe(1);
    expect(r.jobs.started).toBe(SPECS.length + 1);
    await expectAllCopied(env, up);
  }, 60_000);

  it('a staged job whose window ends within renewBeforeMs is started again before its copy', async () => {
    env = await setupMigrate();
    const up = await uploadAll(env, SPECS);
    const before = env.server.stats['InitiateJob'] ?? 0;
    // renewBeforeMs = the whole window: every staged job is renewed once, the renewed one is used.
    const r = await run(env, { window: { outputTtlMs: 60_000, renewBeforeMs: 60_000 } });
    expect(r.failures).toEqual([]);
    expect(r.jobs.renewed).toBe(SPECS.length);
    expect((env.server.stats['InitiateJob'] ?? 0) - before).toBe(2 * SPECS.length + 1);
    await expectAllCopied(env, up);
  }, 60_000);

  it('Expedited without capacity falls back to Standard with a note', async () => {
    env = await setupMigrate({ expeditedCapacity: 0 });
    const up = await uploadAll(env, SPECS);
    const notes: string[] = [];
    const r = await run(env, { tier: 'Expedited', onNote: (n) => notes.push(n) });
    expect(r.failures).toEqual([]);
    expect(r.jobs.expeditedFallbacks).toBe(1);
    expect(notes.join('\n')).toMatch(/InsufficientCapacity.*Standard/);
    await expectAllCopied(env, up);
  }, 60_000);
});

describe('migrateVault shards and refusals', () => {
  it('shards 0/3, 1/3, 2/3 copy every archive exactly once', async () => {
    env = await setupMigrate();
    const specs = Array.from({ length: 12 }, (_, i) => ({ description: encodeDescription(`s/${i}.bin`, 1_600_000_000), size: 1000 + i, name: `s/${i}.bin` }));
    const up = await uploadAll(env, specs);
    let copied = 0;
    for (let i = 0; i < 3; i++) {
      const r = await run(env, { shard: `${i}/3`, state: join(env.dir, `shard-${i}.jsonl`) });
      expect(r.failures).toEqual([]);
      expect(r.plan.inventoryArchives).toBe(12);
      expect(r.copied).toBe(r.plan.archives);
      copied += r.copied;
    }
    expect(copied).toBe(12);
    expect(env.server.stats['s3:PutObject']).toBe(12);
    expect(await listKeys(env.s3, env.bucket)).toEqual(up.map((u) => u.name!).sort());
  }, 60_000);

  it('an existing object of another origin is not overwritten; a symlinked directory is not written through', async () => {
    env = await setupMigrate();
    await uploadAll(env, SPECS);
    await env.s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: 'small/a.txt', Body: 'theirs' }));
    const r = await run(env);
    expect(r.failed).toBe(1);
    expect(r.failures[0]!.reason).toMatch(/already holds another object/);
    expect((await getObject(env.s3, env.bucket, 'small/a.txt')).toString()).toBe('theirs');
    const out = join(env.dir, 'out');
    const outside = join(env.dir, 'outside');
    mkdirSync(out);
    mkdirSync(outside);
    symlinkSync(outside, join(out, 'small'));
    const d = await run(env, { destination: { dir: out }, state: join(env.dir, 'dir.jsonl') });
    expect(d.failed).toBe(2);
    expect(d.failures.every((f) => /symbolic link/.test(f.reason))).toBe(true);
    expect(readdirSync(outside)).toEqual([]);
  }, 60_000);

  it('an archive whose bytes do not hash to the inventory tree hash is refused whole: no object, no open upload, no file', async () => {
    env = await setupMigrate();
    const up = await uploadAll(env, SPECS);
    // Glacier's chunk hashes all agree with the bytes; only the inventory's record of two archives is wrong.
    const wrong = new Set([up[0]!.archiveId, up[1]!.archiveId]);
    const inventory = up.map((u) => ({
      archiveId: u.archiveId, description: u.description, creationDate: '2020-01-01T00:00:00Z', size: u.data.length,
      treeHash: wrong.has(u.archiveId) ? oracleTreeHash(Buffer.from(`not ${u.archiveId}`)) : oracleTreeHash(u.data),
    }));
    const r = await run(env, { inventory });
    expect(r.failed).toBe(2);
    expect(r.failures.map((f) => f.code)).toEqual(['CHECKSUM_MISMATCH', 'CHECKSUM_MISMATCH']);
    expect(r.failures.every((f) => /the inventory records [0-9a-f]{64}; nothing was written/.test(f.reason))).toBe(true);
    expect(await listKeys(env.s3, env.bucket)).toEqual(['small/b.txt']);
    expect(await openUploads(env.s3, env.bucket)).toBe(0);
    const out = join(env.dir, 'out');
    const d = await run(env, { inventory, destination: { dir: out }, state: join(env.dir, 'dir.jsonl') });
    expect(d.failed).toBe(2);
    // Nothing but the good archive, and no temporary file left behind.
    expect((readdirSync(out, { recursive: true }) as string[]).filter((p) => !['big', 'small'].includes(p)).sort()).toEqual([join('small', 'b.txt')]);
  }, 60_000);
});
