/** migrateVault's options, and their checks (all before any request). */
import type { GlacierClient } from '@aws-sdk/client-glacier';
import type { S3Client, S3ClientConfig, StorageClass } from '@aws-sdk/client-s3';
import type { CreateGlacierClientOptions } from '../glacier/client.js';
import type { RetrievalTier } from '../glacier/download/jobs.js';
import { checkVaultName, MiB } from '../glacier/part-size.js';
import type { HashPool } from '../pool/pool.js';
import { parseShard, type Shard } from '../catalog/shards.js';
import { InvalidMigrateOptionError } from './errors.js';
import type { Naming } from './naming.js';
import type { InventoryInput } from './source.js';

export interface S3Destination {
  bucket: string;
  prefix?: string;
  /** Default DEEP_ARCHIVE (the cheapest home for data that sat in a vault). */
  storageClass?: StorageClass;
  client?: S3Client;
  clientConfig?: S3ClientConfig;
}

export interface DirDestination {
  dir: string;
}

export interface MigrateProgress {
  phase: 'planning' | 'copying' | 'done';
  archivesTotal: number;
  archivesDone: number;
  archivesFailed: number;
  bytesTotal: number;
  bytesDone: number;
  /** Archives with a job started and not yet copied. */
  staged: number;
}

export interface MigrateVaultOptions {
  vaultName: string;
  accountId?: string;
  /** An inventory file (JSON or CSV), entries, or a re-readable source. */
  inventory?: InventoryInput;
  /** An inventory-retrieval job started earlier (its output is kept beside the state file). */
  inventoryJobId?: string;
  /** An mt-aws-glacier catalog (journal) as the list of archives, named by its paths. */
  catalog?: string;
  destination: S3Destination | DirDestination;
  /** Default Bulk (the cheapest; 5-12 hours). */
  tier?: RetrievalTier;
  naming?: Naming;
  include?: string[];
  exclude?: string[];
  shard?: Shard | string;
  /** Parts (chunks) in flight at once, over all archives; memory is concurrency x chunkSize. Default 4. */
  concurrency?: number;
  /** Part size: 1 MiB x 2^k from 8 MiB to 1 GiB; default 16 MiB (doubled for archives beyond 10,000 parts). */
  chunkSize?: number;
  budget?: { maxBytesPerDay?: number };
  /** Default: glacier-migrate-<vault>[-shard-I-of-N].state.jsonl in the working directory. */
  state?: string;
  /** Plan only: no job, no write. */
  dryRun?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: MigrateProgress) => void;
  onNote?: (note: string) => void;
  /** Told the inventory job's id (started: this run started it), so a stopped run can be given it again. */
  onInventoryJob?: (jobId: string, started: boolean) => void;
  client?: GlacierClient;
  clientConfig?: CreateGlacierClientOptions;
  pool?: HashPool;
  threads?: number;
  maxAttempts?: number;
  /** No byte for this long aborts a GetJobOutput request (retried). Default 120 s. */
  requestTimeout?: number;
  wait?: { pollInterval?: number; timeout?: number };
  /** Job output availability (Glacier: 24 h) and how long before its end a job is started again (default 5 h). */
  window?: { outputTtlMs?: number; renewBeforeMs?: number };
}

export const STORAGE_CLASSES: readonly StorageClass[] = [
  'STANDARD', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER', 'DEEP_ARCHIVE', 'GLACIER_IR', 'REDUCED_REDUNDANCY',
];
const TIERS: readonly RetrievalTier[] = ['Expedited', 'Standard', 'Bulk'];
const bad = (option: string, message: string) => new InvalidMigrateOptionError(option, message);

export const isS3 = (d: S3Destination | DirDestination): d is S3Destination => 'bucket' in d;

function checkDestination(d: unknown): void {
  if (!d || typeof d !== 'object') throw bad('destination', 'destination must be { bucket, prefix?, storageClass? } (S3) or { dir } (a directory).');
  if ('bucket' in d) {
    const s = d as S3Destination;
    if (typeof s.bucket !== 'string' || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(s.bucket)) {
      throw bad('destination.bucket', `bucket ${JSON.stringify(s.bucket)} is not an S3 bucket name (3-63 of a-z 0-9 . -), e.g. my-vault-copy.`);
    }
    if (s.storageClass !== undefined && !STORAGE_CLASSES.includes(s.storageClass)) {
      throw bad('destination.storageClass', `storageClass must be one of ${STORAGE_CLASSES.join(', ')}; got ${JSON.stringify(s.storageClass)}.`);
    }
    if (s.prefix !== undefined && typeof s.prefix !== 'string') throw bad('destination.prefix', 'prefix must be a string such as "vault-copy/".');
  } else if (typeof (d as DirDestination).dir !== 'string' || (d as DirDestination).dir === '') {
    throw bad('destination', 'destination must be { bucket, ... } or { dir: "/path/to/directory" }.');
  }
}

function checkInt(option: string, v: unknown, min: number, max: number, hint: string): void {
  if (v !== undefined && !(typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max)) {
    throw bad(option, `${option} must be a whole number from ${min} to ${max} (${hint}); got ${String(v)}.`);
  }
}

/** Throws InvalidMigrateOptionError for the first option that cannot work; returns the parsed shard. */
export function checkMigrateOptions(o: MigrateVaultOptions): Shard | undefined {
  if (!o || typeof o !== 'object') throw bad('options', 'Pass an options object: { vaultName, destination, ... }.');
  checkVaultName(o.vaultName);
  checkDestination(o.destination);
  const sources = [o.inventory !== undefined, o.inventoryJobId !== undefined, o.catalog !== undefined].filter(Boolean).length;
  if (sources > 1) throw bad('inventory', 'Give one of inventory, inventoryJobId and catalog (or none: an inventory job is started).');
  if (o.tier !== undefined && !TIERS.includes(o.tier)) throw bad('tier', `tier must be Expedited, Standard or Bulk; got ${JSON.stringify(o.tier)}.`);
  checkInt('concurrency', o.concurrency, 1, 256, 'parts in flight; memory is concurrency x chunkSize');
  if (o.chunkSize !== undefined) {
    const c = o.chunkSize;
    const pow2 = Number.isSafeInteger(c) && c >= 8 * MiB && c <= 1024 * MiB && (c & (c - 1)) === 0;
    if (!pow2) throw bad('chunkSize', `chunkSize must be 1 MiB x 2^k from 8 MiB to 1 GiB (a tree-hash node, and an S3 part of at least 5 MiB), e.g. 16777216; got ${String(c)}.`);
  }
  const perDay = o.budget?.maxBytesPerDay;
  if (perDay !== undefined && !(Number.isSafeInteger(perDay) && perDay > 0)) throw bad('budget.maxBytesPerDay', `maxBytesPerDay must be a positive number of bytes, e.g. 1099511627776 (1 TiB); got ${String(perDay)}.`);
  const n = o.naming;
  if (n !== undefined && n !== 'descriptions' && !(n && typeof n === 'object' && (typeof (n as { csv?: unknown }).csv === 'string' || typeof (n as { catalog?: unknown }).catalog === 'string'))) {
    throw bad('naming', `naming must be 'descriptions', { csv: FILE } or { catalog: FILE }; got ${JSON.stringify(n)}.`);
  }
  try {
    return typeof o.shard === 'string' ? parseShard(o.shard) : o.shard === undefined ? undefined : parseShard(`${o.shard.index}/${o.shard.count}`);
  } catch (err) {
    throw bad('shard', (err as Error).message);
  }
}

export function shardText(shard: Shard | undefined): string {
  return shard ? `${shard.index}/${shard.count}` : '0/1';
}

export function defaultStatePath(vaultName: string, shard: Shard | undefined): string {
  return `glacier-migrate-${vaultName}${shard && shard.count > 1 ? `-shard-${shard.index}-of-${shard.count}` : ''}.state.jsonl`;
}
