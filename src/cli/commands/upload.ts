import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { connect } from '../client.js';
import { CliUsageError } from '../errors.js';
import { EXIT_INTERRUPTED, shellQuote, type Context } from '../output.js';
import { createProgress, type ProgressMode, type ProgressSample } from '../progress.js';
import type { UploadProgress } from '../../glacier/index.js';
import { formatSize } from '../size.js';
import { checkVaultName } from './manage.js';

const MiB = 1024 * 1024;

/** Validates what the uploader would reject anyway, so bad arguments are usage errors (exit 2). */
async function checkUploadOptions(opts: Record<string, any>): Promise<void> {
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

/** A missing or unreadable file is reported before any request starts an upload. */
async function checkSourceFile(path: string): Promise<number> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliUsageError(code === 'ENOENT' ? `${path}: no such file; check the path.` : `${path}: cannot read it (${code}).`, 'SOURCE_NOT_FOUND');
  }
  if (!info.isFile()) throw new CliUsageError(`${path} is not a regular file: upload a file, or pipe data to '-'.`, 'SOURCE_NOT_FILE');
  return info.size;
}

/**
 * Where `upload <file>` keeps its journal unless told: beside the file, or, when that directory is
 * not writable (a snapshot, a read-only mount), in the user's state directory
 * ($XDG_STATE_HOME or ~/.local/state)/glacier-multipart/journals, named after the file's absolute
 * path so that running the same upload again finds it. A journal already beside the file wins.
 */
async function defaultJournalPath(file: string): Promise<string> {
  const beside = `${file}.glacier-journal.json`;
  if (await exists(beside)) return beside;
  try {
    await access(dirname(resolve(beside)), constants.W_OK);
    return beside;
  } catch {
    const state = process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
    const dir = join(state, 'glacier-multipart', 'journals');
    await mkdir(dir, { recursive: true });
    const id = createHash('sha256').update(resolve(file)).digest('hex').slice(0, 16);
    return join(dir, `${basename(file)}-${id}.glacier-journal.json`);
  }
}

interface Job {
  source: string;
  vaultName: string;
  journal?: string;
  uploadId?: string;
  description?: string;
  resuming: boolean;
}

export async function uploadCommand(ctx: Context, file: string, opts: Record<string, any>): Promise<number> {
  const vaultName = checkVaultName(opts.vault);
  await checkUploadOptions(opts);
  const stdin = file === '-';
  if (stdin && process.stdin.isTTY) {
    throw new CliUsageError("upload - reads the archive from stdin, which is a terminal here: pipe the data in (e.g. tar c dir | glacier-multipart upload - --vault V) or name a file.");
  }
  // A journal needs a file to read the parts from again; stdin gets one only when asked for.
  if (!stdin) await checkSourceFile(file);
  const journal = opts.journal === false ? undefined : typeof opts.journal === 'string' ? opts.journal : stdin ? undefined : await defaultJournalPath(file);
  const resuming = journal !== undefined && (await exists(journal));
  if (resuming) ctx.note(`found journal ${journal}: resuming that upload (delete the journal to start over)`);
  return runUpload(ctx, { source: file, vaultName, journal, description: opts.description, resuming }, opts);
}

export async function resumeCommand(ctx: Context, file: string | undefined, opts: Record<string, any>): Promise<number> {
  if (typeof opts.journal === 'string') {
    const { readJournal } = await import('../../glacier/index.js');
    const state = await readJournal(opts.journal);
    if (!state) {
      throw new CliUsageError(`journal ${opts.journal} does not exist: pass the journal an upload wrote (by default <file>.glacier-journal.json), or resume with <file> --vault V --upload-id ID.`, 'JOURNAL_NOT_FOUND');
    }
    const { header } = state;
    const source = file ?? header.file?.path;
    const vaultName = opts.vault ?? header.vaultName;
    if (!source) {
      throw new CliUsageError(`journal ${opts.journal} records an upload from a stream, not a file: pass the same data as a file, e.g. resume <file> --journal ${shellQuote(opts.journal)}.`);
    }
    checkVaultName(vaultName);
    await checkSourceFile(source);
    if (opts.accountId === '-') opts.accountId = header.accountId;
    ctx.log(`journal ${opts.journal}: upload ${header.uploadId} to vault ${vaultName}, ${state.parts.size} parts recorded`);
    return runUpload(ctx, { source, vaultName, journal: opts.journal, resuming: true }, opts);
  }
  if (!file || !opts.vault || !opts.uploadId) {
    throw new CliUsageError('resume needs either --journal <file>, or <file> --vault <name> --upload-id <id> (see: glacier-multipart uploads --vault <name>).');
  }
  const vaultName = checkVaultName(opts.vault);
  await checkSourceFile(file);
  // Keep a journal from here on, so a second interruption resumes the same way.
  return runUpload(ctx, { source: file, vaultName, uploadId: opts.uploadId, journal: `${file}.glacier-journal.json`, resuming: true }, opts);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** The progress bar's view of the uploader's progress events. */
export function sampleOf(p: UploadProgress): ProgressSample {
  return {
    bytes: p.bytesUploaded + p.bytesSkipped,
    moved: p.bytesUploaded,
    totalBytes: p.totalBytes,
    parts: p.partsDone,
    totalParts: p.partsTotal,
  };
}

async function runUpload(ctx: Context, job: Job, opts: Record<string, any>): Promise<number> {
  const { client, conn } = await connect({ endpoint: opts.endpoint, region: opts.region, requestTimeout: opts.requestTimeout }, ctx.log);
  const { uploadArchive, defaultHashThreads } = await import('../../glacier/index.js');
  const { HashPool } = await import('../../pool/index.js');
  const stdin = job.source === '-';
  const pool = new HashPool({ engine: opts.engine, threads: opts.threads ?? defaultHashThreads() });
  const mode: ProgressMode = opts.json ? 'none' : opts.progress;
  const progress = createProgress(ctx.io, mode, stdin ? 'stdin' : basename(job.source));
  const started = performance.now();
  let announced: string | undefined;
  if (job.journal) ctx.log(`journal ${job.journal}`);
  ctx.log(`endpoint ${conn.endpoint ?? '(AWS default)'}, region ${conn.region}`);
  try {
    const result = await uploadArchive({
      vaultName: job.vaultName,
      accountId: opts.accountId,
      source: stdin ? process.stdin : job.source,
      ...(job.description !== undefined ? { description: job.description } : {}),
      ...(opts.partSize !== undefined ? { partSize: opts.partSize } : {}),
      ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
      ...(opts.maxAttempts ? { maxAttempts: opts.maxAttempts } : {}),
      ...(opts.verify ? { verify: true } : {}),
      ...(opts.force ? { force: true } : {}),
      ...(job.uploadId ? { uploadId: job.uploadId } : {}),
      ...(job.journal ? { journal: job.journal } : {}),
      client,
      pool,
      signal: ctx.signal,
      // uploadArchive owns the abort-or-keep policy; the flags only choose it.
      leavePartsOnError: !opts.abortOnError,
      leavePartsOnCancel: !opts.abortOnInterrupt,
      onProgress: (p) => {
        if (p.uploadId && p.uploadId !== announced) {
          announced = p.uploadId;
          if (!opts.json) {
            progress.stop();
            ctx.note(`upload id ${p.uploadId}${job.journal ? `; if interrupted, resume with: glacier-multipart resume --journal ${shellQuote(job.journal)}` : ''}`);
          }
        }
        progress.update(sampleOf(p));
      },
    });
    progress.stop();
    const seconds = (performance.now() - started) / 1000;
    const mibps = result.archiveSize / MiB / seconds;
    if (opts.json) {
      ctx.json({ vaultName: job.vaultName, ...result, seconds: round(seconds), mibPerSecond: round(mibps), engine: pool.engine, threads: pool.threads });
    } else {
      ctx.out(`archive id:  ${result.archiveId}`);
      ctx.out(`tree hash:   ${result.checksum}`);
      ctx.out(`size:        ${formatSize(result.archiveSize)} in ${result.partCount} parts of ${formatSize(result.partSize)}`);
      ctx.out(`location:    ${result.location}`);
      ctx.out(`parts sent:  ${result.uploadedParts}${result.skippedParts ? ` (${result.skippedParts} already held by Glacier were skipped)` : ''}`);
      ctx.out(`throughput:  ${mibps.toFixed(1)} MiB/s over ${seconds.toFixed(1)} s (hashing: ${pool.engine}, ${pool.threads} threads)`);
    }
    return 0;
  } catch (err) {
    progress.stop();
    const e = err as Error & { uploadId?: string; journal?: string; aborted?: boolean };
    const uploadId = e.uploadId ?? announced ?? job.uploadId;
    const interrupted = ctx.signal.aborted;
    const abortIt = interrupted ? Boolean(opts.abortOnInterrupt) : Boolean(opts.abortOnError);
    if (e.aborted && uploadId) ctx.note(`aborted multipart upload ${uploadId}`);
    if (interrupted) {
      if (!abortIt && uploadId) {
        const how = job.journal ? `glacier-multipart resume --journal ${shellQuote(job.journal)}` : `glacier-multipart resume ${shellQuote(job.source)} --vault ${job.vaultName} --upload-id ${uploadId}`;
        ctx.note(`interrupted: upload ${uploadId} is left open and resumable; continue with: ${how}`);
      } else if (!uploadId) {
        ctx.note('interrupted before the upload started; nothing to resume');
      }
      return EXIT_INTERRUPTED;
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
