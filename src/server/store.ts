// Durable storage of vaults, multipart uploads, archives and retrieval jobs under dataDir.
//
// Vaults belong to an (account, region), as in Glacier. Layout (every name is validated before it
// reaches a path, and vault directories carry a "v-" prefix so even the legal vault names "." and
// ".." stay inside dataDir; see vaultDirName); V = vaults/<account>/<region>/v-<name>:
//   tmp/                                   bodies being received (same filesystem, renamed into place)
//   V/vault.json                           the vault and its last inventory
//   V/uploads/<uploadId>/upload.json (no parts), parts.log (one JSON line per acknowledged part, the
//     last of an index wins), part-<index>-<nonce> (+ part-<index>-<nonce>.leaves)
//   V/archives/<archiveId>/archive.json, part files (a completed upload's directory), leaves
// A .leaves / leaves file holds the SHA-256 of every 1 MiB of the part / archive (see leaves.ts);
// archives written before leaves were kept have none, and their ranges are hashed from the bytes.
//   V/jobs/<jobId>.json (+ <jobId>.out, an inventory job's output)
// A data directory of the earlier layout (vaults/v-<name>, no account or region) is moved on load
// to account LOCAL_ACCOUNT_ID, region us-east-1 (LEGACY_REGION).
// Metadata is the source of truth and is always written atomically (writeJsonAtomic); a part file
// only counts once the metadata naming it is on disk, so a crash at any moment loses nothing that
// was acknowledged and leaves no torn state.
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { notFound } from './errors.js';
import { KeyedMutex, appendLineDurable, syncDir, writeJsonAtomic, writePieces } from './fsutil.js';
import { PARTS_LOG, listDir, migrateLegacyLayout, readJobs, readJson, readUploads, type PartLogLine } from './store-files.js';
export { readManyJson } from './store-files.js';
import { combineDigests } from './hash.js';
import { JobIndex } from './job-index.js';
import { indexArchive, loadArchives } from './archive-index.js';
import { DIGEST_BYTES, leafCount, readLeaves, writeLeaves } from './leaves.js';

export * from './records.js';
export * from './store-names.js';
import { ACCOUNT_RE, ARCHIVE_LEAVES, LEGACY_REGION, LOCAL_ACCOUNT_ID, REGION_RE, VAULT_NAME_RE, newId, vaultDirName, vaultKey } from './store-names.js';
import type { ArchiveJobRecord, ArchiveRecord, InventoryJobRecord, InventorySnapshot, JobRecord, PartRecord, UploadRecord, Vault, VaultRecord } from './records.js';

export class Store {
  readonly vaults = new Map<string, Vault>();
  readonly mutex = new KeyedMutex();
  private readonly runningExpedited = new Set<ArchiveJobRecord>();
  private readonly leavesChecked = new WeakSet<ArchiveRecord>();
  readonly tmpDir: string;

  constructor(readonly dataDir: string) {
    this.tmpDir = join(dataDir, 'tmp');
  }

  vaultDir(accountId: string, region: string, name: string): string {
    return join(this.dataDir, 'vaults', accountId, region, vaultDirName(name));
  }
  uploadDir(vault: Vault, uploadId: string): string {
    return join(vault.dir, 'uploads', uploadId);
  }
  archiveDir(vault: Vault, archiveId: string): string {
    return join(vault.dir, 'archives', archiveId);
  }
  jobPath(vault: Vault, jobId: string): string {
    return join(vault.dir, 'jobs', `${jobId}.json`);
  }
  tmpPath(): string {
    return join(this.tmpDir, `body-${newId(12)}`);
  }

  getVault(accountId: string, region: string, name: string): Vault | undefined {
    return this.vaults.get(vaultKey(accountId, region, name));
  }

  /** The vaults of one account in one region. */
  vaultsOf(accountId: string, region: string): Vault[] {
    return [...this.vaults.values()].filter((v) => v.accountId === accountId && v.region === region);
  }

  /** Moves vaults of the earlier layout (vaults/v-<name>) under the local account and LEGACY_REGION. */
  /** Loads everything from disk, dropping leftovers of interrupted writes. */
  async load(): Promise<void> {
    await rm(this.tmpDir, { recursive: true, force: true });
    await mkdir(this.tmpDir, { recursive: true });
    await mkdir(join(this.dataDir, 'vaults'), { recursive: true });
    await migrateLegacyLayout(join(this.dataDir, 'vaults'), (name) => this.vaultDir(LOCAL_ACCOUNT_ID, LEGACY_REGION, name));
    for (const accountId of await listDir(join(this.dataDir, 'vaults'))) {
      if (!ACCOUNT_RE.test(accountId)) continue;
      for (const region of await listDir(join(this.dataDir, 'vaults', accountId))) {
        if (!REGION_RE.test(region)) continue;
        for (const entry of await listDir(join(this.dataDir, 'vaults', accountId, region))) {
          const meta = await readJson<VaultRecord>(join(this.dataDir, 'vaults', accountId, region, entry, 'vault.json'));
          if (!meta || typeof meta.name !== 'string' || !VAULT_NAME_RE.test(meta.name) || vaultDirName(meta.name) !== entry) continue;
          await this.loadVault(this.addVault({ ...meta, accountId, region, lastInventory: meta.lastInventory ?? null }));
        }
      }
    }
  }

  private async loadVault(vault: Vault): Promise<void> {
    for (const up of await readUploads(join(vault.dir, 'uploads'))) vault.uploads.set(up.uploadId, up);
    for (const ar of await loadArchives(vault.dir)) {
      vault.archives.set(ar.archiveId, ar);
      if (ar.uploadId) vault.completed.set(ar.uploadId, ar.archiveId);
    }
    for (const job of await readJobs(join(vault.dir, 'jobs'))) this.addJob(vault, job);
  }

  private addVault(meta: VaultRecord): Vault {
    const vault: Vault = {
      ...meta,
      dir: this.vaultDir(meta.accountId, meta.region, meta.name),
      uploads: new Map(), archives: new Map(), jobs: new JobIndex(), completed: new Map(),
    };
    this.vaults.set(vaultKey(meta.accountId, meta.region, meta.name), vault);
    return vault;
  }

  private static record(v: Vault): VaultRecord {
    return {
      name: v.name, creationDate: v.creationDate, accountId: v.accountId, region: v.region, lastInventory: v.lastInventory,
      writtenSinceInventory: v.writtenSinceInventory ?? false,
    };
  }

  /** Records the first write after an inventory (one vault.json write per inventory, not per archive). */
  private async markWritten(vault: Vault): Promise<void> {
    if (vault.writtenSinceInventory) return;
    vault.writtenSinceInventory = true;
    await writeJsonAtomic(join(vault.dir, 'vault.json'), Store.record(vault));
  }

  /** Takes the vault's inventory now: what DescribeVault reports until the next one. */
  async takeInventory(vault: Vault): Promise<InventorySnapshot> {
    let size = 0;
    for (const a of vault.archives.values()) size += a.size;
    const snapshot: InventorySnapshot = { date: new Date().toISOString(), numberOfArchives: vault.archives.size, sizeInBytes: size };
    await writeJsonAtomic(join(vault.dir, 'vault.json'), { ...Store.record(vault), lastInventory: snapshot, writtenSinceInventory: false });
    vault.lastInventory = snapshot;
    vault.writtenSinceInventory = false;
    return snapshot;
  }

  async createVault(accountId: string, region: string, name: string): Promise<Vault> {
    const existing = this.getVault(accountId, region, name);
    if (existing) return existing;
    const dir = this.vaultDir(accountId, region, name);
    for (const sub of ['uploads', 'archives', 'jobs']) await mkdir(join(dir, sub), { recursive: true });
    const meta: VaultRecord = { name, creationDate: new Date().toISOString(), accountId, region, lastInventory: null };
    await writeJsonAtomic(join(dir, 'vault.json'), meta);
    return this.addVault(meta);
  }

  async deleteVault(vault: Vault): Promise<void> {
    this.vaults.delete(vaultKey(vault.accountId, vault.region, vault.name));
    // Rename first (atomic), then remove: a crash mid-removal never leaves a half vault behind.
    const doomed = join(this.tmpDir, `vault-${newId(9)}`);
    await rename(vault.dir, doomed);
    await syncDir(join(vault.dir, '..'));
    await rm(doomed, { recursive: true, force: true });
  }

  /** upload.json: the upload without its parts (those are appended to PARTS_LOG as they arrive). */
  async saveUpload(vault: Vault, up: UploadRecord): Promise<void> {
    await writeJsonAtomic(join(this.uploadDir(vault, up.uploadId), 'upload.json'), { ...up, parts: {} });
  }

  async createUpload(vault: Vault, up: UploadRecord): Promise<void> {
    await mkdir(this.uploadDir(vault, up.uploadId), { recursive: true });
    await this.saveUpload(vault, up);
    vault.uploads.set(up.uploadId, up);
  }

  async removeUploadFiles(vault: Vault, uploadId: string): Promise<void> {
    await rm(this.uploadDir(vault, uploadId), { recursive: true, force: true });
  }

  /** Counts a request on an upload as activity (expiry counts from the last one). */
  touchUpload(up: UploadRecord): void {
    up.lastActivity = Date.now();
  }

  /** Forgets an expired upload at once and removes its files in the background. */
  expireUpload(vault: Vault, up: UploadRecord): void {
    if (vault.uploads.get(up.uploadId) !== up) return;
    vault.uploads.delete(up.uploadId);
    void this.mutex.run(`upload:${up.uploadId}`, () => this.removeUploadFiles(vault, up.uploadId)).catch(() => {});
  }

  /** The vault as it is in the store now (undefined once deleted). */
  private current(vault: Vault): Vault | undefined {
    const v = this.getVault(vault.accountId, vault.region, vault.name);
    return v === vault ? v : undefined;
  }

  /**
   * Moves a received part body (tmp) into its upload and records it, replacing an earlier upload of
   * the same range. `check` runs under the upload's lock first and throws when the upload is gone.
   */
  async putPart(
    vault: Vault, uploadId: string, index: number, part: Omit<PartRecord, 'file'>, tmp: string,
    check: (current: UploadRecord | undefined) => UploadRecord, leaves: readonly Buffer[],
  ): Promise<void> {
    await this.mutex.run(`upload:${uploadId}`, async () => {
      const current = check(this.current(vault)?.uploads.get(uploadId));
      const file = `part-${index}-${newId(6)}`;
      const leavesFile = `${file}.leaves`;
      const dir = this.uploadDir(vault, uploadId);
      await rename(tmp, join(dir, file));
      const replaced = current.parts[index];
      const record: PartRecord = { ...part, file, leaves: leavesFile };
      const at = Date.now();
      try {
        await writeLeaves(join(dir, leavesFile), leaves);
        // One appended line per part (upload.json is not rewritten: that was quadratic in parts).
        await appendLineDurable(join(dir, PARTS_LOG), JSON.stringify({ index, at, ...record } satisfies PartLogLine));
      } catch (err) {
        await rm(join(dir, file), { force: true });
        await rm(join(dir, leavesFile), { force: true });
        throw err;
      }
      current.parts[index] = record;
      current.lastActivity = at;
      if (replaced) {
        await rm(join(dir, replaced.file), { force: true });
        if (replaced.leaves) await rm(join(dir, replaced.leaves), { force: true });
      }
    });
  }

  /**
   * Writes a completing upload's archive leaves (its parts' leaves in order; every part but the
   * last spans whole MiBs) into the upload directory and returns the file name, or undefined when a
   * part has no leaves or they do not combine to `treeHash` (then ranges are hashed from the bytes).
   */
  async writeUploadLeaves(vault: Vault, up: UploadRecord, parts: PartRecord[], treeHash: string): Promise<string | undefined> {
    const dir = this.uploadDir(vault, up.uploadId);
    const leaves: Buffer[] = [];
    for (const p of parts) {
      if (!p.leaves) return undefined;
      try {
        leaves.push(...await readLeaves(join(dir, p.leaves), 0, leafCount(p.last - p.first + 1)));
      } catch {
        return undefined;
      }
    }
    if (combineDigests(leaves).toString('hex') !== treeHash) return undefined;
    await writeLeaves(join(dir, ARCHIVE_LEAVES), leaves);
    return ARCHIVE_LEAVES;
  }

  leavesPath(vault: Vault, archive: ArchiveRecord): string | undefined {
    return archive.leaves === undefined ? undefined : join(this.archiveDir(vault, archive.archiveId), archive.leaves);
  }

  /**
   * The archive's leaf file, once checked: a leaf file of the wrong size is not trusted, and that
   * archive's ranges are hashed from its bytes. Checked at first use, not at start (one stat per
   * archive of a million would slow every start).
   */
  async checkedLeavesPath(vault: Vault, archive: ArchiveRecord): Promise<string | undefined> {
    if (archive.leaves !== undefined && !this.leavesChecked.has(archive)) {
      if (!(await this.leavesFit(vault, archive))) delete archive.leaves;
      this.leavesChecked.add(archive);
    }
    return this.leavesPath(vault, archive);
  }

  /** True when the archive's leaf file holds exactly one digest per MiB of it. */
  private async leavesFit(vault: Vault, archive: ArchiveRecord): Promise<boolean> {
    try {
      return (await stat(this.leavesPath(vault, archive)!)).size === leafCount(archive.size) * DIGEST_BYTES;
    } catch {
      return false;
    }
  }

  /** Marks an upload aborted (kept as a record, so a repeat abort answers 204) and drops its parts. */
  async abortUpload(vault: Vault, up: UploadRecord): Promise<void> {
    const aborted: UploadRecord = { ...up, state: 'aborted', parts: {}, lastActivity: Date.now() };
    await this.saveUpload(vault, aborted);
    vault.uploads.set(up.uploadId, aborted);
    const dir = this.uploadDir(vault, up.uploadId);
    await rm(join(dir, PARTS_LOG), { force: true });
    for (const p of Object.values(up.parts)) await rm(join(dir, p.file), { force: true });
  }

  /** Turns an upload's directory into an archive's: metadata first, then one atomic rename. */
  async completeUpload(vault: Vault, up: UploadRecord, archive: ArchiveRecord): Promise<void> {
    const from = this.uploadDir(vault, up.uploadId);
    await this.markWritten(vault);
    await writeJsonAtomic(join(from, 'archive.json'), archive);
    await rename(from, this.archiveDir(vault, archive.archiveId));
    await syncDir(join(vault.dir, 'uploads'));
    await syncDir(join(vault.dir, 'archives'));
    this.leavesChecked.add(archive);
    await indexArchive(vault.dir, archive).catch(() => {}); // recovered from archives/ at the next start
    vault.uploads.delete(up.uploadId);
    vault.archives.set(archive.archiveId, archive);
    vault.completed.set(up.uploadId, archive.archiveId);
  }

  /**
   * Prepares an UploadArchive body (already fsynced in tmp/) as a one-file archive directory in
   * tmp/: data, leaf digests and archive.json, each fsynced. Private to the request, so it runs
   * outside the vaults' mutex (many uploads stage at once); commitArchive then only renames it in.
   */
  async stageArchive(archive: ArchiveRecord, bodyTmp: string, leaves: readonly Buffer[]): Promise<string> {
    const staging = join(this.tmpDir, `archive-${newId(9)}`);
    await mkdir(staging);
    try {
      await rename(bodyTmp, join(staging, archive.files[0]!.file));
      if (archive.leaves !== undefined) await writeLeaves(join(staging, archive.leaves), leaves);
      await writeJsonAtomic(join(staging, 'archive.json'), archive);
      return staging;
    } catch (err) {
      await rm(staging, { recursive: true, force: true }); // a full disk leaves nothing behind in tmp/
      throw err;
    }
  }

  /** Moves a staged archive into the vault (one atomic rename, then the directory fsynced); under the vaults' mutex. */
  async commitArchive(vault: Vault, archive: ArchiveRecord, staging: string): Promise<void> {
    await this.markWritten(vault);
    try {
      await rename(staging, this.archiveDir(vault, archive.archiveId));
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      throw err;
    }
    await syncDir(join(vault.dir, 'archives'));
    this.leavesChecked.add(archive);
    await indexArchive(vault.dir, archive).catch(() => {}); // recovered from archives/ at the next start
    vault.archives.set(archive.archiveId, archive);
  }

  async deleteArchive(vault: Vault, archiveId: string): Promise<void> {
    await this.markWritten(vault);
    const doomed = join(this.tmpDir, `archive-${newId(9)}`);
    await rename(this.archiveDir(vault, archiveId), doomed);
    await syncDir(join(vault.dir, 'archives'));
    const ar = vault.archives.get(archiveId);
    vault.archives.delete(archiveId);
    if (ar?.uploadId) vault.completed.delete(ar.uploadId);
    await rm(doomed, { recursive: true, force: true });
  }

  inventoryPath(vault: Vault, jobId: string): string {
    return join(vault.dir, 'jobs', `${jobId}.out`);
  }

  /**
   * Stores an inventory job: its output first (written piece by piece, a turn of the event loop
   * each), so a job on disk always has its output; sets job.inventorySize.
   */
  async saveInventoryJob(vault: Vault, job: InventoryJobRecord, pieces: Iterable<string>): Promise<void> {
    const tmp = join(this.tmpDir, `inventory-${newId(9)}`);
    const size = await writePieces(tmp, pieces);
    job.inventorySize = size;
    await rename(tmp, this.inventoryPath(vault, job.jobId));
    await this.saveJob(vault, job);
  }

  async saveJob(vault: Vault, job: JobRecord): Promise<void> {
    await writeJsonAtomic(this.jobPath(vault, job.jobId), job);
    this.addJob(vault, job);
  }

  private addJob(vault: Vault, job: JobRecord): void {
    vault.jobs.set(job);
    if (job.action === 'ArchiveRetrieval' && job.tier === 'Expedited' && Date.now() < job.readyAt) this.runningExpedited.add(job);
  }

  /** Expedited retrievals still in progress (each leaves the set once, when found done). */
  expeditedInProgress(now = Date.now()): number {
    for (const j of this.runningExpedited) if (now >= j.readyAt) this.runningExpedited.delete(j);
    return this.runningExpedited.size;
  }

  /** Removes the files of jobs already dropped from their vault's index (expired). */
  async removeJobFiles(vault: Vault, jobs: readonly JobRecord[]): Promise<void> {
    for (const j of jobs) {
      await rm(this.jobPath(vault, j.jobId), { force: true });
      if (j.action === 'InventoryRetrieval') await rm(this.inventoryPath(vault, j.jobId), { force: true });
    }
  }

  getVaultOrThrow(accountId: string, region: string, name: string, arn: string): Vault {
    const v = this.getVault(accountId, region, name);
    if (!v) throw notFound(`Vault not found for ARN: ${arn}`);
    return v;
  }
}
