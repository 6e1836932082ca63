import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { formatCatalogLine, parseCatalogLine, type CatalogRecord } from './catalog-line.js';
import { CatalogAccessError, CatalogFormatError, InvalidCatalogPathError } from './errors.js';
import { catalogPathProblem } from './paths.js';

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
}

const READ_CHUNK = 1024 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

interface Pending {
  records: CatalogRecord[];
  text: string;
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
  private readonly archives = new Map<string, CatalogArchive & { seq: number }>();
  private readonly byPath = new Map<string, Set<string>>();
  private readonly jobs = new Map<string, RetrieveJobEntry[]>();
  private seq = 0;
  /** Bytes of complete lines; a torn tail beyond it is cut before appending. */
  private goodLength = 0;
  private fileLength = 0;
  private handle: FileHandle | undefined;
  private position = 0;
  private queue: Pending[] = [];
  private flushing = false;
  private broken: unknown;

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
    let exists = true;
    try {
      for await (const { record } of Catalog.records(path, (w) => {
        catalog.warnings.push(w);
        options.onWarning?.(w);
      }, (good, total) => {
        catalog.goodLength = good;
        catalog.fileLength = total;
      })) catalog.apply(record);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      exists = false;
    }
    if (!exists) {
      if (options.create === false) {
        throw new CatalogAccessError(path, `The catalog ${path} does not exist: check the path, or rebuild it from an inventory (glacier-multipart inventory --vault V --catalog ${path}).`);
      }
      await catalog.openForAppend();
    }
    return catalog;
  }

  /**
   * Every record of a catalog file in order, with its line number. Blank lines are skipped; a torn
   * last line (no newline) is reported to `onWarning`; any other malformed line throws CatalogFormatError.
   */
  static async *records(path: string, onWarning?: (message: string) => void,
    onEnd?: (goodLength: number, totalLength: number) => void): AsyncGenerator<{ record: CatalogRecord; line: number }> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw err;
      throw new CatalogAccessError(path, `Cannot read the catalog ${path} (${(err as NodeJS.ErrnoException).code}): check its permissions.`, { cause: err });
    }
    try {
      const buffer = Buffer.allocUnsafe(READ_CHUNK);
      let carry: Buffer<ArrayBufferLike> = Buffer.alloc(0);
      let lineNo = 0;
      let offset = 0;
      let good = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
        if (bytesRead === 0) break;
        offset += bytesRead;
        const data = carry.length ? Buffer.concat([carry, buffer.subarray(0, bytesRead)]) : buffer.subarray(0, bytesRead);
        let start = 0;
        for (let nl = data.indexOf(10, start); nl >= 0; nl = data.indexOf(10, start)) {
          lineNo++;
          const record = decodeLine(path, lineNo, data.subarray(start, nl));
          good += nl + 1 - start;
          start = nl + 1;
          if (record) yield { record, line: lineNo };
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
    const ids = this.byPath.get(path);
    if (!ids) return undefined;
    let best: (CatalogArchive & { seq: number }) | undefined;
    for (const id of ids) {
      const a = this.archives.get(id)!;
      if (!best || a.time > best.time || (a.time === best.time && a.seq > best.seq)) best = a;
    }
    return best && strip(best);
  }

  /** Every path with a live archive, each with its current archive, in no particular order. */
  *files(): IterableIterator<CatalogArchive> {
    for (const path of this.byPath.keys()) yield this.file(path)!;
  }

  /** Every live archive, older versions of a path included. */
  *allArchives(): IterableIterator<CatalogArchive> {
    for (const a of this.archives.values()) yield strip(a);
  }

  /** Live archives recorded for a path, oldest first. */
  archivesOf(path: string): CatalogArchive[] {
    const ids = this.byPath.get(path);
    return ids ? [...ids].map((id) => this.archives.get(id)!).sort((a, b) => a.time - b.time || a.seq - b.seq).map(strip) : [];
  }

  archive(archiveId: string): CatalogArchive | undefined {
    const a = this.archives.get(archiveId);
    return a && strip(a);
  }

  /** Retrieval jobs recorded for an archive, oldest first. */
  retrieveJobs(archiveId: string): readonly RetrieveJobEntry[] {
    return this.jobs.get(archiveId) ?? [];
  }

  get size(): number {
    return this.byPath.size;
  }

  /** Applies a record to the in-memory state (as reading it from the file does). */
  private apply(r: CatalogRecord): void {
    if (r.type === 'CREATED') {
      const old = this.archives.get(r.archiveId);
      if (old) this.byPath.get(old.path)?.delete(r.archiveId);
      this.archives.set(r.archiveId, { archiveId: r.archiveId, path: r.path, size: r.size, mtime: r.mtime, treeHash: r.treeHash, time: r.time, seq: this.seq++ });
      let set = this.byPath.get(r.path);
      if (!set) this.byPath.set(r.path, (set = new Set()));
      set.add(r.archiveId);
    } else if (r.type === 'DELETED') {
      const old = this.archives.get(r.archiveId);
      if (!old) return;
      this.archives.delete(r.archiveId);
      const set = this.byPath.get(old.path);
      set?.delete(r.archiveId);
      if (set && set.size === 0) this.byPath.delete(old.path);
    } else {
      let list = this.jobs.get(r.archiveId);
      if (!list) this.jobs.set(r.archiveId, (list = []));
      list.push({ jobId: r.jobId, time: r.time });
    }
  }

  recordCreated(a: { archiveId: string; path: string; size: number; mtime: number | null; treeHash: string; time?: number }): Promise<void> {
    return this.append([{ type: 'CREATED', time: a.time ?? nowSeconds(), archiveId: a.archiveId, size: a.size, mtime: a.mtime, treeHash: a.treeHash, path: a.path }]);
  }

  recordDeleted(archiveId: string, path?: string): Promise<void> {
    return this.append([{ type: 'DELETED', time: nowSeconds(), archiveId, path: path ?? this.archives.get(archiveId)?.path ?? '' }]);
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
    const text = records.map((r) => `${formatCatalogLine(r)}\n`).join('');
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ records, text, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0);
        try {
          if (this.broken !== undefined) throw this.broken;
          if (!this.handle) await this.openForAppend();
          await this.writeAtEnd(batch.map((p) => p.text).join(''));
          await this.handle!.datasync();
        } catch (err) {
          // After a failed write the file's end is unknown: refuse further appends.
          this.broken ??= err instanceof CatalogAccessError ? err
            : new CatalogAccessError(this.path, `Cannot append to the catalog ${this.path} (${(err as Error).message}): the last records may be missing; free space or fix permissions and run again.`, { cause: err });
          for (const p of batch) p.reject(this.broken);
          continue;
        }
        for (const p of batch) {
          for (const r of p.records) this.apply(r);
          p.resolve();
        }
      }
    } finally {
      this.flushing = false;
    }
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
  }
}

function strip(a: CatalogArchive & { seq: number }): CatalogArchive {
  const { seq: _seq, ...rest } = a;
  return rest;
}

function decodeLine(path: string, lineNo: number, bytes: Buffer): CatalogRecord | undefined {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new CatalogFormatError(path, lineNo, 'the line is not valid UTF-8');
  }
  if (text.endsWith('\r')) text = text.slice(0, -1);
  if (text.trim() === '') return undefined;
  const parsed = parseCatalogLine(text);
  if (typeof parsed === 'string') throw new CatalogFormatError(path, lineNo, parsed);
  return parsed;
}

function checkRecord(r: CatalogRecord): void {
  if (r.type === 'CREATED') {
    const problem = catalogPathProblem(r.path);
    if (problem) throw new InvalidCatalogPathError(r.path, problem);
  }
  if (r.type === 'DELETED' && /[\t\n\r]/.test(r.path)) throw new InvalidCatalogPathError(r.path, 'it contains a tab or newline');
  const ids = [r.archiveId, ...(r.type === 'CREATED' ? [r.treeHash] : []), ...(r.type === 'RETRIEVE_JOB' ? [r.jobId] : [])];
  for (const v of ids) {
    if (typeof v !== 'string' || v === '' || /\s/.test(v)) {
      throw new CatalogAccessError('(record)', `Cannot record ${r.type}: an archive id, job id or tree hash must be non-empty without whitespace, got ${JSON.stringify(v)}.`);
    }
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
