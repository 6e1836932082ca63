import { resolve } from 'node:path';
import { connect } from '../client.js';
import { CliUsageError } from '../errors.js';
import { EXIT_INTERRUPTED, type Context } from '../output.js';
import type { ProgressMode } from '../progress.js';
import { formatSize } from '../size.js';
import { checkVaultName } from './manage.js';
import { createDownloadView, formatDuration } from './download-progress.js';
import { downloadCommandLine, nextCommand, parseRange, parseTier } from './retrieval-args.js';
import type { DownloadFlags } from '../definitions/vault.js';

const MiB = 1024 * 1024;

/** Everything checkable before a request: which job, where to, and the numbers. */
async function checkDownloadOptions(ctx: Context, opts: DownloadFlags) {
  const vaultName = checkVaultName(opts.vault);
  if (Boolean(opts.jobId) === Boolean(opts.archiveId)) {
    throw new CliUsageError('download needs exactly one of --job-id J (a job started with retrieve) or --archive-id A (a job is started for it).');
  }
  if (opts.jobId && (opts.tier !== undefined || opts.range !== undefined)) {
    throw new CliUsageError('--tier and --range start a new job: use them with --archive-id, not with --job-id (the job has its own).');
  }
  const tier = parseTier(opts.tier);
  const range = parseRange(opts.range);
  if (opts.chunkSize !== undefined) {
    const { checkChunkSize } = await import('../../glacier/download/chunk-plan.js');
    try {
      checkChunkSize(opts.chunkSize);
    } catch (err) {
      throw new CliUsageError(`--chunk-size: ${(err as Error).message}`, 'INVALID_CHUNK_SIZE');
    }
  }
  const toStdout = opts.out === '-';
  if (toStdout && ctx.io.stdout.isTTY) {
    throw new CliUsageError('--out - writes the archive to stdout, which is a terminal here: redirect it (> file, | tar x) or pass --out FILE.');
  }
  return { vaultName, tier, range, toStdout };
}

/** `download`: waits for the job (spinner), downloads verified chunks (bar), prints size, tree hash and MiB/s. */
export async function downloadCommand(ctx: Context, opts: DownloadFlags): Promise<number> {
  const { vaultName, tier, range, toStdout } = await checkDownloadOptions(ctx, opts);
  const out = toStdout ? undefined : resolve(opts.out);
  const { client, conn } = await connect(opts, ctx.log);
  const { downloadArchive, defaultHashThreads, DownloadCancelledError, JobNotCompleteError, JobNotFoundError, JobWaitTimeoutError } = await import('../../glacier/index.js');
  const { HashPool } = await import('../../pool/index.js');
  const pool = new HashPool({ engine: opts.engine, threads: opts.threads ?? defaultHashThreads() });
  const mode: ProgressMode = opts.json && !toStdout ? 'none' : opts.progress;
  const view = createDownloadView(ctx.io, mode, toStdout ? 'stdout' : opts.out);
  // The summary goes where the data does not.
  const say = toStdout ? ctx.note : ctx.out;
  let jobId: string | undefined = opts.jobId;
  let announced = false;
  const started = performance.now();
  // The rate counts the transfer, not the hours a job may take.
  let transferStarted: number | undefined;
  let waitedMs = 0;
  ctx.log(`endpoint ${conn.endpoint ?? '(AWS default)'}, region ${conn.region}`);
  try {
    const result = await downloadArchive({
      vaultName,
      accountId: opts.accountId,
      ...(opts.jobId ? { jobId: opts.jobId } : { archiveId: opts.archiveId, ...(tier ? { tier } : {}), ...(range ? { range } : {}) }),
      destination: out ?? ctx.io.stdout,
      ...(opts.chunkSize ? { chunkSize: opts.chunkSize } : {}),
      ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
      ...(opts.maxAttempts ? { maxAttempts: opts.maxAttempts } : {}),
      ...(opts.requestTimeout ? { requestTimeout: opts.requestTimeout } : {}),
      ...(typeof opts.journal === 'string' ? { journal: opts.journal } : {}),
      wait: opts.wait === false ? false : { ...(opts.pollInterval ? { pollInterval: opts.pollInterval } : {}) },
      overwrite: Boolean(opts.overwrite),
      client,
      pool,
      signal: ctx.signal,
      onProgress: (p) => {
        if (p.jobId && !announced && !opts.jobId) {
          announced = true;
          jobId = p.jobId;
          if (mode !== 'none') {
            view.stop();
            ctx.note(`retrieval job ${p.jobId}${out ? `; if interrupted, continue with: ${downloadCommandLine(ctx, vaultName, p.jobId, opts.out, opts)}` : ''}`);
          }
        }
        if (p.phase === 'downloading') transferStarted ??= performance.now();
        waitedMs = p.waitedMs;
        view.update(p);
      },
    });
    view.stop();
    const seconds = (performance.now() - (transferStarted ?? started)) / 1000;
    const mibps = result.bytesFetched / MiB / Math.max(seconds, 1e-3);
    if (opts.json) {
      const summary = JSON.stringify({ vaultName, ...result, seconds: round(seconds), waitedSeconds: round(waitedMs / 1000), mibPerSecond: round(mibps), engine: pool.engine, threads: pool.threads }, null, 2);
      if (toStdout) ctx.note(summary);
      else ctx.out(summary);
      return 0;
    }
    say(`saved:        ${out ?? 'stdout'}`);
    say(`size:         ${formatSize(result.size)} (${result.size} bytes)${range || result.range.first !== 0 ? `, archive bytes ${result.range.first}-${result.range.last}` : ''}`);
    say(`tree hash:    ${result.treeHash}`);
    say(`verified:     ${result.verificationNote}`);
    say(`chunks:       ${result.chunks} of ${formatSize(result.chunkSize)} (${result.chunksFetched} fetched${result.chunksResumed ? `, ${result.chunksResumed} kept from an earlier run` : ''}${result.retries ? `, ${result.retries} re-fetched` : ''})`);
    say(`job id:       ${result.jobId}`);
    say(`throughput:   ${mibps.toFixed(1)} MiB/s over ${seconds.toFixed(1)} s (hashing: ${pool.engine}, ${pool.threads} thread${pool.threads === 1 ? '' : 's'})` +
      `${waitedMs ? `, after waiting ${formatDuration(waitedMs)} for the job` : ''}`);
    return 0;
  } catch (err) {
    view.stop();
    const e = err as Error & { jobId?: string; journal?: string };
    jobId = e.jobId ?? jobId;
    if (ctx.signal.aborted || err instanceof DownloadCancelledError) {
      if (jobId && out) {
        ctx.note(`interrupted: ${e.journal ? `the journal ${e.journal} keeps the verified chunks; ` : ''}continue with: ${downloadCommandLine(ctx, vaultName, jobId, opts.out, opts)}`);
      } else if (jobId) {
        ctx.note(`interrupted; the job ${jobId} stays available: ${downloadCommandLine(ctx, vaultName, jobId, undefined, opts)}`);
      } else {
        ctx.note('interrupted before a retrieval job was started; nothing to continue');
      }
      return EXIT_INTERRUPTED;
    }
    if ((err instanceof JobNotCompleteError || err instanceof JobWaitTimeoutError) && jobId) {
      ctx.note(`the job keeps running at Glacier; download it later with: ${downloadCommandLine(ctx, vaultName, jobId, opts.out === '-' ? '-' : opts.out, opts)}`);
    }
    if (err instanceof JobNotFoundError && (e as { archiveId?: string }).archiveId) {
      const archiveId = (e as { archiveId?: string }).archiveId!;
      const tier = opts.tier !== undefined ? ['--tier', String(opts.tier)] : [];
      // With --archive-id, download starts a new job for the journal's bytes and keeps its verified chunks.
      ctx.note(err.keptChunks && opts.out
        ? `start a new retrieval job and continue (keeping the ${err.keptChunks} verified chunks) with: ` +
          nextCommand(ctx, ['download', '--vault', vaultName, '--archive-id', archiveId, ...tier, '--out', opts.out], opts)
        : `start a new retrieval job with: ${nextCommand(ctx, ['retrieve', '--vault', vaultName, '--archive-id', archiveId, ...tier], opts)}`);
    }
    throw err;
  } finally {
    await pool.destroy();
    client.destroy();
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

