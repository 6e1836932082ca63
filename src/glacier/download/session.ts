import type { GlacierClient } from '@aws-sdk/client-glacier';
import { GlacierMultipartError } from '../../errors.js';
import { DEFAULT_CHUNK_SIZE, planChunks, type OutputChunk } from './chunk-plan.js';
import { DownloadCancelledError, DownloadJournalError, InvalidDownloadOptionError, JobNotFoundError } from './download-errors.js';
import { DOWNLOAD_JOURNAL_FORMAT, DOWNLOAD_JOURNAL_VERSION, DownloadJournalWriter, readDownloadJournal, type DownloadJournalState, type VerifiedChunk } from './download-journal.js';
import { checkWait, describeJob, jobKind, initiateRetrievalJob, requireCompletedJob, waitForJob, type RetrievalJob } from './jobs.js';
import type { DownloadArchiveOptions, DownloadProgress, Pool } from './download-archive.js';
import { DEFAULT_MAX_ATTEMPTS } from '../retry.js';

const PROGRESS_INTERVAL_MS = 100;

export class Progress {
  readonly p: DownloadProgress = {
    phase: 'starting', jobId: undefined, jobStatus: undefined, waitedMs: 0, totalBytes: undefined, bytesDone: 0, bytesFetched: 0,
    chunksTotal: undefined, chunksVerified: 0, chunksResumed: 0, retries: 0, done: false,
  };
  private last = 0;
  constructor(private readonly cb: ((p: DownloadProgress) => void) | undefined) {}
  changed(force = false): void {
    if (!this.cb) return;
    const now = Date.now();
    if (!force && now - this.last < PROGRESS_INTERVAL_MS) return;
    this.last = now;
    this.cb({ ...this.p });
  }
}

/** Everything the download of one job's output needs. */
export interface Session {
  o: DownloadArchiveOptions;
  client: GlacierClient;
  pool: Pool;
  accountId: string;
  signal: AbortSignal;
  progress: Progress;
  maxAttempts: number;
  requestTimeout: number;
  journalPath: string | undefined;
  journal: DownloadJournalWriter | undefined;
  job: RetrievalJob;
  chunks: OutputChunk[];
  chunkSize: number;
  verified: Map<number, VerifiedChunk>;
  retries: number;
  byGlacier: number;
}

export function cancelled(s: { signal?: AbortSignal }, jobId: string | undefined, journal: string | undefined, cause?: unknown): DownloadCancelledError {
  return new DownloadCancelledError({ jobId, journal, cause: cause ?? s.signal?.reason });
}

export interface SessionDeps {
  client: GlacierClient;
  pool: Pool;
  signal: AbortSignal;
  progress: Progress;
  requestTimeout: number;
  journalPath: string | undefined;
  partFile: string | undefined;
}

function sameBytes(state: DownloadJournalState, job: RetrievalJob): boolean {
  const h = state.header;
  // A hash recorded while a job ran may be missing; where both are known they must agree.
  return h.archiveId === job.archiveId && h.rangeFirst === job.range?.first && h.rangeLast === job.range?.last
    && (!h.archiveTreeHash || !job.archiveTreeHash || h.archiveTreeHash === job.archiveTreeHash);
}

/** The journal (if any) and the job: started, or taken from the caller or the journal, and waited for. */
export async function openSession(o: DownloadArchiveOptions, d: SessionDeps): Promise<Session> {
  const accountId = o.accountId ?? '-';
  const maxAttempts = o.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const target = { client: d.client, vaultName: o.vaultName, accountId, signal: d.signal, maxAttempts };
  const state = d.journalPath ? await readDownloadJournal(d.journalPath) : undefined;
  if (state && (state.header.vaultName !== o.vaultName || (o.archiveId !== undefined && state.header.archiveId !== o.archiveId))) {
    throw new DownloadJournalError(d.journalPath!,
      `The journal ${d.journalPath} belongs to archive ${state.header.archiveId} in vault "${state.header.vaultName}", not to this download: ` +
      `delete it, or download to another destination.`);
  }
  if (state && !o.jobId && (o.range ? o.range.first !== state.header.rangeFirst || o.range.last !== state.header.rangeLast : state.header.rangeFirst !== 0)) {
    throw new DownloadJournalError(d.journalPath!,
      `The journal ${d.journalPath} continues a download of archive bytes ${state.header.rangeFirst}-${state.header.rangeLast}, not ` +
      `${o.range ? `${o.range.first}-${o.range.last}` : 'the whole archive'}: pass the same range, delete the journal, or download to another destination.`);
  }
  const p = d.progress.p;
  let jobId = o.jobId ?? state?.header.jobId;
  if (!jobId) {
    ({ jobId } = await initiateRetrievalJob({ ...target, archiveId: o.archiveId!, tier: o.tier, range: o.range, description: o.jobDescription }));
  }
  p.jobId = jobId;
  d.progress.changed(true);
  const archiveId = o.archiveId ?? state?.header.archiveId;
  let job: RetrievalJob;
  try {
    job = await describeJob({ ...target, jobId, archiveId });
  } catch (err) {
    if (err instanceof JobNotFoundError && state && !o.jobId && o.archiveId !== undefined) {
      // The journal's job expired and the caller named the archive: a new job for the same bytes
      // continues the download, keeping the verified chunks (sameBytes below checks the range).
      const range = { first: state.header.rangeFirst, last: state.header.rangeLast };
      ({ jobId } = await initiateRetrievalJob({ ...target, archiveId: o.archiveId, tier: o.tier, range, description: o.jobDescription }));
      p.jobId = jobId;
      job = await describeJob({ ...target, jobId, archiveId });
    } else if (err instanceof JobNotFoundError && state?.chunks.size) {
      throw new JobNotFoundError(o.vaultName, jobId, { archiveId, journal: d.journalPath, keptChunks: state.chunks.size, cause: err });
    } else {
      throw err;
    }
  }
  if (job.action !== 'ArchiveRetrieval') {
    throw new InvalidDownloadOptionError('jobId', `Job ${jobId} is ${jobKind(job.action)}, not an archive retrieval: pass the id of an archive-retrieval job.`);
  }
  if (o.archiveId !== undefined && job.archiveId !== o.archiveId) {
    throw new InvalidDownloadOptionError('jobId', `Job ${jobId} retrieves archive ${job.archiveId}, not ${o.archiveId}: pass the matching job id.`);
  }
  let verified = new Map<number, VerifiedChunk>();
  if (state && (state.header.jobId === jobId || sameBytes(state, job))) verified = state.chunks;
  else if (state) {
    throw new DownloadJournalError(d.journalPath!,
      `The journal ${d.journalPath} records job ${state.header.jobId} for other bytes than job ${jobId} retrieves: delete it, or download to another destination.`);
  }
  const chunkSize = state?.header.chunkSize ?? o.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const writeJournal = async (j: RetrievalJob) => d.journalPath && j.range && j.outputSize !== undefined
    ? DownloadJournalWriter.create(d.journalPath, {
      format: DOWNLOAD_JOURNAL_FORMAT, version: DOWNLOAD_JOURNAL_VERSION, vaultName: o.vaultName, accountId, jobId: jobId!,
      archiveId: j.archiveId ?? '', archiveTreeHash: j.archiveTreeHash ?? null, rangeFirst: j.range.first, rangeLast: j.range.last,
      outputSize: j.outputSize, chunkSize, partFile: d.partFile ?? '',
    }, verified.values())
    : undefined;
  // Written before waiting: a Ctrl-C while the job runs keeps its id for the next run.
  let journal = await writeJournal(job);
  if (!(job.completed && job.statusCode === 'Succeeded')) {
    if (o.wait === false) job = await requireCompletedJob({ ...target, jobId, archiveId });
    else {
      job = await waitForJob({
        ...target, ...checkWait(o.wait), jobId, archiveId,
        onPoll: (j, waited) => {
          p.phase = 'waiting';
          p.jobStatus = j.statusCode;
          p.waitedMs = waited;
          d.progress.changed(true);
        },
      });
    }
    // Again, now with everything DescribeJob tells of a completed job.
    journal = (await writeJournal(job)) ?? journal;
  }
  if (!job.range || job.outputSize === undefined || job.archiveSize === undefined) {
    throw new GlacierMultipartError('BAD_JOB', `DescribeJob of job ${jobId} names no archive size or range: cannot plan a download.`);
  }
  const { chunks } = planChunks(job.range.first, job.outputSize, job.range.last === job.archiveSize - 1, chunkSize);
  // Records that do not match this plan are not trusted.
  for (const [i, c] of verified) if (chunks[i]?.first !== c.first || chunks[i]?.last !== c.last) verified.delete(i);
  return {
    o, client: d.client, pool: d.pool, accountId, signal: d.signal, progress: d.progress, maxAttempts, requestTimeout: d.requestTimeout,
    journalPath: d.journalPath, journal, job, chunks, chunkSize, verified, retries: 0, byGlacier: 0,
  };
}
