/**
 * `migrate --verify`: every archive of the plan re-checked in the destination against the inventory.
 * S3: the object exists with the inventory's size, its metadata names the archive id, tree hash and
 * creation date, it carries the SHA-256 checksum S3 verified at upload, and (storageClass given) its
 * storage class; with `content`, its bytes are read back and their tree hash must be the inventory's.
 * A directory: each file's tree hash (hashed in the pool) must be the inventory's.
 */
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { join } from 'node:path';
import { lstat } from 'node:fs/promises';
import { combineChunkTreeHashes } from '../glacier/download/chunk-plan.js';
import { createGlacierClient } from '../glacier/client.js';
import { MiB } from '../glacier/part-size.js';
import { HashPool } from '../pool/pool.js';
import { checkMigrateOptions, defaultStatePath, isS3, type MigrateVaultOptions } from './options.js';
import { preparePlan } from './prepare.js';
import type { PlannedArchive } from './plan.js';
import { MAX_LISTED_FAILURES, type MigrationFailure } from './report.js';

export interface VerifyMigrationOptions extends MigrateVaultOptions {
  /** Read every object back and compare its tree hash with the inventory's (costs a GET of every byte). */
  content?: boolean;
}

export interface VerifyReport {
  checked: number;
  ok: number;
  bytes: number;
  problems: number;
  failures: MigrationFailure[];
}

const READ_CHUNK = 16 * MiB;

export async function verifyMigration(o: VerifyMigrationOptions): Promise<VerifyReport> {
  const shard = checkMigrateOptions(o);
  const dest = o.destination;
  const client = o.client ?? createGlacierClient(o.clientConfig ?? {});
  const s3 = isS3(dest) ? dest.client ?? new S3Client(dest.clientConfig ?? {}) : undefined;
  const pool = o.pool ?? new HashPool(o.threads !== undefined ? { threads: o.threads } : {});
  const signal = o.signal ?? new AbortController().signal;
  const report: VerifyReport = { checked: 0, ok: 0, bytes: 0, problems: 0, failures: [] };
  const prepared = await preparePlan(o, shard, client, o.state ?? defaultStatePath(o.vaultName, shard), signal, (n) => o.onNote?.(n));
  try {
    for await (const a of prepared.plan.archives()) {
      signal.throwIfAborted();
      report.checked++;
      const problem = a.key === undefined ? `no key: ${a.refused}` : isS3(dest) ? await checkObject(s3!, dest.bucket, dest.storageClass, a, o.content ? pool : undefined) : await checkFile(pool, dest.dir, a);
      if (problem) {
        report.problems++;
        if (report.failures.length < MAX_LISTED_FAILURES) report.failures.push({ archiveId: a.archiveId, key: a.key, reason: problem, code: undefined });
      } else {
        report.ok++;
        report.bytes += a.size;
      }
    }
    return report;
  } finally {
    await prepared.close();
    if (!o.client) client.destroy();
    if (s3 && isS3(dest) && !dest.client) s3.destroy();
    if (!o.pool) await pool.destroy();
  }
}

async function checkObject(s3: S3Client, bucket: string, storageClass: string | undefined, a: PlannedArchive, pool: HashPool | undefined): Promise<string | undefined> {
  let head;
  try {
    head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: a.key, ChecksumMode: 'ENABLED' }));
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    return status === 404 ? `s3://${bucket}/${a.key} is missing` : `HeadObject s3://${bucket}/${a.key} failed: ${(err as Error).message}`;
  }
  const m = head.Metadata ?? {};
  if (head.ContentLength !== a.size) return `size ${head.ContentLength}, the inventory says ${a.size}`;
  if (m['archive-id'] !== a.archiveId) return `metadata archive-id ${m['archive-id'] ?? 'missing'}, expected ${a.archiveId}`;
  if (m['tree-hash'] !== a.treeHash) return `metadata tree-hash ${m['tree-hash'] ?? 'missing'}, the inventory says ${a.treeHash}`;
  if (m['creation-date'] !== a.creationDate) return `metadata creation-date ${m['creation-date'] ?? 'missing'}, the inventory says ${a.creationDate}`;
  if (!head.ChecksumSHA256) return 'the object carries no SHA-256 checksum (it was not written by migrate)';
  const sc = head.StorageClass ?? 'STANDARD';
  if (storageClass && sc !== storageClass) return `storage class ${sc}, expected ${storageClass}`;
  if (!pool) return undefined;
  const hashes: { first: number; size: number; treeHash: string }[] = [];
  for (let first = 0; first < a.size; first += READ_CHUNK) {
    const last = Math.min(a.size, first + READ_CHUNK) - 1;
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: a.key, Range: `bytes=${first}-${last}` }));
    const bytes = await got.Body!.transformToByteArray();
    if (bytes.byteLength !== last - first + 1) return `GetObject bytes ${first}-${last} returned ${bytes.byteLength} bytes`;
    hashes.push({ first, size: bytes.byteLength, treeHash: (await pool.hashPart(bytes, { linear: false })).treeHash });
  }
  const treeHash = a.size === 0 ? 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' : combineChunkTreeHashes(hashes);
  return treeHash === a.treeHash ? undefined : `its bytes hash to ${treeHash}, the inventory says ${a.treeHash}`;
}

async function checkFile(pool: HashPool, dir: string, a: PlannedArchive): Promise<string | undefined> {
  const path = join(dir, a.key!);
  const st = await lstat(path).catch(() => undefined);
  if (!st) return `${path} is missing`;
  if (!st.isFile()) return `${path} is not a regular file`;
  if (st.size !== a.size) return `${path} has ${st.size} bytes, the inventory says ${a.size}`;
  const h = await pool.hashFile(path);
  return h.treeHash === a.treeHash ? undefined : `${path} hashes to ${h.treeHash}, the inventory says ${a.treeHash}`;
}
