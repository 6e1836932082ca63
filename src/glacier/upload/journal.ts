import { open, readFile, rename, rm, truncate, type FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { JournalError } from '../errors.js';

/**
 * The journal of an upload: one JSON line describing the upload (written before any part is sent)
 * then one JSON line per part Glacier has confirmed, appended and fdatasync'ed as each part
 * finishes. Appending keeps each update O(1) (rewriting a 10,000-part file per part would not);
 * a line cut short by a crash is ignored (and trimmed before appending again).
 */
export const JOURNAL_FORMAT = 'glacier-multipart-journal';
export const JOURNAL_VERSION = 1;

export interface JournalFileIdentity {
  /** Absolute path of the file being uploaded. */
  path: string;
  size: number;
  mtimeMs: number;
  /** Device and inode, as decimal strings (journals of older versions lack them: never trusted). */
  dev?: string;
  ino?: string;
  /** Modification and status-change times in nanoseconds since the epoch, as decimal strings. */
  mtimeNs?: string;
  ctimeNs?: string;
}

export interface JournalHeader {
  format: typeof JOURNAL_FORMAT;
  version: number;
  vaultName: string;
  accountId: string;
  uploadId: string;
  partSize: number;
  description?: string;
  /** The file for path sources; null for bytes and streams (re-read and re-hashed to resume). */
  file: JournalFileIdentity | null;
  archiveSize?: number;
  /** How the upload reached Glacier, so a resume from this journal alone reconnects the same way. */
  connection?: JournalConnection;
  createdAt: string;
  /**
   * Set in the header written before InitiateMultipartUpload is sent (then uploadId is ''): a run
   * killed before it recorded the id left this, so a resume looks for the upload it created.
   */
  initiatedAt?: string;
}

export interface JournalConnection {
  /** The endpoint URL, when one was configured (a local server, a VPC endpoint). */
  endpoint?: string;
  region?: string;
}

export interface JournalPart {
  treeHash: string;
  size: number;
}

/** Written just before CompleteMultipartUpload is sent: what the archive will be if it arrives. */
export interface JournalComplete {
  archiveSize: number;
  treeHash: string;
  sentAt: string;
}

export interface JournalState {
  path: string;
  header: JournalHeader;
  parts: Map<number, JournalPart>;
  /** Set once CompleteMultipartUpload was sent (its answer may have been lost). */
  complete?: JournalComplete;
}

function isHex64(v: unknown): v is string {
  return typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
}

function checkHeader(path: string, h: unknown): JournalHeader {
  const x = h as Partial<JournalHeader> | null;
  if (!x || x.format !== JOURNAL_FORMAT) {
    throw new JournalError({ journal: path, operation: 'upload', kind: 'not-a-journal', problem: `${path} is not a glacier-multipart journal (its first line is not a journal header)`, fix: 'Pass another path, or delete it to start over.' });
  }
  if (x.version !== JOURNAL_VERSION) {
    throw new JournalError({ journal: path, operation: 'upload', kind: 'version', problem: `${path} is a version ${String(x.version)} journal; this glacier-multipart writes version ${JOURNAL_VERSION}`, fix: 'Resume with the version that wrote it, or delete it to start over.' });
  }
  if (typeof x.uploadId !== 'string' || typeof x.vaultName !== 'string' || typeof x.partSize !== 'number' || typeof x.accountId !== 'string') {
    throw new JournalError({ journal: path, operation: 'upload', kind: 'damaged', problem: `${path} has a damaged header (upload id, vault, account or part size missing)`, fix: 'Resume by upload id instead, or delete it to start over.' });
  }
  return x as JournalHeader;
}

/** Reads a journal; undefined when the file does not exist. */
export async function readJournal(path: string): Promise<JournalState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new JournalError({ journal: path, operation: 'upload', kind: 'unreadable', problem: `Cannot read the journal ${path}: ${(err as Error).message}`, fix: 'Check its permissions.', cause: err });
  }
  const lines = text.split('\n');
  // The last element is '' after a complete final line, or a line a crash cut short.
  const complete = lines.slice(0, -1);
  if (complete.length === 0) {
    throw new JournalError({ journal: path, operation: 'upload', kind: 'damaged', problem: `${path} is empty or was cut short before its header was written`,
      fix: "Delete it to start over (and abort any upload it started: the vault's open multipart uploads are listed by ListMultipartUploads)." });
  }
  let header: JournalHeader;
  try {
    header = checkHeader(path, JSON.parse(complete[0]!));
  } catch (err) {
    if (err instanceof JournalError) throw err;
    throw new JournalError({ journal: path, operation: 'upload', kind: 'not-a-journal', problem: `${path} is not a glacier-multipart journal (its first line is not JSON)`, fix: 'Pass another path, or delete it to start over.', cause: err });
  }
  const parts = new Map<number, JournalPart>();
  let sent: JournalComplete | undefined;
  for (let i = 1; i < complete.length; i++) {
    let entry: { part?: unknown; treeHash?: unknown; size?: unknown; complete?: Partial<JournalComplete> };
    try {
      entry = JSON.parse(complete[i]!);
    } catch (err) {
      throw new JournalError({ journal: path, operation: 'upload', kind: 'damaged', uploadId: header.uploadId, problem: `${path} line ${i + 1} is damaged`,
        fix: `Resume with the upload id ${header.uploadId} instead (parts are re-checked against Glacier), or delete the journal to start over.`, cause: err });
    }
    if (entry.complete !== undefined) {
      const c = entry.complete;
      if (!c || !Number.isSafeInteger(c.archiveSize) || !isHex64(c.treeHash)) {
        throw new JournalError({ journal: path, operation: 'upload', kind: 'damaged', uploadId: header.uploadId, problem: `${path} line ${i + 1} is a damaged Complete record`,
          fix: `Resume with the upload id ${header.uploadId} instead, or delete the journal to start over.` });
      }
      sent = { archiveSize: c.archiveSize!, treeHash: c.treeHash, sentAt: String(c.sentAt ?? '') };
      continue;
    }
    if (!Number.isSafeInteger(entry.part) || (entry.part as number) < 0 || !isHex64(entry.treeHash) || !Number.isSafeInteger(entry.size)) {
      throw new JournalError({ journal: path, operation: 'upload', kind: 'damaged', uploadId: header.uploadId, problem: `${path} line ${i + 1} is not a part record`,
        fix: `Resume with the upload id ${header.uploadId} instead, or delete the journal to start over.` });
    }
    parts.set(entry.part as number, { treeHash: entry.treeHash, size: entry.size as number });
  }
  return { path, header, parts, ...(sent ? { complete: sent } : {}) };
}

async function fsyncDir(path: string): Promise<void> {
  let dir: FileHandle | undefined;
  try {
    dir = await open(dirname(resolve(path)), 'r');
    await dir.sync();
  } catch {
    // Some file systems cannot fsync a directory; the rename is still atomic.
  } finally {
    await dir?.close();
  }
}

/** Appends part records durably, one at a time, in the order they finish. */
export class JournalWriter {
  readonly path: string;
  private handle: FileHandle;
  private queue: Promise<void> = Promise.resolve();
  private failed: unknown;

  private constructor(path: string, handle: FileHandle) {
    this.path = path;
    this.handle = handle;
  }

  /** Writes a new journal atomically (temporary file, fsync, rename) with just its header. */
  static async create(path: string, header: JournalHeader): Promise<JournalWriter> {
    const tmp = `${path}.${process.pid}.tmp`;
    try {
      const h = await open(tmp, 'w');
      try {
        await h.writeFile(`${JSON.stringify(header)}\n`);
        await h.sync();
      } finally {
        await h.close();
      }
      await rename(tmp, path);
      await fsyncDir(path);
    } catch (err) {
      await rm(tmp, { force: true });
      throw new JournalError({ journal: path, operation: 'upload', kind: 'unwritable', problem: `Cannot write the journal ${path}: ${(err as Error).message}`, fix: 'Choose a writable path.', cause: err });
    }
    return new JournalWriter(path, await open(path, 'a'));
  }

  /** Re-opens an existing journal for appending, trimming a record a crash cut short. */
  static async append(path: string): Promise<JournalWriter> {
    const text = await readFile(path, 'utf8');
    const end = text.lastIndexOf('\n') + 1;
    if (end < text.length) await truncate(path, Buffer.byteLength(text.slice(0, end)));
    return new JournalWriter(path, await open(path, 'a'));
  }

  /** Records a part Glacier confirmed; resolves once the record is on disk. */
  recordPart(index: number, treeHash: string, size: number): Promise<void> {
    return this.append(`${JSON.stringify({ part: index, treeHash, size })}\n`);
  }

  /**
   * Records, durably, that CompleteMultipartUpload is about to be sent for this size and tree
   * hash: if its answer is lost, a resume can ask again (or say what was very likely created).
   */
  recordComplete(archiveSize: number, treeHash: string): Promise<void> {
    return this.append(`${JSON.stringify({ complete: { archiveSize, treeHash, sentAt: new Date().toISOString() } })}\n`);
  }

  private append(line: string): Promise<void> {
    const next = this.queue.then(async () => {
      if (this.failed) throw this.failed;
      try {
        await this.handle.write(line);
        await this.handle.datasync();
      } catch (err) {
        this.failed = new JournalError({ journal: this.path, operation: 'upload', kind: 'unwritable', problem: `Cannot append to the journal ${this.path}: ${(err as Error).message}`, fix: 'Free space or fix its permissions, then resume.', cause: err });
        throw this.failed;
      }
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    await this.queue;
    await this.handle.close().catch(() => undefined);
  }

  /** Closes and deletes the journal (after the upload completed or was aborted). */
  async remove(): Promise<void> {
    await this.close();
    await rm(this.path, { force: true });
  }
}
