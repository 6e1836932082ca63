/**
 * syncDirectory: uploads a directory's new (and changed) files to a vault, recording each archive
 * in the catalog as soon as Glacier confirms it. Files of at most one part go up in ONE
 * UploadArchive request each, many at once; larger ones are multipart uploads with journals of
 * their own (resumable). All hashing happens in ONE HashPool. Stopping (the signal) leaves every
 * recorded file recorded and every multipart upload resumable: running again continues.
 */
import { setMaxListeners } from 'node:events';
import { createHash } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import { currentIdentity, identityDifference } from '../file-identity.js';
import { resolve, sep } from 'node:path';
import type { GlacierClient, GlacierClientConfig } from '@aws-sdk/client-glacier';
import { HashPool } from '../pool/index.js';
import { GlacierMultipartError } from '../errors.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, createGlacierClient } from '../glacier/client.js';
import { SourceChangedError } from '../glacier/errors.js';
import { readJournal } from '../glacier/upload/journal.js';
import { MultipartUpload } from '../glacier/upload/multipart-upload.js';
import { choosePartSize, checkVaultName, validatePartSize } from '../glacier/part-size.js';
import { cancelledError } from '../glacier/retry.js';
import { defaultHashThreads, uploadArchive, type UploadProgress } from '../glacier/upload/upload-archive.js';
import { Catalog, nowSeconds } from './catalog.js';
import { deleteArchive } from './delete-archive.js';
import { encodeDescription } from './descriptions.js';
import { DEFAULTS, InvalidOptionError, checkAccountId, checkLimit, checkOptionsObject, checkSignal } from '../options.js';
import { excludesDirectory, pathFilter } from './globs.js';
import { forEachLimit } from '../concurrency/index.js';
import { ConcurrencyProbe, forEachAdaptive } from './adaptive-concurrency.js';
import { parseShard, type Shard } from './shards.js';
import { uploadSmallFile } from './small-upload.js';
import { checkJournalDirWritable, removeIfEmpty } from './writable.js';
import { checkVaultIdentity } from './vault-identity.js';
import { checkIntents, finishIntents, openIntentLog, type SyncInventory } from './sync-intents.js';
import type { IntentLog } from './intents.js';
import { planSync, type ChangeDetection, type PlannedUpload, type SyncPlan } from './sync-plan.js';

export type { SyncOptions, SyncProgress, SyncedFile, SyncResult } from './sync-types.js';
import type { SyncOptions, SyncProgress, SyncedFile, SyncResult } from './sync-types.js';

/** Where the probe starts when `concurrency` is not given (and the fixed level of older versions). */
const DEFAULT_CONCURRENCY = 8;
/** The most one-request uploads in flight the probe goes to, and the memory their buffers may take. */
const MAX_PROBED_CONCURRENCY = 64;
const PROBED_BUFFER_BYTES = 256 * 1024 * 1024;
/** A restore's files in the making (see restore.ts): never synced. */
const RESTORE_TEMP = /\.glacier-restore(\.part|\.glacier-download\.json(\.lock(\.\w+\.(tmp|stale))?)?)?$/;
const DEFAULT_REQUEST_TIMEOUT = DEFAULTS.syncRequestTimeout;
/** Errors that concern one file only: it is reported and the sync goes on with the others. */
const FILE_ERRORS = new Set(['COMPLETE_ANSWER_LOST', 'SOURCE_CHANGED', 'DESCRIPTION_TOO_LONG', 'INVALID_CATALOG_PATH', 'EMPTY_ARCHIVE', 'CHECKSUM_MISMATCH', 'ENOENT', 'EACCES', 'EISDIR', 'ELOOP']);

function checkSyncOptions(o: SyncOptions): void {
  checkOptionsObject(o, 'syncDirectory', '{ dir, vaultName, catalog, ... }');
  if (typeof o.dir !== 'string' || o.dir === '') throw new InvalidOptionError('dir', 'dir must be the directory to sync.');
  checkVaultName(o.vaultName);
  if (o.catalog === undefined) throw new InvalidOptionError('catalog', 'catalog is missing: pass the catalog file of this vault (created when missing).');
  if (o.partSize !== undefined) validatePartSize(o.partSize);
  checkAccountId(o.accountId);
  checkLimit('syncConcurrency', o.concurrency);
  checkLimit('partConcurrency', o.partConcurrency);
  checkLimit('threads', o.threads);
  checkLimit('maxAttempts', o.maxAttempts);
  checkLimit('syncRequestTimeout', o.requestTimeout);
  checkSignal(o.signal);
  if (o.detect !== undefined && o.detect !== 'mtime' && o.detect !== 'treehash') {
    throw new InvalidOptionError('detect', `detect must be 'mtime' (size or mtime changed) or 'treehash', got ${JSON.stringify(o.detect)}.`);
  }
}

/** The idle timeout of the client sync makes: the usual one, or less when requestTimeout (a whole-request limit) is shorter. */
function clientIdleTimeout(requestTimeout: number | undefined): number {
  return Math.min(requestTimeout ?? DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS);
}

function errorCode(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  return typeof e?.code === 'string' ? e.code : '';
}

/** Where the multipart journal of a catalog path lives. */
export function journalPathFor(journalDir: string, path: string): string {
  return `${journalDir}${sep}${createHash('sha256').update(path, 'utf8').digest('hex').slice(0, 24)}.json`;
}

export async function syncDirectory(o: SyncOptions): Promise<SyncResult> {
  checkSyncOptions(o);
  const signal = o.signal;
  if (signal?.aborted) throw cancelledError(signal);
  const note = o.onNote ?? (() => undefined);
  const shard = typeof o.shard === 'string' ? parseShard(o.shard) : o.shard;
  const catalog = typeof o.catalog === 'string' ? await Catalog.open(o.catalog, { create: !o.dryRun, lock: !o.dryRun, onWarning: note }).catch((err) => {
    if (o.dryRun && (err as { code?: string }).code === 'CATALOG_ACCESS') return undefined;
    throw err;
  }) : o.catalog;
  const catalogPath = resolve(typeof o.catalog === 'string' ? o.catalog : o.catalog.path);
  const identity = { vaultName: o.vaultName, accountId: o.accountId ?? '-', ...o.vaultIdentity };
  await checkVaultIdentity(catalogPath, identity, { force: o.forceVault }).catch(async (err) => {
    if (typeof o.catalog === 'string') await catalog?.close();
    throw err;
  });
  const journalDir = resolve(o.journalDir ?? `${catalogPath}.journals`);
  const noneSet = !o.new && !o.replaceModified && !o.deleteRemoved;
  const modes = { new: o.new ?? noneSet, replaceModified: Boolean(o.replaceModified), deleteRemoved: Boolean(o.deleteRemoved) };
  let pool = o.pool;
  const ownPool = pool === undefined;
  const getPool = () => (pool ??= new HashPool({ threads: o.threads ?? defaultHashThreads() }));
  let intentLog: IntentLog | undefined;
  try {
    const intents = catalog ? await checkIntents(catalog, o.inventory, note, Boolean(o.dryRun)) : { pending: [], adopted: [] };
    const plan = await planSync({
      dir: o.dir, catalog: catalog ?? Catalog.empty(catalogPath), modes, detect: o.detect ?? 'mtime', filter: pathFilter(o.include, o.exclude), excludeDir: excludesDirectory(o.exclude), shard,
      skip: (abs) => abs === catalogPath || abs === journalDir || abs.startsWith(catalogPath + '.') || RESTORE_TEMP.test(abs), pool: getPool, signal, onNote: note,
    });
    if (signal?.aborted) throw cancelledError(signal);
    const result: SyncResult = { dryRun: Boolean(o.dryRun), plan, uploaded: [], deleted: [], failed: [], bytesUploaded: 0, concurrency: o.concurrency ?? DEFAULT_CONCURRENCY,
      adopted: intents.adopted, unresolvedIntents: intents.pending.length };
    if (o.dryRun) return result;
    if (plan.uploads.length === 0 && plan.deletions.length === 0) {
      await checkVaultIdentity(catalogPath, identity, { force: o.forceVault, record: true }).catch(() => undefined);
      return result;
    }
    // Before the first request: a catalog (or journal directory) that cannot be written would
    // leave every archive uploaded unrecorded.
    await catalog!.checkWritable();
    await checkVaultIdentity(catalogPath, identity, { force: o.forceVault, record: true });
    const multipart = plan.uploads.some((u) => u.file.size > (o.partSize ?? choosePartSize(u.file.size)));
    const journalDirExisted = await stat(journalDir).then(() => true, () => false);
    if (multipart) await checkJournalDirWritable(journalDir);
    const ownClient = o.client === undefined;
    // Like every client the library makes: SDK retries off, connect and idle timeouts, a quiet logger.
    const client = o.client ?? createGlacierClient({ clientConfig: o.clientConfig ?? {}, requestTimeout: clientIdleTimeout(o.requestTimeout) });
    try {
      intentLog = await openIntentLog(catalog!);
      await runSync({ o, plan, catalog: catalog!, client, pool: getPool(), journalDir, result, note, intents: intentLog });
    } finally {
      if (ownClient) client.destroy();
      // Made for this run's multipart journals: gone again once each upload finished.
      if (multipart && (!journalDirExisted || o.journalDir === undefined)) await removeIfEmpty(journalDir);
    }
    return result;
  } finally {
    if (ownPool && pool) await pool.destroy().catch(() => undefined);
    if (catalog) await finishIntents(intentLog, catalog, Boolean(o.dryRun));
    if (typeof o.catalog === 'string') await catalog?.close();
  }
}

interface RunContext {
  o: SyncOptions;
  plan: SyncPlan;
  catalog: Catalog;
  client: GlacierClient;
  pool: HashPool;
  journalDir: string;
  result: SyncResult;
  note: (message: string) => void;
  intents: IntentLog;
}

/**
 * Abort listeners one upload in flight may hold on the run's signal at once (hashing, the request,
 * its retry wait; with room to spare): many are expected, bounded by the concurrency, each removed
 * as its upload settles.
 */
const LISTENERS_PER_UPLOAD = 8;

async function runSync(ctx: RunContext): Promise<void> {
  const { o, plan, result, note } = ctx;
  const inner = new AbortController();
  const signal = o.signal ? AbortSignal.any([o.signal, inner.signal]) : inner.signal;
  let fatal: unknown;
  const progress: SyncProgress = {
    filesDone: 0, filesTotal: plan.uploads.length, bytesDone: 0, bytesTotal: plan.uploads.reduce((n, u) => n + u.file.size, 0),
    filesFailed: 0, retries: 0, done: false,
  };
  let last = 0;
  const report = (force = false) => {
    if (!o.onProgress || (!force && Date.now() - last < 100)) return;
    last = Date.now();
    o.onProgress({ ...progress });
  };
  const singleLimit = (size: number) => o.partSize ?? choosePartSize(size);
  const small = plan.uploads.filter((u) => u.file.size <= singleLimit(u.file.size));
  const large = plan.uploads.filter((u) => u.file.size > singleLimit(u.file.size));
  const stopped = () => fatal !== undefined || signal.aborted;

  const guard = async (u: PlannedUpload, work: () => Promise<SyncedFile>) => {
    try {
      const done = await work();
      result.uploaded.push(done);
      result.bytesUploaded += done.size;
      progress.filesDone++;
      report();
      await replaceOld(ctx, u, done, signal);
    } catch (err) {
      if (signal.aborted || stopped()) {
        fatal ??= err;
        return;
      }
      if (FILE_ERRORS.has(errorCode(err))) {
        progress.filesFailed++;
        result.failed.push({ path: u.file.path, error: err as Error });
        note(`${u.file.path}: not uploaded: ${(err as Error).message}`);
        report();
        return;
      }
      fatal = err;
      inner.abort(err);
    }
  };

  const maxSmall = small.reduce((m, u) => Math.max(m, u.file.size), 0);
  // Unless told, the small files' concurrency follows the link (see adaptive-concurrency.ts), each
  // level holding one buffer per upload in flight.
  const probe = o.concurrency !== undefined ? new ConcurrencyProbe(o.concurrency, o.concurrency)
    : new ConcurrencyProbe(DEFAULT_CONCURRENCY, Math.max(DEFAULT_CONCURRENCY, Math.min(MAX_PROBED_CONCURRENCY, Math.floor(PROBED_BUFFER_BYTES / Math.max(maxSmall, 1)))));
  setMaxListeners(LISTENERS_PER_UPLOAD * (probe.ceiling + (o.partConcurrency ?? DEFAULTS.partConcurrency) + 2), signal);
  const smallLane = forEachAdaptive(small, probe, (() => {
    const buffers: Uint8Array[] = [];
    return async (u: PlannedUpload) => {
      // One shared buffer per lane worker, reused file after file; the pool reads it in place.
      const buffer = buffers.pop() ?? new Uint8Array(new SharedArrayBuffer(maxSmall));
      try {
        await guard(u, async () => {
          const description = encodeDescription(u.file.path, Math.floor(u.file.mtimeMs / 1000));
          const r = await uploadSmallFile({
            client: ctx.client, pool: ctx.pool, vaultName: o.vaultName, accountId: o.accountId ?? '-', file: u.file, description, buffer, signal,
            maxAttempts: o.maxAttempts ?? DEFAULTS.maxAttempts, requestTimeout: o.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT, onRetry: () => progress.retries++,
            // Recorded (fsynced) before the request: a kill after Glacier creates the archive leaves a trace
            // (as does a stop that cancels the request after it was sent).
            beforeSend: (treeHash) => ctx.intents.record({ path: u.file.path, size: u.file.size, mtime: Math.floor(u.file.mtimeMs / 1000), treeHash, time: nowSeconds() }),
          });
          await ctx.catalog.recordCreated({ archiveId: r.archiveId, path: u.file.path, size: u.file.size, mtime: Math.floor(u.file.mtimeMs / 1000), treeHash: r.treeHash });
          progress.bytesDone += u.file.size;
          return { path: u.file.path, archiveId: r.archiveId, size: u.file.size, treeHash: r.treeHash, multipart: false };
        });
      } finally {
        buffers.push(buffer);
      }
    };
  })(), stopped);
  const largeLane = forEachLimit(large, 1, (u) => guard(u, () => uploadLarge(ctx, u, signal, progress, report)), stopped);
  await Promise.all([smallLane, largeLane]);
  result.concurrency = probe.limit;
  if (!stopped()) {
    await forEachLimit(plan.deletions, 4, async (d) => {
      for (const a of d.archives) {
        try {
          await deleteArchive({ client: ctx.client, vaultName: o.vaultName, accountId: o.accountId, archiveId: a.archiveId, catalog: ctx.catalog, path: d.path, signal, maxAttempts: o.maxAttempts });
          result.deleted.push({ path: d.path, archiveId: a.archiveId });
          note(`deleted archive of removed file ${d.path}`);
        } catch (err) {
          fatal ??= err;
          inner.abort(err);
          return;
        }
      }
    }, stopped);
  }
  progress.done = fatal === undefined && !signal.aborted;
  report(true);
  if (o.signal?.aborted) throw cancelledError(o.signal, fatal);
  if (fatal !== undefined) throw fatal;
}

/** After a modified file's new archive is recorded, its old archives go. */
async function replaceOld(ctx: RunContext, u: PlannedUpload, done: SyncedFile, signal: AbortSignal): Promise<void> {
  for (const old of u.replaces) {
    if (old.archiveId === done.archiveId) continue;
    await deleteArchive({ client: ctx.client, vaultName: ctx.o.vaultName, accountId: ctx.o.accountId, archiveId: old.archiveId, catalog: ctx.catalog, path: u.file.path, signal, maxAttempts: ctx.o.maxAttempts });
    ctx.result.deleted.push({ path: u.file.path, archiveId: old.archiveId });
  }
}

/**
 * A file of several parts: uploadArchive with a journal of its own, so a stopped or killed run
 * resumes it. A journal left by an earlier run for an older version of the file is dropped (its
 * upload aborted) and the file starts over.
 */
async function uploadLarge(ctx: RunContext, u: PlannedUpload, signal: AbortSignal, progress: SyncProgress, report: () => void): Promise<SyncedFile> {
  const { o } = ctx;
  const journal = journalPathFor(ctx.journalDir, u.file.path);
  const changed = identityDifference(u.file.identity, await currentIdentity(u.file.absolute));
  if (changed) throw new SourceChangedError(u.file.absolute, `${changed} after the directory was scanned`);
  const mtime = Math.floor(u.file.mtimeMs / 1000);
  const description = encodeDescription(u.file.path, mtime);
  let counted = 0;
  const attempt = () => uploadArchive({
    vaultName: o.vaultName, accountId: o.accountId, source: u.file.absolute, description, client: ctx.client, pool: ctx.pool,
    partSize: o.partSize ?? 'auto', concurrency: o.partConcurrency ?? DEFAULTS.partConcurrency, journal, signal, maxAttempts: o.maxAttempts, leavePartsOnError: true,
    onProgress: (p: UploadProgress) => {
      const now = p.bytesUploaded + p.bytesSkipped;
      progress.bytesDone += now - counted;
      counted = now;
      report();
    },
  });
  await mkdir(ctx.journalDir, { recursive: true });
  // The journal goes once Glacier completes the upload, before CREATED: the intent covers that gap.
  await ctx.intents.record({ path: u.file.path, size: u.file.size, mtime, time: nowSeconds() });
  let r;
  try {
    r = await attempt();
  } catch (err) {
    if (errorCode(err) === 'COMPLETE_ANSWER_LOST') {
      // The archive very likely exists: its tree hash is known now, so a later run (or catalog
      // reconcile) given an inventory adopts exactly it. The file is reported, the others go on.
      await ctx.intents.record({ path: u.file.path, size: u.file.size, mtime, treeHash: (err as { treeHash: string }).treeHash, time: nowSeconds() });
      throw err;
    }
    if (err instanceof SourceChangedError) {
      // Checked before any request: the journal is of an earlier version of this file.
      ctx.note(`${u.file.path} changed since an earlier run began uploading it: starting it over`);
      await dropUpload(ctx, journal, undefined, signal);
      r = await attempt();
    } else {
      // UploadFailedError keeps its own code; the cause says the file changed (then the upload is dropped).
      const cause = (err as { cause?: unknown }).cause;
      if (errorCode(cause) === 'SOURCE_CHANGED') {
        await dropUpload(ctx, journal, (err as { uploadId?: string }).uploadId, signal);
        throw cause;
      }
      throw err;
    }
  }
  await ctx.catalog.recordCreated({ archiveId: r.archiveId, path: u.file.path, size: r.archiveSize, mtime, treeHash: r.checksum });
  progress.bytesDone += u.file.size - counted;
  return { path: u.file.path, archiveId: r.archiveId, size: r.archiveSize, treeHash: r.checksum, multipart: true };
}

/** Aborts a multipart upload nobody will finish (best effort) and removes its journal. */
async function dropUpload(ctx: RunContext, journal: string, uploadId: string | undefined, signal: AbortSignal): Promise<void> {
  const id = uploadId ?? (await readJournal(journal).catch(() => undefined))?.header.uploadId;
  if (id) {
    try {
      const up = await MultipartUpload.resume({ client: ctx.client, vaultName: ctx.o.vaultName, accountId: ctx.o.accountId, uploadId: id, signal });
      await up.abort();
    } catch (err) {
      if (!(err instanceof GlacierMultipartError)) ctx.note(`could not abort upload ${id}: ${(err as Error).message} (it expires after 24 hours)`);
    }
  }
  await rm(journal, { force: true });
}
