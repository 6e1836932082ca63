// upload/resume's journal handling: where the journal lives, whether it fits this file, --restart.
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { connect } from '../client.js';
import { CliFailure, CliUsageError } from '../errors.js';
import { shellQuote, type Context } from '../output.js';
import type { JournalHeader } from '../../glacier/index.js';
import { identityChange, identityOf, type FileIdentity } from '../../file-identity.js';
import { formatSize } from '../size.js';
import { commandLine, connectionArgs } from '../next-step.js';
import type { ResumeFlags, UploadFlags } from '../definitions/transfer.js';

export /** What upload and resume share: resume's flags, plus the ones only upload has (a resume from a journal takes them from it). */
type TransferFlags = Omit<ResumeFlags, 'journal'> & Partial<Pick<UploadFlags, 'description' | 'partSize' | 'restart' | 'journal'>>;

/** A missing or unreadable file is reported before any request starts an upload. */
export async function checkSourceFile(path: string): Promise<FileIdentity> {
  let info;
  try {
    info = await stat(path, { bigint: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliUsageError(code === 'ENOENT' ? `${path}: no such file; check the path.` : `${path}: cannot read it (${code}).`, 'SOURCE_NOT_FOUND');
  }
  if (!info.isFile()) throw new CliUsageError(`${path} is not a regular file: upload a file, or pipe data to '-'.`, 'SOURCE_NOT_FILE');
  return identityOf(resolve(path), info);
}

/**
 * Where `upload <file>` keeps its journal unless told: beside the file, or, when that directory is
 * not writable (a snapshot, a read-only mount), in the user's state directory
 * ($XDG_STATE_HOME or ~/.local/state)/glacier-multipart/journals, named after the file's absolute
 * path so that running the same upload again finds it. A journal already beside the file wins.
 */
export async function defaultJournalPath(file: string): Promise<string> {
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

export interface Job {
  /** A file path, or '-' for stdin. */
  source: string;
  vaultName: string;
  journal?: string;
  /** True when the journal is the default one for the file (no --journal needed to find it again). */
  defaultJournal?: boolean;
  uploadId?: string;
  description?: string;
  resuming: boolean;
  /** The header of the journal this run continues, if any. */
  header?: JournalHeader;
}

/** The journal's header, or undefined when there is none yet. */
export async function journalHeaderOf(path: string): Promise<{ header: JournalHeader; parts: number } | undefined> {
  const { readJournal } = await import('../../glacier/index.js');
  const state = await readJournal(path);
  return state ? { header: state.header, parts: state.parts.size } : undefined;
}

/** Connection options the journal recorded fill in those not given (explicit options win). */
export function reconnectFrom(header: JournalHeader, opts: TransferFlags, ctx: Context): void {
  if (opts.endpoint === undefined && header.connection?.endpoint) opts.endpoint = header.connection.endpoint;
  if (opts.region === undefined && header.connection?.region) opts.region = header.connection.region;
  if (opts.accountId === '-' || opts.accountId === undefined) opts.accountId = header.accountId;
  ctx.log(`journal: reconnecting to ${opts.endpoint ?? '(AWS default)'}, region ${opts.region ?? '(default)'}, account ${opts.accountId}`);
}

/**
 * An existing journal must be for this file, unchanged, and for the same part size and
 * description: checked before any request, each with the exact command that goes on from here.
 */
export async function checkJournalFor(ctx: Context, job: Job, header: JournalHeader, opts: TransferFlags): Promise<void> {
  const j = shellQuote(job.journal!);
  if (header.file && job.source !== '-') {
    const now = await checkSourceFile(job.source);
    // A journal of another path is refused by the uploader ("belongs to another file"), before any request.
    if (resolve(header.file.path) !== resolve(job.source)) return;
    // Another size cannot be the same archive; a file only touched since is re-hashed by the
    // uploader, which then sends just the parts that differ.
    if (identityChange(header.file, now)?.field === 'size') {
      throw new CliFailure((`${job.source} changed since upload ${header.uploadId} started (the journal ${job.journal} recorded ` +
        `${header.file.size} bytes, now it has ${now.size}): its parts are stale. Start over (this aborts that upload and deletes the journal) with: ` +
        `${restartCommand(ctx, job, header, opts)}`), 'SOURCE_CHANGED');
    }
  } else if (header.file && job.source === '-') {
    throw new CliUsageError(`the journal ${job.journal} belongs to the file ${header.file.path}, not to stdin: resume with: ${commandLine(ctx, ['resume', '--journal', job.journal!], connectionArgs(opts))}`);
  }
  if (opts.partSize !== undefined && opts.partSize !== 'auto' && opts.partSize !== header.partSize) {
    throw new CliUsageError(`the journal ${j} records --part-size ${formatSize(header.partSize).replace(' ', '')} for upload ${header.uploadId}, not ${formatSize(opts.partSize).replace(' ', '')}: ` +
      `drop --part-size to resume it, or start over with --restart.`, 'RESUME_MISMATCH');
  }
  if (job.description !== undefined && job.description !== (header.description ?? '')) {
    throw new CliUsageError(`the journal ${j} records --description ${JSON.stringify(header.description ?? '')} for upload ${header.uploadId}, not ${JSON.stringify(job.description)}: ` +
      `drop --description to resume it (Glacier keeps the description an upload started with), or start over with --restart.`, 'RESUME_MISMATCH');
  }
}

export function restartCommand(ctx: Context, job: Job, header: Pick<JournalHeader, 'description'> | undefined, opts: TransferFlags): string {
  const description = job.description ?? header?.description;
  return commandLine(ctx, [
    'upload', job.source, '--vault', job.vaultName,
    ...(job.journal && !job.defaultJournal ? ['--journal', job.journal] : []),
    ...(description ? ['--description', description] : []),
    '--restart',
  ], connectionArgs(opts));
}

/** --restart: abort the journal's upload if it is still open, delete the journal. */
export async function restart(ctx: Context, job: Job, header: JournalHeader, opts: TransferFlags): Promise<void> {
  const { client } = await connect({ endpoint: opts.endpoint, region: opts.region, endpointCheck: opts.endpointCheck }, ctx);
  const { MultipartUpload, UploadNotFoundError } = await import('../../glacier/index.js');
  try {
    const upload = await MultipartUpload.resume({ client, vaultName: header.vaultName, accountId: header.accountId, uploadId: header.uploadId, maxAttempts: opts.maxAttempts, signal: ctx.signal });
    await upload.abort();
    ctx.note(`--restart: aborted multipart upload ${header.uploadId}`);
  } catch (err) {
    if (!(err instanceof UploadNotFoundError)) throw err;
    ctx.note(`--restart: upload ${header.uploadId} was already gone (aborted, expired or completed)`);
  } finally {
    client.destroy();
  }
  await rm(job.journal!, { force: true });
  ctx.note(`--restart: deleted the journal ${job.journal}; starting over`);
}

/**
 * The journal of `upload`, when it exists. One that cannot be read (damaged, of another version)
 * is refused with the one command that starts over; with --restart it is deleted (the upload it
 * may have started, unknown, is left to expire).
 */
export async function readableJournal(ctx: Context, job: Job, opts: TransferFlags): Promise<{ header: JournalHeader; parts: number } | undefined> {
  try {
    return await journalHeaderOf(job.journal!);
  } catch (err) {
    if ((err as { code?: string }).code !== 'INVALID_JOURNAL' || !(await exists(job.journal!))) throw err;
    const why = (err as Error).message.replace(/\. (Resume|Delete|Pass) .*$/s, '');
    if (!opts.restart) {
      throw new CliFailure(`${why}: it cannot be used. Start over with: ${restartCommand(ctx, job, undefined, opts)}`, 'INVALID_JOURNAL');
    }
    await rm(job.journal!, { force: true });
    ctx.note(`--restart: deleted the unreadable journal ${job.journal}; an upload it may have started is left to expire (list them with: ${commandLine(ctx, ['uploads', '--vault', job.vaultName], connectionArgs(opts))})`);
    return undefined;
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

