/**
 * One migration run once its state file is open: a staging loop starts retrieval jobs as the pacer
 * allows and queues them; `concurrency` lanes copy the queued archives; at the end, uploads this
 * shard left open are aborted. Every step is in the state file first (see state.ts).
 */
import { JobNotFoundError } from '../glacier/download/download-errors.js';
import { copyToDir, existingFile } from './copy-to-dir.js';
import { copyToS3, existingObject, type S3Target } from './copy-to-s3.js';
import type { CopyArchive, CopyContext, CopyResult } from './copy-context.js';
import { IdTable } from './id-table.js';
import { abortLeftoverUploads } from './leftovers.js';
import type { MigrateProgress } from './options.js';
import { Pacer } from './pacing.js';
import type { Plan, PlannedArchive } from './plan.js';
import { AsyncQueue } from './queue.js';
import { MAX_LISTED_FAILURES, type MigrationReport } from './report.js';
import { readyJob, startJob, type RetrievalContext } from './retrieval.js';
import { MigrationState, Stage } from './state.js';

/** Archives copied at once per part in flight (see run()), and at most in all: each holds an open file or multipart upload. */
const ARCHIVES_PER_PART_SLOT = 4;
const MAX_ARCHIVES_IN_FLIGHT = 256;

/** How many archives a run copies at once (its lanes). */
export function archivesInFlight(concurrency: number): number {
  return Math.min(concurrency * ARCHIVES_PER_PART_SLOT, MAX_ARCHIVES_IN_FLIGHT);
}

/** How often a copy that lost its job's output starts a new job and goes on. */
const MAX_JOB_RESTARTS = 3;

export interface MigrationRunSetup {
  ctx: CopyContext & { state: MigrationState };
  r: RetrievalContext;
  target: S3Target | undefined;
  /** The destination directory when not S3. */
  dir: string;
  report: MigrationReport;
  progress: MigrateProgress;
  tell: () => void;
  plan: Plan;
  prefix: string;
  concurrency: number;
  signal: AbortSignal;
  local: AbortController;
  budget: number | undefined;
}

type Queued = { a: PlannedArchive; jobId: string };

export class MigrationRun {
  private readonly st: MigrationState;
  private readonly pacer: Pacer;
  private readonly keys = new IdTable();
  private readonly queue = new AsyncQueue<Queued>();
  private readonly starting = new Set<Promise<void>>();

  constructor(private readonly s: MigrationRunSetup) {
    this.st = s.ctx.state;
    this.pacer = new Pacer(s.budget);
  }

  async run(): Promise<MigrationReport> {
    const { report, progress, target } = this.s;
    // More archives than parts in flight: a small archive holds only its own bytes of the memory
    // bound (Slots), and copying it is mostly round trips (job output, PutObject, state), so several
    // per part slot keep the link busy; large archives simply wait for their parts' bytes.
    const lanes = Array.from({ length: archivesInFlight(this.s.concurrency) }, () => this.lane());
    const results = await Promise.allSettled([this.stageAll(), ...lanes]);
    const firstError = results.find((x) => x.status === 'rejected') as PromiseRejectedResult | undefined;
    if (firstError) {
      this.s.local.abort(firstError.reason);
      throw firstError.reason;
    }
    if (target) {
      const keep = new Set<string>();
      for (const id of this.st.inFlightIds()) {
        const u = this.st.inFlight(id)?.uploadId;
        if (u && this.st.stage(id) === Stage.Copying) keep.add(u);
      }
      report.uploadsAborted = await abortLeftoverUploads(this.s.ctx, target, this.s.prefix, this.keys, keep);
    }
    report.complete = report.failed === 0 && report.copied + report.alreadyDone === this.s.plan.summary.archives;
    progress.phase = 'done';
    this.s.tell();
    return report;
  }

  private async fail(a: PlannedArchive, err: unknown): Promise<void> {
    const { report, progress } = this.s;
    const reason = err instanceof Error ? err.message : String(err);
    report.failed++;
    progress.archivesFailed++;
    if (report.failures.length < MAX_LISTED_FAILURES) report.failures.push({ archiveId: a.archiveId, key: a.key, reason, code: (err as { code?: string })?.code });
    await this.st.record({ t: 'failed', id: a.archiveId, why: reason });
  }

  private async finish(a: PlannedArchive, res: CopyResult, earlier: boolean): Promise<void> {
    const { report, progress } = this.s;
    await this.st.record({ t: 'done', id: a.archiveId, key: a.key!, etag: res.etag, checksum: res.checksum, size: a.size });
    if (earlier) report.alreadyDone++;
    else {
      report.copied++;
      report.bytesCopied += a.size;
      report.copy.bytesCopied += a.size;
    }
    progress.archivesDone++;
    this.s.tell();
  }

  /** The destination already holds this archive (a run stopped after writing it): its result; 'conflict' when another object is there. */
  private async alreadyThere(a: PlannedArchive): Promise<CopyResult | 'conflict' | undefined> {
    const info = { archiveId: a.archiveId, key: a.key!, size: a.size, treeHash: a.treeHash };
    const { ctx, target, dir } = this.s;
    const e = target ? await existingObject(ctx, target, info) : await existingFile(ctx, dir, info);
    if (e.kind === 'other') {
      await this.fail(a, new Error(e.why));
      return 'conflict';
    }
    if (e.kind !== 'ours') return undefined;
    return 'etag' in e ? { etag: e.etag, checksum: e.checksum } : { etag: '', checksum: e.treeHash };
  }

  private async copyOne(a: PlannedArchive, jobId: string): Promise<void> {
    const { ctx, r, target, dir, signal, report } = this.s;
    try {
      const there = await this.alreadyThere(a);
      if (there === 'conflict') return;
      if (there) return await this.finish(a, there, true);
      for (let restarts = 0; ; restarts++) {
        jobId = await readyJob(r, a.archiveId, jobId);
        const c: CopyArchive = { archiveId: a.archiveId, key: a.key!, size: a.size, treeHash: a.treeHash, creationDate: a.creationDate, description: a.description, jobId };
        try {
          const res = target ? await copyToS3(ctx, target, c) : await copyToDir(ctx, dir, c);
          return await this.finish(a, res, false);
        } catch (err) {
          // The job's output went away mid-copy: a new job, and the parts S3 holds are kept.
          if (!(err instanceof JobNotFoundError) || restarts >= MAX_JOB_RESTARTS || signal.aborted) throw err;
          report.jobs.expired++;
          jobId = await startJob(r, a.archiveId);
        }
      }
    } catch (err) {
      if (signal.aborted) throw err;
      await this.fail(a, err);
    }
  }

  private async lane(): Promise<void> {
    for (let item = await this.queue.take(); item; item = await this.queue.take()) {
      const { a, jobId } = item;
      try {
        await this.copyOne(a, jobId);
      } finally {
        this.s.progress.staged--;
        this.pacer.release(a.size, this.st.stage(a.archiveId) === Stage.Done);
      }
    }
  }

  private async stageOne(a: PlannedArchive, recordedJob: string | undefined): Promise<void> {
    let jobId = recordedJob;
    try {
      if (!jobId) {
        // Not waited for: the job record after it is fsynced with it (group commit keeps order).
        this.st.record({ t: 'planned', id: a.archiveId, key: a.key!, size: a.size }).catch(() => undefined);
        jobId = await startJob(this.s.r, a.archiveId);
      }
    } catch (err) {
      this.s.progress.staged--;
      this.pacer.release(a.size, false);
      if (this.s.signal.aborted) throw err;
      await this.fail(a, err);
      return;
    }
    this.queue.push({ a, jobId });
  }

  private async stageAll(): Promise<void> {
    const { report, progress, signal } = this.s;
    try {
      for await (const a of this.s.plan.archives()) {
        signal.throwIfAborted();
        if (a.key) this.keys.set(a.key, 1);
        if (this.st.stage(a.archiveId) === Stage.Done) {
          report.alreadyDone++;
          progress.archivesDone++;
          progress.bytesDone += a.size;
          continue;
        }
        if (a.refused !== undefined) {
          await this.fail(a, new Error(`not copied: ${a.refused}`));
          continue;
        }
        const flight = this.st.inFlight(a.archiveId);
        await this.pacer.stage(a.size, signal, !flight?.jobId);
        progress.staged++;
        // InitiateJob calls overlap (up to `concurrency`): one round trip each would pace small archives.
        const staged = this.stageOne(a, flight?.jobId).finally(() => this.starting.delete(staged));
        staged.catch(() => undefined); // seen by the race or the final wait, never unhandled
        this.starting.add(staged);
        if (this.starting.size >= this.s.concurrency) await Promise.race(this.starting);
      }
      await Promise.all(this.starting);
    } finally {
      await Promise.allSettled(this.starting);
      this.queue.close();
    }
  }
}
