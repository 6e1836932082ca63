/**
 * The migration's state file: append-only JSON lines, fsynced in groups (every caller waits for its
 * own line to be on disk), one file per vault and shard. Reading it back streams the lines into a
 * compact table (archive id → stage, 64 bits + 1 byte each); only archives in flight (a job started,
 * an upload open) keep a record in memory, so 10 million finished archives cost ~200 MB at most.
 */
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { IdTable } from './id-table.js';
import { MigrationStateError } from './errors.js';

export type StateRecord =
  | { t: 'plan'; vault: string; shard: string; destination: string; at: string }
  | { t: 'planned'; id: string; key: string; size: number }
  | { t: 'job'; id: string; job: string; tier: string; at: string }
  | { t: 'copying'; id: string; key: string; upload?: string }
  | { t: 'part'; id: string; n: number; th: string; sha: string; etag: string }
  | { t: 'done'; id: string; key: string; etag: string; checksum: string; size: number }
  | { t: 'failed'; id: string; why: string };

export const enum Stage { None = 0, Planned = 1, Job = 2, Copying = 3, Done = 4, Failed = 5 }

const STAGE: Record<StateRecord['t'], Stage | undefined> = {
  plan: undefined, planned: Stage.Planned, job: Stage.Job, copying: Stage.Copying, part: undefined, done: Stage.Done, failed: Stage.Failed,
};

export interface PartRecord {
  treeHash: string;
  sha256: string;
  etag: string;
}

/** What the state knows of an archive that is in flight. */
export interface InFlight {
  jobId?: string;
  key?: string;
  uploadId?: string;
  parts: Map<number, PartRecord>;
}

export class MigrationState {
  private readonly stages = new IdTable();
  private readonly flight = new Map<string, InFlight>();
  private pending: string[] = [];
  private waiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  private flushing: Promise<void> | undefined;
  /** Bytes recorded done (in this file, every run). */
  doneBytes = 0;
  doneCount = 0;
  header: Extract<StateRecord, { t: 'plan' }> | undefined;

  private constructor(readonly path: string, private handle: FileHandle) {}

  /** Opens (creating) the state file and reads what earlier runs recorded. */
  static async open(path: string): Promise<MigrationState> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'a+');
    } catch (err) {
      throw new MigrationStateError(path, `Cannot open the migration state file ${path} (${(err as NodeJS.ErrnoException).code}): check the directory exists and is writable, or use another state file.`, { cause: err });
    }
    const state = new MigrationState(path, handle);
    const { size } = await handle.stat();
    if (size > 0) {
      let good = 0;
      const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
      let n = 0;
      for await (const line of lines) {
        n++;
        if (line === '') continue;
        let r: StateRecord;
        try {
          r = JSON.parse(line) as StateRecord;
        } catch {
          // A line torn by a crash mid-append (the next run starts its records on a new line).
          continue;
        }
        if (!r || typeof r !== 'object' || typeof r.t !== 'string') break;
        good++;
        state.apply(r);
      }
      if (good === 0 || n === 0) {
        await handle.close();
        throw new MigrationStateError(path, `${path} is not a migration state file (no record in it): use another state file, or move this one away.`);
      }
      // A torn last line must not glue itself to the next record.
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      if (last[0] !== 10) state.pending.push('');
    }
    return state;
  }

  stage(archiveId: string): Stage {
    return this.stages.get(archiveId) as Stage;
  }

  inFlight(archiveId: string): InFlight | undefined {
    return this.flight.get(archiveId);
  }

  /** Archives with a job or an upload recorded and not yet done. */
  inFlightIds(): IterableIterator<string> {
    return this.flight.keys();
  }

  private apply(r: StateRecord): void {
    if (r.t === 'plan') {
      this.header ??= r;
      return;
    }
    const stage = STAGE[r.t];
    if (stage !== undefined) this.stages.set(r.id, stage);
    const f = (): InFlight => {
      let x = this.flight.get(r.id);
      if (!x) this.flight.set(r.id, (x = { parts: new Map() }));
      return x;
    };
    switch (r.t) {
      case 'job': f().jobId = r.job; break;
      case 'copying': {
        const x = f();
        x.key = r.key;
        if (x.uploadId !== r.upload) x.parts.clear();
        x.uploadId = r.upload;
        break;
      }
      case 'part': f().parts.set(r.n, { treeHash: r.th, sha256: r.sha, etag: r.etag }); break;
      case 'done':
        this.flight.delete(r.id);
        this.doneBytes += r.size;
        this.doneCount++;
        break;
      case 'failed': {
        // A failed archive keeps its job (still valid for a day) for the next run, not its upload.
        const x = this.flight.get(r.id);
        if (x) this.flight.set(r.id, { ...(x.jobId ? { jobId: x.jobId } : {}), parts: new Map() });
        break;
      }
      default:
    }
  }

  /** Appends the record, applies it, and resolves once it is fsynced. */
  record(r: StateRecord): Promise<void> {
    this.apply(r);
    this.pending.push(JSON.stringify(r));
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.flushing ??= this.flush();
    return done;
  }

  private async flush(): Promise<void> {
    try {
      while (this.pending.length) {
        const lines = this.pending;
        const waiters = this.waiters;
        this.pending = [];
        this.waiters = [];
        try {
          await this.handle.appendFile(lines.join('\n') + '\n');
          await this.handle.datasync();
          for (const w of waiters) w.resolve();
        } catch (err) {
          const e = new MigrationStateError(this.path, `Cannot write the migration state file ${this.path} (${(err as NodeJS.ErrnoException).code}): free disk space and run again.`, { cause: err });
          for (const w of waiters) w.reject(e);
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  async close(): Promise<void> {
    await this.flushing;
    await this.handle.close();
  }
}
