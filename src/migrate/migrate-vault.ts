/**
 * migrateVault: a vault's archives into S3 (or a directory), verified, paced, resumable, sharded.
 * The plan streams from the inventory; a staging loop starts retrieval jobs as the pacer allows and
 * queues them; `concurrency` lanes copy archives, all their parts sharing `concurrency` chunk
 * buffers. Every step is in the state file first, so a rerun continues where a run stopped.
 * Nothing is ever deleted from the vault.
 */
import { setMaxListeners } from 'node:events';
import { resolve as resolvePath } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { createGlacierClient } from '../glacier/client.js';
import { DEFAULT_MAX_ATTEMPTS } from '../glacier/retry.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../glacier/client.js';
import { HashPool } from '../pool/pool.js';
import { lockJournal } from '../lock-file.js';
import { MiB } from '../glacier/part-size.js';
import { ABORT_LISTENERS_PER_REQUEST, type CopyContext } from './copy-context.js';
import { useUnsignedPayload, type S3Target } from './copy-to-s3.js';
import { archivesInFlight, MigrationRun } from './migration-run.js';
import { preparePlan, type Prepared } from './prepare.js';
import type { MigrationReport } from './report.js';
import { DEFAULT_OUTPUT_TTL_MS, DEFAULT_RENEW_BEFORE_MS, type RetrievalContext } from './retrieval.js';
import { MigrationState } from './state.js';
import { checkMigrateOptions, defaultStatePath, isS3, shardText, type MigrateProgress, type MigrateVaultOptions } from './options.js';
import { Slots } from './slots.js';

const DEFAULT_CHUNK = 16 * MiB;
const DEFAULT_CONCURRENCY = 4;

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
      throw new MigrationStateError(statePath, `${statePath} records a migration of vault ${st.header.vault} (shard ${st.header.shard}) to ${st.header.destination}, not this one: use another state file.`);
    }
    if (!st.header) await st.record({ t: 'plan', vault: o.vaultName, shard: report.shard, destination, at: new Date().toISOString() });
    const chunkSize = o.chunkSize ?? DEFAULT_CHUNK;
    const concurrency = o.concurrency ?? DEFAULT_CONCURRENCY;
    const maxAttempts = o.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    // Every archive and part in flight listens on the run's signal: Node's default of 10 listeners
    // would print a leak warning that is none at --concurrency 4 (16 archives at once).
    setMaxListeners(ABORT_LISTENERS_PER_REQUEST * (archivesInFlight(concurrency) + concurrency + 4), signal, local.signal);
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
    return await new MigrationRun({ ctx, r, target, dir, report, progress, tell, plan, prefix, concurrency, signal, local, budget: o.budget?.maxBytesPerDay }).run();
  } finally {
    await state?.close();
    await unlock?.();
    await prepared?.close();
    if (!o.client) client.destroy();
    if (s3 && isS3(dest) && !dest.client) s3.destroy();
    if (!o.pool) await pool.destroy();
  }
}
