/**
 * migrateVault: a vault's archives into S3 (or a directory), verified, paced, resumable, sharded.
 * The plan streams from the inventory; a staging loop starts retrieval jobs as the pacer allows and
 * queues them; `concurrency` lanes copy archives, all their parts sharing `concurrency` chunk
 * buffers. Every step is in the state file first, so a rerun continues where a run stopped.
 * Nothing is ever deleted from the vault.
 */
import { resolve as resolvePath } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { createGlacierClient } from '../glacier/client.js';
import { DEFAULT_MAX_ATTEMPTS } from '../glacier/retry.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../glacier/client.js';
import { JobNotFoundError } from '../glacier/download/download-errors.js';
import { HashPool } from '../pool/pool.js';
import { lockJournal } from '../lock-file.js';
import { MiB } from '../glacier/part-size.js';
import { copyToDir, existingFile } from './copy-to-dir.js';
import { copyToS3, existingObject, useUnsignedPayload, type S3Target } from './copy-to-s3.js';
import type { CopyArchive, CopyContext, CopyResult } from './copy-context.js';
import { IdTable } from './id-table.js';
import { abortLeftoverUploads } from './leftovers.js';
import { preparePlan, type Prepared } from './prepare.js';
import { checkMigrateOptions, defaultStatePath, isS3, shardText, type MigrateProgress, type MigrateVaultOptions } from './options.js';
import { Pacer } from './pacing.js';
import type { PlannedArchive } from './plan.js';
import { AsyncQueue } from './queue.js';
import { MAX_LISTED_FAILURES, type MigrationReport } from './report.js';
import { DEFAULT_OUTPUT_TTL_MS, DEFAULT_RENEW_BEFORE_MS, readyJob, startJob, type RetrievalContext } from './retrieval.js';
import { Slots } from './slots.js';
import { MigrationState, Stage } from './state.js';

const DEFAULT_CHUNK = 16 * MiB;
const DEFAULT_CONCURRENCY = 4;
/** How often a copy that lost its job's output starts a new job and goes on. */
const MAX_JOB_RESTARTS = 3;

export async function migrateVault(o: MigrateVaultOptions): Promise<MigrationReport> {
  const shard = checkMigrateOptions(o);
  const dest = o.destination;
  const statePath = o.state ?? defaultStatePath(o.vaultName, shard);
  const accountId = o.accountId ?? '-';
  const notes: string[] = [];
  const note = (n: string) => {
    notes.push(n);
    o.onNote?.(n);
  };
  const client = o.client ?? createGlacierClient(o.clientConfig ?? {});
  const s3 = isS3(dest) ? dest.client ?? new S3Client(dest.clientConfig ?? {}) : undefined;
  const pool = o.pool ?? new HashPool(o.threads !== undefined ? { threads: o.threads } : {});
  const local = new AbortController();
  const signal = o.signal ? AbortSignal.any([o.signal, local.signal]) : local.signal;
  let state: MigrationState | undefined;
  let prepared: Prepared | undefined;
  let unlock: (() => Promise<void>) | undefined;
  try {
    prepared = await preparePlan(o, shard, client, statePath, signal, note);
    const { plan, prefix, destination } = prepared;
    const report: MigrationReport = {
      vaultName: o.vaultName, destination, shard: shardText(shard), stateFile: resolvePath(statePath), dryRun: Boolean(o.dryRun), plan: plan.summary,
      copied: 0, bytesCopied: 0, alreadyDone: 0, failed: 0, failures: [], complete: false,
      jobs: { started: 0, renewed: 0, expired: 0, expeditedFallbacks: 0 },
      copy: { bytesFetched: 0, bytesCopied: 0, partsUploaded: 0, partsSkipped: 0, retries: 0 }, uploadsAborted: 0, notes,
    };
    if (o.dryRun) return report;
    // One run per state file: two would copy the same archives and spoil each other's records.
    unlock = await lockJournal(statePath);
    state = await MigrationState.open(statePath);
    const st = state;
    if (st.header && (st.header.vault !== o.vaultName || st.header.destination !== destination || st.header.shard !== report.shard)) {
      const { MigrationStateError } = await import('./errors.js');
      throw new MigrationStateError(statePath, `${statePath} records a migration of vault ${st.header.vault} (shard ${st.header.shard}) to ${st.header.destination}, not this one: pass another --state.`);
    }
    if (!st.header) await st.record({ t: 'plan', vault: o.vaultName, shard: report.shard, destination, at: new Date().toISOString() });
    const chunkSize = o.chunkSize ?? DEFAULT_CHUNK;
    const concurrency = o.concurrency ?? DEFAULT_CONCURRENCY;
    const maxAttempts = o.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    const progress: MigrateProgress = { phase: 'copying', archivesTotal: plan.summary.archives, archivesDone: 0, archivesFailed: 0, bytesTotal: plan.summary.bytes, bytesDone: 0, staged: 0 };
    const tell = () => o.onProgress?.({ ...progress });
    const ctx: CopyContext = {
      client, pool, vaultName: o.vaultName, accountId, maxAttempts, stallTimeout: o.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT_MS,
      state: st, slots: new Slots(concurrency, chunkSize), chunkSize, stats: report.copy, signal,
      onBytes: (n) => {
        progress.bytesDone += n;
        tell();
      },
    };
    const r: RetrievalContext = {
      client, vaultName: o.vaultName, accountId, maxAttempts, signal, state: st, tier: { current: o.tier ?? 'Bulk' },
      outputTtlMs: o.window?.outputTtlMs ?? DEFAULT_OUTPUT_TTL_MS, renewBeforeMs: o.window?.renewBeforeMs ?? DEFAULT_RENEW_BEFORE_MS,
      pollInterval: o.wait?.pollInterval, waitTimeout: o.wait?.timeout, counters: report.jobs, onNote: note, now: () => Date.now(),
    };
    const target: S3Target | undefined = s3 && isS3(dest) ? { s3, bucket: dest.bucket, storageClass: dest.storageClass ?? 'DEEP_ARCHIVE' } : undefined;
    if (target) useUnsignedPayload(target.s3);
    const dir = isS3(dest) ? '' : resolvePath(dest.dir);
    const pacer = new Pacer(o.budget?.maxBytesPerDay);
    const keys = new IdTable();
    const queue = new AsyncQueue<{ a: PlannedArchive; jobId: string }>();

    const fail = async (a: PlannedArchive, err: unknown) => {
      const reason = err instanceof Error ? err.message : String(err);
      report.failed++;
      progress.archivesFailed++;
      if (report.failures.length < MAX_LISTED_FAILURES) report.failures.push({ archiveId: a.archiveId, key: a.key, reason, code: (err as { code?: string })?.code });
      await st.record({ t: 'failed', id: a.archiveId, why: reason });
    };
    const finish = async (a: PlannedArchive, res: CopyResult, earlier: boolean) => {
      await st.record({ t: 'done', id: a.archiveId, key: a.key!, etag: res.etag, checksum: res.checksum, size: a.size });
      if (earlier) report.alreadyDone++;
      else {
        report.copied++;
        report.bytesCopied += a.size;
        report.copy.bytesCopied += a.size;
      }
      progress.archivesDone++;
      tell();
    };
    /** The destination already holds this archive (a run stopped after writing it): done; else undefined. */
    const alreadyThere = async (a: PlannedArchive): Promise<CopyResult | 'conflict' | undefined> => {
      const info = { archiveId: a.archiveId, key: a.key!, size: a.size, treeHash: a.treeHash };
      if (target) {
        const e = await existingObject(ctx, target, info);
        if (e.kind === 'ours') return { etag: e.etag, checksum: e.checksum };
        if (e.kind === 'other') {
          await fail(a, new Error(e.why));
          return 'conflict';
        }
        return undefined;
      }
      const e = await existingFile(ctx, dir, info);
      if (e.kind === 'ours') return { etag: '', checksum: e.treeHash };
      if (e.kind === 'other') {
        await fail(a, new Error(e.why));
        return 'conflict';
      }
      return undefined;
    };

    const copyOne = async (a: PlannedArchive, jobId: string) => {
      try {
        const there = await alreadyThere(a);
        if (there === 'conflict') return;
        if (there) return await finish(a, there, true);
        for (let restarts = 0; ; restarts++) {
          jobId = await readyJob(r, a.archiveId, jobId);
          const c: CopyArchive = { archiveId: a.archiveId, key: a.key!, size: a.size, treeHash: a.treeHash, creationDate: a.creationDate, description: a.description, jobId };
          try {
            const res = target ? await copyToS3(ctx, target, c) : await copyToDir(ctx, dir, c);
            return await finish(a, res, false);
          } catch (err) {
            // The job's output went away mid-copy: a new job, and the parts S3 holds are kept.
            if (!(err instanceof JobNotFoundError) || restarts >= MAX_JOB_RESTARTS || signal.aborted) throw err;
            report.jobs.expired++;
            jobId = await startJob(r, a.archiveId);
          }
        }
      } catch (err) {
        if (signal.aborted) throw err;
        await fail(a, err);
      }
    };

    const lanes = Array.from({ length: concurrency }, async () => {
      for (let item = await queue.take(); item; item = await queue.take()) {
        const { a, jobId } = item;
        try {
          await copyOne(a, jobId);
        } finally {
          progress.staged--;
          pacer.release(a.size, st.stage(a.archiveId) === Stage.Done);
        }
      }
    });

    const starting = new Set<Promise<void>>();
    const stageOne = async (a: PlannedArchive, recordedJob: string | undefined) => {
      let jobId = recordedJob;
      try {
        if (!jobId) {
          // Not waited for: the job record after it is fsynced with it (group commit keeps order).
          st.record({ t: 'planned', id: a.archiveId, key: a.key!, size: a.size }).catch(() => undefined);
          jobId = await startJob(r, a.archiveId);
        }
      } catch (err) {
        progress.staged--;
        pacer.release(a.size, false);
        if (signal.aborted) throw err;
        await fail(a, err);
        return;
      }
      queue.push({ a, jobId });
    };
    const stageAll = async () => {
      try {
        for await (const a of plan.archives()) {
          signal.throwIfAborted();
          if (a.key) keys.set(a.key, 1);
          const stage = st.stage(a.archiveId);
          if (stage === Stage.Done) {
            report.alreadyDone++;
            progress.archivesDone++;
            progress.bytesDone += a.size;
            continue;
          }
          if (a.refused !== undefined) {
            await fail(a, new Error(`not copied: ${a.refused}`));
            continue;
          }
          const flight = st.inFlight(a.archiveId);
          await pacer.stage(a.size, signal, !flight?.jobId);
          progress.staged++;
          // InitiateJob calls overlap (up to `concurrency`): one round trip each would pace small archives.
          const staged = stageOne(a, flight?.jobId).finally(() => starting.delete(staged));
          staged.catch(() => undefined); // seen by the race or the final wait, never unhandled
          starting.add(staged);
          if (starting.size >= concurrency) await Promise.race(starting);
        }
        await Promise.all(starting);
      } finally {
        await Promise.allSettled(starting);
        queue.close();
      }
    };

    const keep = new Set<string>();
    const staging = stageAll();
    const results = await Promise.allSettled([staging, ...lanes]);
    const firstError = results.find((x) => x.status === 'rejected') as PromiseRejectedResult | undefined;
    if (firstError) {
      local.abort(firstError.reason);
      throw firstError.reason;
    }
    if (target) {
      for (const id of st.inFlightIds()) {
        const u = st.inFlight(id)?.uploadId;
        if (u && st.stage(id) === Stage.Copying) keep.add(u);
      }
      report.uploadsAborted = await abortLeftoverUploads(ctx, target, prefix, keys, keep);
    }
    report.complete = report.failed === 0 && report.copied + report.alreadyDone === plan.summary.archives;
    progress.phase = 'done';
    tell();
    return report;
  } finally {
    await state?.close();
    await unlock?.();
    await prepared?.close();
    if (!o.client) client.destroy();
    if (s3 && isS3(dest) && !dest.client) s3.destroy();
    if (!o.pool) await pool.destroy();
  }
}
