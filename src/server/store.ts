// Durable storage of vaults, multipart uploads, archives and retrieval jobs under dataDir.
//
// Layout (every name is validated before it reaches a path, and vault directories carry a "v-"
// prefix so even the legal vault names "." and ".." stay inside dataDir; see vaultDirName):
//   tmp/                                   bodies being received (same filesystem, renamed into place)
//   vaults/v-<name>/vault.json
//   vaults/v-<name>/uploads/<uploadId>/upload.json, part-<index>-<nonce>
//   vaults/v-<name>/archives/<archiveId>/archive.json, part files (a completed upload's directory)
//   vaults/v-<name>/jobs/<jobId>.json (+ <jobId>.out, an inventory job's output)
// Metadata is the source of truth and is always written atomically (writeJsonAtomic); a part file
// only counts once the metadata naming it is on disk, so a crash at any moment loses nothing that
// was acknowledged and leaves no torn state.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { notFound } from './errors.js';
import { KeyedMutex, syncDir, writeJsonAtomic } from './fsutil.js';

export interface PartRecord {
  first: number;
  last: number;
  treeHash: string;
  /** File name inside the upload (later archive) directory. */
  file: string;
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

export interface VaultRecord {
  name: string;
  creationDate: string;
}

export interface Vault extends VaultRecord {
  uploads: Map<string, UploadRecord>;
  archives: Map<string, ArchiveRecord>;
  jobs: Map<string, JobRecord>;
  /** uploadId -> archiveId, for repeat CompleteMultipartUpload calls. */
  completed: Map<string, string>;
}

/** ids the server hands out are base64url; anything else is refused before it can reach a path. */
export const ID_RE = /^[A-Za-z0-9_-]{1,200}$/;
export const VAULT_NAME_RE = /^[A-Za-z0-9_.-]{1,255}$/;

/**
 * A vault's directory name: "v-" + the name (so "." and ".." stay plain children), or for names too
 * long for a file name (up to 255 characters are legal), "h-" + the SHA-256 of the name.
 */
export function vaultDirName(name: string): string {
  return name.length <= 200 ? `v-${name}` : `h-${createHash('sha256').update(name).digest('hex')}`;
}

export const newId = (bytes: number) => randomBytes(bytes).toString('base64url');

export class Store {
  readonly vaults = new Map<string, Vault>();
  readonly mutex = new KeyedMutex();
  readonly tmpDir: string;

  constructor(readonly dataDir: string) {
    this.tmpDir = join(dataDir, 'tmp');
  }

  vaultDir(name: string): string {
    return join(this.dataDir, 'vaults', vaultDirName(name));
  }
  uploadDir(vault: string, uploadId: string): string {
    return join(this.vaultDir(vault), 'uploads', uploadId);
  }
  archiveDir(vault: string, archiveId: string): string {
    return join(this.vaultDir(vault), 'archives', archiveId);
  }
  jobPath(vault: string, jobId: string): string {
    return join(this.vaultDir(vault), 'jobs', `${jobId}.json`);
  }
  tmpPath(): string {
    return join(this.tmpDir, `body-${newId(12)}`);
  }

  /** Loads everything from disk, dropping leftovers of interrupted writes. */
  async load(): Promise<void> {
    await rm(this.tmpDir, { recursive: true, force: true });
    await mkdir(this.tmpDir, { recursive: true });
    await mkdir(join(this.dataDir, 'vaults'), { recursive: true });
    for (const entry of await readdir(join(this.dataDir, 'vaults'))) {
      const meta = await readJson<VaultRecord>(join(this.dataDir, 'vaults', entry, 'vault.json'));
      if (!meta || typeof meta.name !== 'string' || !VAULT_NAME_RE.test(meta.name) || vaultDirName(meta.name) !== entry) continue;
      const name = meta.name;
      const vault = this.addVault(meta);
      for (const id of await listDir(join(this.vaultDir(name), 'uploads'))) {
        const dir = this.uploadDir(name, id);
        const up = await readJson<UploadRecord>(join(dir, 'upload.json'));
        if (!up || up.uploadId !== id) {
          await rm(dir, { recursive: true, force: true });
          continue;
        }
        vault.uploads.set(id, up);
        // Part files not named by the metadata were never acknowledged (or were replaced).
        const keep = new Set(Object.values(up.parts).map((p) => p.file));
        for (const f of await listDir(dir)) {
          if (f !== 'upload.json' && !keep.has(f)) await rm(join(dir, f), { force: true });
        }
      }
      for (const id of await listDir(join(this.vaultDir(name), 'archives'))) {
        const ar = await readJson<ArchiveRecord>(join(this.archiveDir(name, id), 'archive.json'));
        if (!ar || ar.archiveId !== id) continue;
        vault.archives.set(id, ar);
        if (ar.uploadId) vault.completed.set(ar.uploadId, id);
      }
      const jobFiles = await listDir(join(this.vaultDir(name), 'jobs'));
      for (const f of jobFiles) {
        if (f.endsWith('.out') && jobFiles.includes(`${f.slice(0, -4)}.json`)) continue; // inventory output
        if (!f.endsWith('.json')) {
          await rm(join(this.vaultDir(name), 'jobs', f), { force: true });
          continue;
        }
        const job = await readJson<JobRecord>(join(this.vaultDir(name), 'jobs', f));
        if (job && `${job.jobId}.json` === f) vault.jobs.set(job.jobId, job);
      }
    }
  }

  private addVault(meta: VaultRecord): Vault {
    const vault: Vault = { ...meta, uploads: new Map(), archives: new Map(), jobs: new Map(), completed: new Map() };
    this.vaults.set(meta.name, vault);
    return vault;
  }

  async createVault(name: string): Promise<Vault> {
    const existing = this.vaults.get(name);
    if (existing) return existing;
    const dir = this.vaultDir(name);
    for (const sub of ['uploads', 'archives', 'jobs']) await mkdir(join(dir, sub), { recursive: true });
    const meta: VaultRecord = { name, creationDate: new Date().toISOString() };
    await writeJsonAtomic(join(dir, 'vault.json'), meta);
    return this.addVault(meta);
  }

  async deleteVault(name: string): Promise<void> {
    this.vaults.delete(name);
    // Rename first (atomic), then remove: a crash mid-removal never leaves a half vault behind.
    const doomed = join(this.tmpDir, `vault-${newId(9)}`);
    await rename(this.vaultDir(name), doomed);
    await syncDir(join(this.dataDir, 'vaults'));
    await rm(doomed, { recursive: true, force: true });
  }

  async saveUpload(up: UploadRecord): Promise<void> {
    await writeJsonAtomic(join(this.uploadDir(up.vaultName, up.uploadId), 'upload.json'), up);
  }

  async createUpload(up: UploadRecord): Promise<void> {
    await mkdir(this.uploadDir(up.vaultName, up.uploadId), { recursive: true });
    await this.saveUpload(up);
    this.vaults.get(up.vaultName)?.uploads.set(up.uploadId, up);
  }

  async removeUploadFiles(vault: string, uploadId: string): Promise<void> {
    await rm(this.uploadDir(vault, uploadId), { recursive: true, force: true });
  }

  /** Counts a request on an upload as activity (expiry counts from the last one). */
  touchUpload(up: UploadRecord): void {
    up.lastActivity = Date.now();
  }

  /** Forgets an expired upload at once and removes its files in the background. */
  expireUpload(vaultName: string, up: UploadRecord): void {
    const vault = this.vaults.get(vaultName);
    if (vault?.uploads.get(up.uploadId) !== up) return;
    vault.uploads.delete(up.uploadId);
    void this.mutex.run(`upload:${up.uploadId}`, () => this.removeUploadFiles(vaultName, up.uploadId)).catch(() => {});
  }

  /**
   * Moves a received part body (tmp) into its upload and records it, replacing an earlier upload of
   * the same range. `check` runs under the upload's lock first and throws when the upload is gone.
   */
  async putPart(
    vaultName: string, uploadId: string, index: number, part: Omit<PartRecord, 'file'>, tmp: string,
    check: (current: UploadRecord | undefined) => UploadRecord,
  ): Promise<void> {
    await this.mutex.run(`upload:${uploadId}`, async () => {
      const current = check(this.vaults.get(vaultName)?.uploads.get(uploadId));
      const file = `part-${index}-${newId(6)}`;
      const dir = this.uploadDir(vaultName, uploadId);
      await rename(tmp, join(dir, file));
      const replaced = current.parts[index];
      const next: UploadRecord = {
        ...current,
        lastActivity: Date.now(),
        parts: { ...current.parts, [index]: { ...part, file } },
      };
      try {
        await this.saveUpload(next);
      } catch (err) {
        await rm(join(dir, file), { force: true });
        throw err;
      }
      this.vaults.get(vaultName)?.uploads.set(uploadId, next);
      if (replaced) await rm(join(dir, replaced.file), { force: true });
    });
  }

  /** Marks an upload aborted (kept as a record, so a repeat abort answers 204) and drops its parts. */
  async abortUpload(vaultName: string, up: UploadRecord): Promise<void> {
    const aborted: UploadRecord = { ...up, state: 'aborted', parts: {}, lastActivity: Date.now() };
    await this.saveUpload(aborted);
    this.vaults.get(vaultName)?.uploads.set(up.uploadId, aborted);
    const dir = this.uploadDir(vaultName, up.uploadId);
    for (const p of Object.values(up.parts)) await rm(join(dir, p.file), { force: true });
  }

  /** Turns an upload's directory into an archive's: metadata first, then one atomic rename. */
  async completeUpload(up: UploadRecord, archive: ArchiveRecord): Promise<void> {
    const from = this.uploadDir(up.vaultName, up.uploadId);
    await writeJsonAtomic(join(from, 'archive.json'), archive);
    await rename(from, this.archiveDir(archive.vaultName, archive.archiveId));
    await syncDir(join(this.vaultDir(up.vaultName), 'uploads'));
    await syncDir(join(this.vaultDir(up.vaultName), 'archives'));
    const vault = this.vaults.get(up.vaultName);
    vault?.uploads.delete(up.uploadId);
    vault?.archives.set(archive.archiveId, archive);
    vault?.completed.set(up.uploadId, archive.archiveId);
  }

  /** Stores an UploadArchive body (already fsynced in tmp/) as a one-file archive. */
  async createArchive(archive: ArchiveRecord, bodyTmp: string): Promise<void> {
    const dir = this.archiveDir(archive.vaultName, archive.archiveId);
    const staging = join(this.tmpDir, `archive-${newId(9)}`);
    await mkdir(staging);
    await rename(bodyTmp, join(staging, archive.files[0]!.file));
    await writeJsonAtomic(join(staging, 'archive.json'), archive);
    await rename(staging, dir);
    await syncDir(join(this.vaultDir(archive.vaultName), 'archives'));
    this.vaults.get(archive.vaultName)?.archives.set(archive.archiveId, archive);
  }

  async deleteArchive(vault: string, archiveId: string): Promise<void> {
    const doomed = join(this.tmpDir, `archive-${newId(9)}`);
    await rename(this.archiveDir(vault, archiveId), doomed);
    await syncDir(join(this.vaultDir(vault), 'archives'));
    const v = this.vaults.get(vault);
    const ar = v?.archives.get(archiveId);
    v?.archives.delete(archiveId);
    if (ar?.uploadId) v?.completed.delete(ar.uploadId);
    await rm(doomed, { recursive: true, force: true });
  }

  inventoryPath(vault: string, jobId: string): string {
    return join(this.vaultDir(vault), 'jobs', `${jobId}.out`);
  }

  /** Stores an inventory job: its output first, so a job on disk always has its output. */
  async saveInventoryJob(job: InventoryJobRecord, output: Buffer): Promise<void> {
    const path = this.inventoryPath(job.vaultName, job.jobId);
    const tmp = join(this.tmpDir, `inventory-${newId(9)}`);
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(output);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    await this.saveJob(job);
  }

  async saveJob(job: JobRecord): Promise<void> {
    await writeJsonAtomic(this.jobPath(job.vaultName, job.jobId), job);
    this.vaults.get(job.vaultName)?.jobs.set(job.jobId, job);
  }

  getVaultOrThrow(name: string, arn: string): Vault {
    const v = this.vaults.get(name);
    if (!v) throw notFound(`Vault not found for ARN: ${arn}`);
    return v;
  }
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
