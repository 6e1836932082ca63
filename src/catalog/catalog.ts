import { closeSync, openSync, readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { checkRecord, decodeLine, formatCatalogLine, type CatalogRecord } from './catalog-line.js';
import { CatalogAccessError } from './errors.js';
import { CatalogIndex } from './catalog-index.js';
import { lockCatalog } from './catalog-lock.js';

/** A live archive as the catalog knows it. */
export interface CatalogArchive {
  archiveId: string;
  path: string;
  size: number;
  /** The file's modification time (Unix seconds) when it was uploaded; null when unknown ('NONE'). */
  mtime: number | null;
  treeHash: string;
  /** When the archive was recorded (Unix seconds). */
  time: number;
}

export interface RetrieveJobEntry {
  jobId: string;
  time: number;
}

export interface OpenCatalogOptions {
  /** Create the file when it does not exist (default true); false: a missing catalog is an error. */
  create?: boolean;
  /** Told about a torn last line (a crash mid-write), which is skipped. Default: ignored. */
  onWarning?: (message: string) => void;
  /**
   * Take the catalog's exclusive writer lock (`<catalog>.lock`) before reading, held until close():
   * a second writer gets CatalogLockedError naming this process. Readers leave it off.
   */
  lock?: boolean;
}

const READ_CHUNK = 1024 * 1024;

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

interface Pending {
  records: CatalogRecord[];
  lines: string[];
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * A local catalog of a vault's archives in mt-aws-glacier's journal format: read at open, then only
 * appended to. Each appended line is written and fsynced before append() resolves (lines appended
 * at the same time share one fsync), so a step recorded is a step done, whatever crashes after.
 * A torn last line (a crash mid-write) is skipped with a warning and cut off before the next append.
 * The latest CREATED per path (by TIME, then line order) is the file's current archive; DELETED
 * removes an archive (by id), bringing back the path's previous live archive if any.
 */
export class Catalog {
  readonly path: string;
  readonly warnings: string[] = [];
  /** Where each record's line is: the records themselves are read back from the file when asked for. */
  private readonly index = new CatalogIndex((offset, length) => {
    const r = this.lineAt(offset, length);
    return { archiveId: r.archiveId, path: r.type === 'CREATED' ? r.path : undefined };
  });
  private readFd: number | undefined;
  /** Bytes of complete lines; a torn tail beyond it is cut before appending. */
  private goodLength = 0;
  private fileLength = 0;
  private handle: FileHandle | undefined;
  private position = 0;
  private queue: Pending[] = [];
  private flushing = false;
  private broken: unknown;
  private release: (() => Promise<void>) | undefined;

  private constructor(path: string) {
    this.path = path;
  }

  /** A catalog with no records that is never written (e.g. for a dry run before the first sync). */
  static empty(path: string): Catalog {
    return new Catalog(path);
  }

  /** Reads a catalog (creating an empty one unless `create: false`). */
  static async open(path: string, options: OpenCatalogOptions = {}): Promise<Catalog> {
    const catalog = new Catalog(path);
    if (options.lock) catalog.release = await lockCatalog(path);
    try {
      await catalog.read(options);
    } catch (err) {
      await catalog.close();
      throw err;
    }
    return catalog;
  }

  /** Whether this catalog holds its writer lock. */
  get locked(): boolean {
    return this.release !== undefined;
  }

  private async read(options: OpenCatalogOptions): Promise<void> {
    const { path } = this;
    let exists = true;
    try {
      for await (const { record, offset, bytes } of Catalog.records(path, (w) => {
        this.warnings.push(w);
        options.onWarning?.(w);
      }, (good, total) => {
        this.goodLength = good;
        this.fileLength = total;
      })) this.apply(record, offset, bytes);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      exists = false;
    }
    if (!exists) {
      if (options.create === false) {
        throw new CatalogAccessError(path, `The catalog ${path} does not exist: check the path, or rebuild it from an inventory (glacier-multipart inventory --vault V --catalog ${path}).`);
      }
      await this.openForAppend();
    }
  }

  /**
   * Every record of a catalog file in order, with its line number. Blank lines are skipped; a torn
   * last line (no newline) is reported to `onWarning`; any other malformed line throws CatalogFormatError.
   */
  static async *records(path: string, onWarning?: (message: string) => void,
    onEnd?: (goodLength: number, totalLength: number) => void): AsyncGenerator<{ record: CatalogRecord; line: number; offset: number; bytes: number }> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw err;
      throw new CatalogAccessError(path, `Cannot read the catalog ${path} (${(err as NodeJS.ErrnoException).code}): check its permissions.`, { cause: err });
    }
    try {
      if ((await handle.stat()).isDirectory()) {
        throw new CatalogAccessError(path, `The catalog ${path} is a directory: pass the catalog file itself (e.g. ${path.replace(/\/+$/, '')}/vault.catalog).`);
      }
      const buffer = Buffer.allocUnsafe(READ_CHUNK);
      let carry: Buffer<ArrayBufferLike> = Buffer.alloc(0);
      let lineNo = 0;
      let offset = 0;
      let good = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
        if (bytesRead === 0) break;
        const dataStart = offset - carry.length;
        offset += bytesRead;
        const data = carry.length ? Buffer.concat([carry, buffer.subarray(0, bytesRead)]) : buffer.subarray(0, bytesRead);
        let start = 0;
        for (let nl = data.indexOf(10, start); nl >= 0; nl = data.indexOf(10, start)) {
          lineNo++;
          const record = decodeLine(path, lineNo, data.subarray(start, nl));
          const lineStart = start;
          good += nl + 1 - start;
          start = nl + 1;
          if (record) yield { record, line: lineNo, offset: dataStart + lineStart, bytes: nl - lineStart };
        }
        carry = Buffer.from(data.subarray(start));
      }
      if (carry.length > 0) {
        lineNo++;
        onWarning?.(`${path}, line ${lineNo}: the last line is incomplete (${carry.length} bytes without a newline, ` +
          'probably cut off by a crash while it was written); it is ignored and will be cut off before the next record is appended.');
      }
      onEnd?.(good, offset);
    } finally {
      await handle.close();
    }
  }

  /** The file's current archive: the latest live CREATED for the path. */
  file(path: string): CatalogArchive | undefined {
    const latest = this.latest(this.index.slotsOfPath(path));
    return latest === undefined ? undefined : this.archiveAt(latest);
  }

  /** Every path with a live archive, each with its current archive, in no particular order. */
  *files(): IterableIterator<CatalogArchive> {
    for (const group of this.index.pathGroups()) yield this.archiveAt(this.latest(group)!);
  }

  /** Every live archive, older versions of a path included. */
  *allArchives(): IterableIterator<CatalogArchive> {
    for (const slot of this.index.liveSlots()) yield this.archiveAt(slot);
  }

  /** Live archives recorded for a path, oldest first. */
  archivesOf(path: string): CatalogArchive[] {
    return this.byAge(this.index.slotsOfPath(path)).map((slot) => this.archiveAt(slot));
  }

  archive(archiveId: string): CatalogArchive | undefined {
    const slot = this.index.slotOf(archiveId);
    return this.index.isLive(slot) ? this.archiveAt(slot) : undefined;
  }

  /** Whether the catalog knows the archive but not as live (its DELETED line was recorded). */
  isDeleted(archiveId: string): boolean {
    const slot = this.index.slotOf(archiveId);
    return slot >= 0 && !this.index.isLive(slot);
  }

  /** Retrieval jobs recorded for an archive, oldest first. */
  retrieveJobs(archiveId: string): readonly RetrieveJobEntry[] {
    return this.index.jobLines(archiveId).map(({ offset, length }) => {
      const r = this.lineAt(offset, length) as Extract<CatalogRecord, { type: 'RETRIEVE_JOB' }>;
      return { jobId: r.jobId, time: r.time };
    });
  }

  get size(): number {
    return this.index.pathCount;
  }

  /** Slots by TIME, then line order (the order that decides a path's current archive). */
  private byAge(slots: number[]): number[] {
    const key = new Map(slots.map((s) => [s, this.index.place(s)]));
    return [...slots].sort((a, b) => key.get(a)!.time - key.get(b)!.time || key.get(a)!.seq - key.get(b)!.seq);
  }

  private latest(slots: number[]): number | undefined {
    return slots.length === 1 ? slots[0] : this.byAge(slots).pop();
  }

  private archiveAt(slot: number): CatalogArchive {
    const { offset, length } = this.index.place(slot);
    const r = this.lineAt(offset, length) as Extract<CatalogRecord, { type: 'CREATED' }>;
    return { archiveId: r.archiveId, path: r.path, size: r.size, mtime: r.mtime, treeHash: r.treeHash, time: r.time };
  }

  /** The record of the line at `offset` (read back from the file: only the index is in memory). */
  private lineAt(offset: number, length: number): CatalogRecord {
    this.readFd ??= openSync(this.path, 'r');
    const bytes = Buffer.allocUnsafe(length);
    for (let done = 0; done < length;) {
      const n = readSync(this.readFd, bytes, done, length - done, offset + done);
      if (n === 0) throw new CatalogAccessError(this.path, `The catalog ${this.path} is shorter than when it was read: it was changed by another program; run again.`);
      done += n;
    }
    const record = decodeLine(this.path, 0, bytes);
    if (!record) throw new CatalogAccessError(this.path, `The catalog ${this.path} changed under this process (a record moved): run again.`);
    return record;
  }

  /** Applies a record whose line is at `offset` (`bytes` long, without its newline) to the index. */
  private apply(r: CatalogRecord, offset: number, bytes: number): void {
    if (r.type === 'CREATED') this.index.created(r.archiveId, r.path, r.time, offset, bytes);
    else if (r.type === 'DELETED') this.index.deleted(r.archiveId);
    else this.index.job(r.archiveId, offset, bytes);
  }

  recordCreated(a: { archiveId: string; path: string; size: number; mtime: number | null; treeHash: string; time?: number }): Promise<void> {
    return this.append([{ type: 'CREATED', time: a.time ?? nowSeconds(), archiveId: a.archiveId, size: a.size, mtime: a.mtime, treeHash: a.treeHash, path: a.path }]);
  }

  recordDeleted(archiveId: string, path?: string): Promise<void> {
    return this.append([{ type: 'DELETED', time: nowSeconds(), archiveId, path: path ?? this.archive(archiveId)?.path ?? '' }]);
  }

  recordRetrieveJob(archiveId: string, jobId: string): Promise<void> {
    return this.append([{ type: 'RETRIEVE_JOB', time: nowSeconds(), archiveId, jobId }]);
  }

  /**
   * Appends records: resolves once their lines are written and fsynced (then they show in the
   * in-memory state). Concurrent calls are written together, in call order, with one fsync.
   */
  append(records: CatalogRecord[]): Promise<void> {
    try {
      for (const r of records) checkRecord(r);
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.broken !== undefined) return Promise.reject(this.broken);
    const lines = records.map((r) => formatCatalogLine(r));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ records, lines, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0);
        let start = 0;
        try {
          if (this.broken !== undefined) throw this.broken;
          if (!this.handle) await this.openForAppend();
          start = this.position;
          await this.writeAtEnd(batch.map((p) => p.lines.map((l) => `${l}\n`).join('')).join(''));
          await this.handle!.datasync();
        } catch (err) {
          // After a failed write the file's end is unknown: refuse further appends.
          this.broken ??= err instanceof CatalogAccessError ? err
            : new CatalogAccessError(this.path, `Cannot append to the catalog ${this.path} (${(err as Error).message}): the last records may be missing; free space or fix permissions and run again.`, { cause: err });
          for (const p of batch) p.reject(this.broken);
          continue;
        }
        for (const p of batch) {
          p.records.forEach((r, i) => {
            const bytes = Buffer.byteLength(p.lines[i]!);
            this.apply(r, start, bytes);
            start += bytes + 1;
          });
          p.resolve();
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /**
   * Opens the file for appending now (it is otherwise opened at the first record): a caller about
   * to make requests whose results must be recorded learns before the first one that it cannot.
   */
  async checkWritable(): Promise<void> {
    if (this.broken !== undefined) throw this.broken;
    if (!this.handle) await this.openForAppend();
  }

  private async openForAppend(): Promise<void> {
    let created = false;
    try {
      try {
        this.handle = await open(this.path, 'r+');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        this.handle = await open(this.path, 'wx');
        created = true;
      }
      if (this.goodLength < this.fileLength) await this.handle.truncate(this.goodLength);
      const { size } = await this.handle.stat();
      this.position = size;
    } catch (err) {
      await this.handle?.close().catch(() => undefined);
      this.handle = undefined;
      const code = (err as NodeJS.ErrnoException).code;
      throw new CatalogAccessError(this.path, `Cannot write the catalog ${this.path} (${code ?? (err as Error).message}): ` +
        `${code === 'ENOENT' ? 'its directory does not exist' : 'check its permissions'}; choose a catalog path in a writable directory.`, { cause: err });
    }
    if (created) await fsyncDir(dirname(this.path));
  }

  /** Writes at the end of the file (opened r+, so positions are ours to keep). */
  private async writeAtEnd(text: string): Promise<void> {
    const bytes = Buffer.from(text, 'utf8');
    for (let done = 0; done < bytes.length;) {
      const { bytesWritten } = await this.handle!.write(bytes, done, bytes.length - done, this.position);
      done += bytesWritten;
      this.position += bytesWritten;
    }
  }

  async close(): Promise<void> {
    while (this.flushing || this.queue.length) await new Promise((r) => setTimeout(r, 5));
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
    if (this.readFd !== undefined) closeSync(this.readFd);
    this.readFd = undefined;
    const release = this.release;
    this.release = undefined;
    await release?.();
  }
}

async function fsyncDir(dir: string): Promise<void> {
  try {
    const h = await open(dir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    // Not every platform can fsync a directory; the file itself is synced.
  }
}
