import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { connect } from '../client.js';
import { CliFailure, CliUsageError } from '../errors.js';
import { EXIT_FAILURE, EXIT_INTERRUPTED, formatError, shellQuote, type Context } from '../output.js';
import { createProgress, type ProgressMode, type ProgressSample } from '../progress.js';
import type { JournalHeader, UploadProgress } from '../../glacier/index.js';
import { formatSize, plural } from '../size.js';
import { checkVaultName } from './manage.js';
import { commandLine, connectionArgs } from '../next-step.js';
import type { ResumeFlags, UploadFlags } from '../definitions/transfer.js';
import {
  checkJournalFor, checkSourceFile, defaultJournalPath, exists, journalHeaderOf, readableJournal, reconnectFrom, restart, restartCommand,
  type Job, type TransferFlags,
} from './upload-journal.js';

export { checkSourceFile } from './upload-journal.js';

const MiB = 1024 * 1024;

/** Validates what the uploader would reject anyway, so bad arguments are usage errors (exit 2). */
async function checkUploadOptions(opts: TransferFlags): Promise<void> {
  const { validatePartSize, validateDescription } = await import('../../glacier/index.js');
  const asUsage = (flag: string, fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      throw new CliUsageError(`${flag}: ${(err as Error).message}`, (err as { code?: string }).code);
    }
  };
  if (opts.partSize !== undefined && opts.partSize !== 'auto') asUsage('--part-size', () => validatePartSize(opts.partSize));
  if (opts.description !== undefined) asUsage('--description', () => validateDescription(opts.description));
}

export async function uploadCommand(ctx: Context, file: string, opts: UploadFlags): Promise<number> {
  const vaultName = checkVaultName(opts.vault);
  await checkUploadOptions(opts);
  const stdin = file === '-';
  if (stdin && process.stdin.isTTY) {
    throw new CliUsageError(`upload - reads the archive from stdin, which is a terminal here: pipe the data in (e.g. tar c dir | ${ctx.self} upload - --vault V) or name a file.`);
  }
  if (opts.restart && opts.journal === false) throw new CliUsageError('--restart starts over from a journal: it cannot go with --no-journal.');
  // A journal needs a file to read the parts from again; stdin gets one only when asked for.
  if (!stdin) await checkSourceFile(file);
  const explicit = typeof opts.journal === 'string';
  const journal = opts.journal === false ? undefined : explicit ? opts.journal : stdin ? undefined : await defaultJournalPath(file);
  const job: Job = { source: file, vaultName, journal, defaultJournal: !explicit, description: opts.description, resuming: false };
  const found = journal !== undefined ? await readableJournal(ctx, job, opts) : undefined;
  if (found) {
    if (opts.restart) {
      reconnectFrom(found.header, opts, ctx);
      await restart(ctx, job, found.header, opts);
    } else {
      await checkJournalFor(ctx, job, found.header, opts);
      reconnectFrom(found.header, opts, ctx);
      job.resuming = true;
      job.header = found.header;
      ctx.note(`found journal ${journal}: resuming upload ${found.header.uploadId} (${plural(found.parts, 'part')} recorded; --restart starts over)`);
    }
  }
  return runUpload(ctx, job, opts);
}

export async function resumeCommand(ctx: Context, file: string | undefined, opts: ResumeFlags): Promise<number> {
  if (typeof opts.journal === 'string') {
    const found = await journalHeaderOf(opts.journal);
    if (!found) {
      throw new CliUsageError(`journal ${opts.journal} does not exist: pass the journal an upload wrote (by default <file>.glacier-journal.json), or resume with <file> --vault V --upload-id ID.`, 'JOURNAL_NOT_FOUND');
    }
    const { header } = found;
    // A stream's journal has no file: its bytes come again on stdin.
    const source = file ?? header.file?.path ?? (process.stdin.isTTY ? undefined : '-');
    const vaultName = opts.vault ?? header.vaultName;
    if (!source) {
      throw new CliUsageError(`journal ${opts.journal} records an upload from stdin: pipe the same bytes in again, e.g. … | ${commandLine(ctx, ['resume', '-', '--journal', opts.journal], connectionArgs(opts))}`);
    }
    checkVaultName(vaultName);
    const job: Job = { source, vaultName, journal: opts.journal, resuming: true, header };
    if (source !== '-') await checkSourceFile(source);
    await checkJournalFor(ctx, job, header, opts);
    reconnectFrom(header, opts, ctx);
    ctx.log(`journal ${opts.journal}: upload ${header.uploadId} to vault ${vaultName}, ${plural(found.parts, 'part')} recorded`);
    return runUpload(ctx, job, opts);
  }
  if (!file || !opts.vault || !opts.uploadId) {
    throw new CliUsageError(`resume needs either --journal <file>, or <file> --vault <name> --upload-id <id> ('-' as <file> reads the same bytes again from stdin; see: ${ctx.self} uploads --vault <name>).`);
  }
  const vaultName = checkVaultName(opts.vault);
  if (file === '-') {
    if (process.stdin.isTTY) {
      throw new CliUsageError(`resume - reads the archive again from stdin, which is a terminal here: pipe the same bytes in (e.g. … | ${ctx.self} resume - --vault ${vaultName} --upload-id ${opts.uploadId}).`);
    }
    return runUpload(ctx, { source: '-', vaultName, uploadId: opts.uploadId, resuming: true }, opts);
  }
  await checkSourceFile(file);
  // Keep a journal from here on, so a second interruption resumes the same way.
  return runUpload(ctx, { source: file, vaultName, uploadId: opts.uploadId, journal: `${file}.glacier-journal.json`, resuming: true }, opts);
}

/** The progress bar's view of the uploader's progress events. */
export function sampleOf(p: UploadProgress): ProgressSample {
  const sent = p.bytesUploaded + (p.bytesInFlight ?? 0);
  return {
    bytes: sent + p.bytesSkipped,
    moved: sent,
    totalBytes: p.totalBytes,
    parts: p.partsDone,
    totalParts: p.partsTotal,
  };
}

/** The command that continues an upload left open, as it must be pasted. */
function resumeLine(ctx: Context, job: Job, uploadId: string, opts: TransferFlags): string {
  const conn = connectionArgs(opts);
  if (job.source === '-') {
    const cmd = commandLine(ctx, ['resume', '-', ...(job.journal ? ['--journal', job.journal] : ['--vault', job.vaultName, '--upload-id', uploadId])], conn);
    return `pipe the same bytes in again: … | ${cmd}`;
  }
  return job.journal ? commandLine(ctx, ['resume', '--journal', job.journal], conn) : commandLine(ctx, ['resume', job.source, '--vault', job.vaultName, '--upload-id', uploadId], conn);
}

function abortLine(ctx: Context, job: Job, uploadId: string, opts: TransferFlags): string {
  return commandLine(ctx, ['abort', '--vault', job.vaultName, '--upload-id', uploadId], connectionArgs(opts));
}

/** What can be done with an upload after this failure. */
type Outcome = 'resume' | 'abort' | 'restart' | 'none';

function outcomeOf(err: unknown): Outcome {
  // UploadFailedError keeps its own code (UPLOAD_FAILED): what failed is its cause's.
  const root = rootOf(err) as Error & { code?: unknown; archiveId?: string };
  const code = root.code;
  if (root.archiveId) return 'none'; // Complete went through: an archive exists, no upload is left.
  if (code === 'COMPLETE_ANSWER_LOST') return 'none'; // the archive very likely exists: its message says how to find it
  switch (code) {
    case 'UPLOAD_NOT_FOUND': return 'restart';
    case 'SOURCE_CHANGED': case 'RESUME_MISMATCH': case 'TOO_MANY_PARTS': case 'EMPTY_ARCHIVE': case 'CHECKSUM_MISMATCH':
      return 'abort';
    case 'VAULT_NOT_FOUND': case 'INVALID_OPTION': case 'INVALID_DESCRIPTION': case 'INVALID_PART_SIZE': case 'CLI_USAGE':
      return 'none';
    default: return 'resume';
  }
}

/** The underlying error of an UploadFailedError (whose own message speaks the library's language). */
function rootOf(err: unknown): Error {
  const e = err as Error & { cause?: unknown };
  return e.name === 'UploadFailedError' && e.cause instanceof Error ? e.cause : e;
}

async function runUpload(ctx: Context, job: Job, opts: TransferFlags): Promise<number> {
  const { client, conn } = await connect({ endpoint: opts.endpoint, region: opts.region, requestTimeout: opts.requestTimeout, endpointCheck: opts.endpointCheck }, ctx);
  const { uploadArchive, defaultHashThreads } = await import('../../glacier/index.js');
  const { HashPool } = await import('../../pool/index.js');
  const stdin = job.source === '-';
  // What the printed commands repeat: every connection option this run used (the region too, so a
  // resume from another shell, without this one's AWS_REGION, reaches the same place).
  const next = { ...opts, endpoint: conn.endpoint, region: conn.region };
  const pool = new HashPool({ engine: opts.engine, threads: opts.threads ?? defaultHashThreads() });
  const mode: ProgressMode = opts.json ? 'none' : opts.progress;
  const progress = createProgress(ctx.io, mode, stdin ? 'stdin' : basename(job.source));
  const started = performance.now();
  let announced: string | undefined;
  let last: UploadProgress | undefined;
  // Ctrl-C: the bar goes at once, so nothing redraws it over "stopping…" or the outcome below it.
  const endProgress = () => progress.end();
  ctx.signal.addEventListener('abort', endProgress, { once: true });
  if (job.journal) ctx.log(`journal ${job.journal}`);
  ctx.log(`endpoint ${conn.endpoint ?? '(AWS default)'}, region ${conn.region}`);
  try {
    const result = await uploadArchive({
      vaultName: job.vaultName,
      accountId: opts.accountId,
      source: stdin ? process.stdin : job.source,
      ...(job.description !== undefined && !job.resuming ? { description: job.description } : {}),
      ...(opts.partSize !== undefined && !job.resuming ? { partSize: opts.partSize } : {}),
      ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
      ...(opts.maxAttempts ? { maxAttempts: opts.maxAttempts } : {}),
      ...(opts.verify ? { verify: true } : {}),
      ...(opts.force ? { force: true } : {}),
      ...(job.uploadId ? { uploadId: job.uploadId } : {}),
      ...(job.journal ? { journal: job.journal } : {}),
      connection: { ...(conn.endpoint ? { endpoint: conn.endpoint } : {}), region: conn.region },
      client,
      pool,
      signal: ctx.signal,
      // uploadArchive owns the abort-or-keep policy; by default a failed or interrupted upload stays resumable.
      leavePartsOnError: !opts.abortOnError,
      leavePartsOnCancel: !opts.abortOnInterrupt,
      onProgress: (p) => {
        last = p;
        if (p.uploadId && p.uploadId !== announced) {
          announced = p.uploadId;
          if (!opts.json) {
            progress.stop();
            ctx.note(`upload id ${p.uploadId}; ${opts.abortOnInterrupt ? 'Ctrl-C aborts it (--abort-on-interrupt)' : `if interrupted, ${stdin ? '' : 'resume with: '}${resumeLine(ctx, job, p.uploadId, next)}`}`);
          }
        }
        progress.update(sampleOf(p));
      },
    });
    progress.end();
    const seconds = (performance.now() - started) / 1000;
    const bytesSkipped = last?.bytesSkipped ?? 0;
    const bytesSent = result.archiveSize - bytesSkipped;
    // Throughput of what went over the wire in this run: skipped parts cost nothing to "send".
    const mibps = bytesSent / MiB / seconds;
    if (opts.json) {
      ctx.json({
        vaultName: job.vaultName, ...result, bytesSent, bytesSkipped, seconds: round(seconds), mibPerSecond: round(mibps),
        engine: pool.engine, threads: pool.threads,
      });
    } else {
      ctx.out(`archive id:  ${result.archiveId}`);
      ctx.out(`tree hash:   ${result.checksum}`);
      ctx.out(`size:        ${formatSize(result.archiveSize)} in ${plural(result.partCount, 'part')} of ${formatSize(result.partSize)}`);
      ctx.out(`location:    ${result.location}`);
      ctx.out(`sent:        ${plural(result.uploadedParts, 'part')}, ${formatSize(bytesSent)}`);
      if (result.skippedParts) ctx.out(`skipped:     ${plural(result.skippedParts, 'part')}, ${formatSize(bytesSkipped)} (already held by Glacier)`);
      ctx.out(`throughput:  ${mibps.toFixed(1)} MiB/s sent over ${seconds.toFixed(1)} s (hashing: ${pool.engine}, ${plural(pool.threads, 'thread')})`);
    }
    return 0;
  } catch (err) {
    progress.end();
    return await reportFailure(ctx, job, err, { uploadId: announced, next, opts });
  } finally {
    ctx.signal.removeEventListener('abort', endProgress);
    await pool.destroy();
    client.destroy();
  }
}

interface FailureContext {
  uploadId: string | undefined;
  next: TransferFlags;
  opts: TransferFlags;
}

/**
 * After a failed or interrupted upload, say what happened and one next step that works: resume
 * (with the exact command), abort (when the upload cannot be resumed), or start over. Never two
 * contradicting ones.
 */
async function reportFailure(ctx: Context, job: Job, err: unknown, f: FailureContext): Promise<number> {
  // uploadArchive applied --abort-on-error / --abort-on-interrupt: its error says what became of the upload.
  const e = err as Error & { uploadId?: string; aborted?: boolean; abortError?: unknown };
  const uploadId = e.uploadId ?? f.uploadId ?? job.uploadId ?? (job.journal ? (await journalHeaderOf(job.journal).catch(() => undefined))?.header.uploadId : undefined);
  const interrupted = ctx.signal.aborted;
  const root = rootOf(err);
  // Refused before attaching to the upload (a mismatch found from the journal): the upload itself
  // is untouched and may well be resumable with the right file, so no abort advice then.
  const attached = e.uploadId !== undefined || f.uploadId !== undefined;
  const found = interrupted ? 'resume' : outcomeOf(e);
  const outcome = found === 'abort' && !attached ? 'none' : found;
  const aborted = Boolean(e.aborted);
  // A stream past 10,000 parts is aborted whatever the flags say: only name the flag when it decided.
  const byFlag = aborted && (interrupted ? Boolean(f.opts.abortOnInterrupt) : Boolean(f.opts.abortOnError)) &&
    (root as { code?: unknown }).code !== 'TOO_MANY_PARTS';
  const abortFailure = e.abortError === undefined ? undefined
    : e.abortError instanceof Error ? e.abortError.message : String(e.abortError);
  const flag = interrupted ? '--abort-on-interrupt' : '--abort-on-error';
  const what = interrupted ? 'interrupted' : formatError(root, false, { self: ctx.self, endpoint: ctx.endpoint }).replace(/^glacier-multipart: /, '').replace(/\.$/, '');
  let step: string;
  if (uploadId === undefined) {
    step = interrupted ? 'before the upload started; nothing to resume' : '';
  } else if (uploadId === '' && interrupted) {
    // Stopped while InitiateMultipartUpload was unanswered: the pending journal finds the upload, if one was made.
    step = `InitiateMultipartUpload had not been answered; if it created an upload, resume finds it${job.source === '-' ? '' : ': resume with:'} ${resumeLine(ctx, job, uploadId, f.next)}`;
  } else if (aborted) {
    step = `multipart upload ${uploadId} was aborted${byFlag ? ` (${flag})` : ''} and its parts deleted`;
  } else if (abortFailure !== undefined) {
    step = `aborting multipart upload ${uploadId} failed too (${abortFailure}); abort it later with: ${abortLine(ctx, job, uploadId, f.next)}`;
  } else if (outcome === 'restart') {
    step = notFoundStep(ctx, job, uploadId, f);
  } else if (outcome === 'abort') {
    step = `upload ${uploadId} cannot be resumed with this ${job.source === '-' ? 'data' : 'file'}: abort it with: ${abortLine(ctx, job, uploadId, f.next)}` +
      (job.journal && job.source !== '-' ? ` (or start over with --restart, which aborts it: ${restartCommand(ctx, job, job.header, f.next)})` : '');
  } else if (outcome === 'resume') {
    step = `upload ${uploadId} is left open${interrupted ? ' and resumable' : ''}; ${job.source === '-' ? '' : 'resume with: '}${resumeLine(ctx, job, uploadId, f.next)}`;
  } else {
    step = '';
  }
  if (outcome === 'restart' && !aborted) {
    ctx.note(`glacier-multipart: ${step}`);
  } else {
    ctx.note(`glacier-multipart: ${what}${step ? `${interrupted ? ': ' : '. '}${step}` : ''}`);
  }
  if (ctx.debug) ctx.note(formatError(err, true));
  return interrupted ? EXIT_INTERRUPTED : EXIT_FAILURE;
}

/** An upload id Glacier does not know: a wrong connection is as likely as an expired upload. */
function notFoundStep(ctx: Context, job: Job, uploadId: string, f: FailureContext): string {
  const where = `${ctx.endpoint ?? 'the AWS endpoint'}${f.next.region ? `, region ${f.next.region}` : ''}, account ${f.opts.accountId ?? '-'}`;
  const again = job.source === '-'
    ? `start over with: … | ${commandLine(ctx, ['upload', '-', '--vault', job.vaultName], connectionArgs(f.next))}`
    : job.journal ? `start over with: ${restartCommand(ctx, job, job.header, f.next)}` : `start over with: ${commandLine(ctx, ['upload', job.source, '--vault', job.vaultName], connectionArgs(f.next))}`;
  return `multipart upload ${uploadId} was not found in vault ${job.vaultName} (${where}). If that is the wrong endpoint, region or account, ` +
    `run again with the right --endpoint, --region or --account-id; otherwise it was aborted, expired (24 h without activity) or completed, and cannot be resumed: ${again}`;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
