import { open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { JournalError } from '../../errors.js';

/**
 * The download journal: one JSON header line (which job, which archive bytes, chunk size), then one
 * line per chunk whose bytes were written to `<destination>.part` after their tree hash matched
 * Glacier's. A resume trusts no line on its word: it re-hashes those chunks from the partial file.
 * A torn last line (a crash mid-append) is ignored.
 */
export const DOWNLOAD_JOURNAL_FORMAT = 'glacier-multipart-download';
export const DOWNLOAD_JOURNAL_VERSION = 1;

export interface DownloadJournalHeader {
  format: typeof DOWNLOAD_JOURNAL_FORMAT;
  version: number;
  vaultName: string;
  accountId: string;
  jobId: string;
  archiveId: string;
  /** The whole archive's tree hash, as DescribeJob gave it. */
  archiveTreeHash: string | null;
  /** The retrieved range in archive bytes (inclusive). */
  rangeFirst: number;
  rangeLast: number;
  outputSize: number;
  chunkSize: number;
  /** The partial file the chunks are written to. */
  partFile: string;
}

export interface VerifiedChunk {
  index: number;
  first: number;
  last: number;
  treeHash: string;
}

export interface DownloadJournalState {
  header: DownloadJournalHeader;
  chunks: Map<number, VerifiedChunk>;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Reads a journal; undefined when the file does not exist. */
export async function readDownloadJournal(path: string): Promise<DownloadJournalState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new JournalError({ journal: path, operation: 'download', kind: 'unreadable', problem: `Cannot read the download journal ${path} (${(err as Error).message})`, fix: 'Check its permissions.', cause: err });
  }
  const lines = text.split('\n');
  let header: DownloadJournalHeader;
  try {
    header = JSON.parse(lines[0]!) as DownloadJournalHeader;
  } catch (err) {
    throw new JournalError({ journal: path, operation: 'download', kind: 'not-a-journal', problem: `${path} is not a glacier-multipart download journal (unreadable first line)`, fix: 'Delete it or pass another journal path.', cause: err });
  }
  if (header?.format !== DOWNLOAD_JOURNAL_FORMAT || header.version !== DOWNLOAD_JOURNAL_VERSION || typeof header.jobId !== 'string'
    || !Number.isSafeInteger(header.outputSize) || !Number.isSafeInteger(header.chunkSize)) {
    throw new JournalError({ journal: path, operation: 'download', kind: 'version', problem: `${path} is not a version ${DOWNLOAD_JOURNAL_VERSION} glacier-multipart download journal`, fix: 'Delete it or pass another journal path.' });
  }
  const chunks = new Map<number, VerifiedChunk>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    let c: VerifiedChunk;
    try {
      c = JSON.parse(line) as VerifiedChunk;
    } catch {
      if (i >= lines.length - 2) break; // torn last line
      throw new JournalError({ journal: path, operation: 'download', kind: 'damaged', problem: `${path} line ${i + 1} is damaged`, fix: 'Delete the journal to download again from the start.' });
    }
    if (Number.isSafeInteger(c.index) && Number.isSafeInteger(c.first) && Number.isSafeInteger(c.last) && HEX64.test(c.treeHash)) chunks.set(c.index, c);
  }
  return { header, chunks };
}

/** Appends chunk lines one after another (never interleaved) to a journal it (re)wrote atomically. */
export class DownloadJournalWriter {
  private queue: Promise<void> = Promise.resolve();
  private handle: FileHandle | undefined;
  private constructor(readonly path: string) {}

  /** Writes header and chunks to a temporary file, fsyncs it and renames it over `path`. */
  static async create(path: string, header: DownloadJournalHeader, chunks: Iterable<VerifiedChunk> = []): Promise<DownloadJournalWriter> {
    // One name, not one per process: the journal's lock admits one writer, and a tmp left by a
    // killed one is overwritten here or removed with the journal.
    const tmp = `${path}.tmp`;
    const fh = await open(tmp, 'w', 0o600);
    try {
      const body = [JSON.stringify(header), ...[...chunks].map((c) => JSON.stringify(c))].join('\n') + '\n';
      await fh.writeFile(body, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    return new DownloadJournalWriter(path);
  }

  /**
   * Records a verified chunk (queued; `flush()` waits for all). Not fsynced one by one: a resume
   * re-hashes every recorded chunk from the partial file anyway, so a lost line costs one re-fetch.
   */
  append(chunk: VerifiedChunk): Promise<void> {
    const line = `${JSON.stringify({ index: chunk.index, first: chunk.first, last: chunk.last, treeHash: chunk.treeHash })}\n`;
    this.queue = this.queue.then(async () => {
      this.handle ??= await open(this.path, 'a');
      await this.handle.write(line);
    });
    return this.queue;
  }

  /** Waits for queued lines and closes the file (a later append opens it again). */
  async flush(): Promise<void> {
    await this.queue.catch(() => undefined);
    const h = this.handle;
    this.handle = undefined;
    await h?.close().catch(() => undefined);
  }

  async remove(): Promise<void> {
    await this.flush();
    await rm(this.path, { force: true });
    await rm(`${this.path}.tmp`, { force: true });
  }
}
