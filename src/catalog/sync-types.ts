// syncDirectory's options, progress and result.
import type { GlacierClient, GlacierClientConfig } from '@aws-sdk/client-glacier';
import type { HashPool } from '../pool/index.js';
import type { Catalog } from './catalog.js';
import type { Shard } from './shards.js';
import type { SyncInventory } from './sync-intents.js';
import type { ChangeDetection, SyncPlan } from './sync-plan.js';

export interface SyncOptions {
  dir: string;
  vaultName: string;
  accountId?: string;
  /** The catalog file (created when missing; locked while syncing, see Catalog.open's lock), or an open Catalog (the caller locks it). */
  catalog: string | Catalog;
  /** Upload files the catalog does not know. Default: true unless replaceModified or deleteRemoved is set (as mt-aws-glacier). */
  new?: boolean;
  /** Upload files whose size or mtime (or tree hash, with detect 'treehash') changed; then delete their old archives. */
  replaceModified?: boolean;
  /** Delete the archives of catalog files no longer in the directory. */
  deleteRemoved?: boolean;
  include?: string[];
  exclude?: string[];
  detect?: ChangeDetection;
  /** Plan only: nothing is uploaded, deleted or recorded, and no request is made. */
  dryRun?: boolean;
  /** This host's share of the files: { index, count } or 'I/N'. */
  shard?: Shard | string;
  /** Part size of multipart uploads (default choosePartSize of each file); files of at most one part go in one request. */
  partSize?: number;
  /** Files of at most one part uploading at once (default 8). */
  concurrency?: number;
  /** Parts in flight for the multipart file being uploaded (default 4). */
  partConcurrency?: number;
  /** Where multipart journals go (default `<catalog>.journals`). */
  journalDir?: string;
  client?: GlacierClient;
  clientConfig?: GlacierClientConfig;
  pool?: HashPool;
  threads?: number;
  signal?: AbortSignal;
  onProgress?: (p: SyncProgress) => void;
  /** Notes worth showing a person: skipped files, replaced archives, files that changed. */
  onNote?: (message: string) => void;
  maxAttempts?: number;
  /** Per UploadArchive request, default 10 minutes. */
  requestTimeout?: number;
  /**
   * Where the vault is, recorded with its name and account in `<catalog>.vault` at the first sync
   * and compared at every later one (fields not given are not compared).
   */
  vaultIdentity?: { region?: string; endpoint?: string };
  /** Use a catalog whose `<catalog>.vault` names another vault (or account, region, endpoint). */
  forceVault?: boolean;
  /**
   * An inventory (file, bytes, or a function giving one, called only when needed) to adopt the
   * archives of uploads an earlier run began but never recorded (see intents.ts), instead of
   * uploading those files again.
   */
  inventory?: SyncInventory;
}

export interface SyncProgress {
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
  filesFailed: number;
  retries: number;
  done: boolean;
}

export interface SyncedFile {
  path: string;
  archiveId: string;
  size: number;
  treeHash: string;
  /** Sent as a multipart upload (else one UploadArchive request). */
  multipart: boolean;
}

export interface SyncResult {
  dryRun: boolean;
  plan: SyncPlan;
  uploaded: SyncedFile[];
  /** Archives deleted: of removed files, and old versions of replaced ones. */
  deleted: { path: string; archiveId: string }[];
  failed: { path: string; error: Error }[];
  bytesUploaded: number;
  /** One-request uploads in flight at the end: `concurrency`, or the level the probe settled on. */
  concurrency: number;
  /** Archives of an earlier run's unrecorded uploads, adopted from the inventory. */
  adopted: { path: string; archiveId: string }[];
  /** Uploads an earlier run began and never recorded that no inventory resolved (their files go up again). */
  unresolvedIntents: number;
}

