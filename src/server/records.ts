// The records the local server's Store keeps on disk (vault.json, upload.json, archive.json, jobs).
export interface PartRecord {
  first: number;
  last: number;
  treeHash: string;
  /** File name inside the upload (later archive) directory. */
  file: string;
  /** File of its 1 MiB leaf digests, beside `file` (absent for parts stored by older versions). */
  leaves?: string;
}

export interface UploadRecord {
  uploadId: string;
  vaultName: string;
  description?: string;
  partSize: number;
  creationDate: string;
  /** ms since epoch of the last request on this upload; expiry counts from here. */
  lastActivity: number;
  state: 'open' | 'aborted';
  /** Keyed by part index (first byte / part size). */
  parts: Record<string, PartRecord>;
}

export interface ArchiveRecord {
  archiveId: string;
  vaultName: string;
  description?: string;
  creationDate: string;
  size: number;
  treeHash: string;
  /** Set when the archive came from CompleteMultipartUpload (a repeat call returns the same id). */
  uploadId?: string;
  completedAt: number;
  /** The archive's bytes, in order, as files inside its directory. */
  files: { file: string; size: number }[];
  /** File of the archive's 1 MiB leaf digests in its directory (absent for older archives). */
  leaves?: string;
}

export interface ArchiveJobRecord {
  jobId: string;
  vaultName: string;
  action: 'ArchiveRetrieval';
  archiveId: string;
  description?: string;
  creationDate: string;
  tier: string;
  snsTopic?: string;
  /** Inclusive byte range of the archive retrieved. */
  first: number;
  last: number;
  archiveSize: number;
  archiveTreeHash: string;
  /** Tree hash of the job output when the retrieved range is tree-hash aligned, else null. */
  outputTreeHash: string | null;
  readyAt: number;
}

/** An inventory job; its output (taken when the job starts) is jobs/<jobId>.out. */
export interface InventoryJobRecord {
  jobId: string;
  vaultName: string;
  action: 'InventoryRetrieval';
  description?: string;
  creationDate: string;
  snsTopic?: string;
  format: 'JSON' | 'CSV';
  inventorySize: number;
  readyAt: number;
}

export type JobRecord = ArchiveJobRecord | InventoryJobRecord;

/** What DescribeVault reports: the vault as of its last inventory, like Glacier. */
export interface InventorySnapshot {
  date: string;
  numberOfArchives: number;
  sizeInBytes: number;
}

export interface VaultRecord {
  name: string;
  creationDate: string;
  accountId: string;
  region: string;
  /** null until the first inventory. */
  lastInventory: InventorySnapshot | null;
}

export interface Vault extends VaultRecord {
  /** Its directory under dataDir. */
  dir: string;
  uploads: Map<string, UploadRecord>;
  archives: Map<string, ArchiveRecord>;
  jobs: Map<string, JobRecord>;
  /** uploadId -> archiveId, for repeat CompleteMultipartUpload calls. */
  completed: Map<string, string>;
}

