import { setMaxListeners } from 'node:events';
import { lockJournal } from '../../lock-file.js';
import { rm } from 'node:fs/promises';
import type { GlacierClient } from '@aws-sdk/client-glacier';
import { combineTreeHashes } from '../../hash/index.js';
import { HashPool } from '../../pool/index.js';
import { createGlacierClient } from '../client.js';
import { EmptyArchiveError, ResumeMismatchError, UploadCancelledError, UploadNotFoundError } from '../errors.js';
import { failUpload } from './failure-policy.js';
import { JournalWriter, readJournal, type JournalState } from './journal.js';
import { lostAnswer, repeatSentComplete } from './lost-complete.js';
import { MultipartUpload, type ListedPart } from './multipart-upload.js';
import { DEFAULT_STREAM_PART_SIZE, checkPartCount, choosePartSize } from '../part-size.js';
import { produceBuffered, produceFileRanges, type Produced } from './part-producers.js';
import { findInitiatedUpload } from './pending-initiate.js';
import { checkJournal, checkJournalWritable, journalHeader } from './resume-check.js';
import { PartPlan } from './part-plan.js';
import { cancelledError, isRetryableError, raceAbort } from '../retry.js';
import { SendLoop } from './send-loop.js';
import { identityDifference, isStreamReader, openSource, type PartReader } from '../sources.js';
import {
  DEFAULT_CONCURRENCY, DEFAULT_MAX_ATTEMPTS, MAX_BUFFERED_PART_SIZE, checkOptions, defaultHashThreads,
  type Pool, type UploadArchiveOptions, type UploadArchiveResult,
} from './upload-options.js';
import { ProgressReporter } from './upload-progress.js';

export { DEFAULT_CONCURRENCY, DEFAULT_MAX_ATTEMPTS, MAX_BUFFERED_PART_SIZE, defaultHashThreads };
export type { UploadArchiveOptions, UploadArchiveResult } from './upload-options.js';
export type { UploadProgress } from './upload-progress.js';

/** Abort listeners one part in flight may hold on the upload's signal at once (with room to spare). */
const LISTENERS_PER_PART = 6;

/** What is known before any request: the source, the journal, the part size and the upload to continue. */
interface Prepared {
  reader: PartReader;
  journalState: JournalState | undefined;
  uploadId: string | undefined;
  requestedPartSize: number | undefined;
  partSize: number | undefined;
  /** The journal's part records may be trusted: the file's whole identity is unchanged (and no `verify`). */
  trustJournal: boolean;
}

/**
 * The one place that decides the part size: the journal's (resume), else an explicit partSize,
 * else 'auto' from the file's size, the stream's expectedSize, or DEFAULT_STREAM_PART_SIZE. With
 * an uploadId and no journal, the upload's own part size is learned from Glacier (undefined here).
 */
function decidePartSize(o: UploadArchiveOptions, reader: PartReader, journalState: JournalState | undefined, uploadId: string | undefined) {
  const requested = o.partSize === undefined || o.partSize === 'auto' ? undefined : o.partSize;
  let partSize = journalState?.header.partSize ?? (uploadId === undefined ? requested : undefined);
  if (partSize === undefined && uploadId === undefined) {
    partSize = reader.size !== undefined ? choosePartSize(reader.size)
      : o.expectedSize !== undefined ? choosePartSize(o.expectedSize) : DEFAULT_STREAM_PART_SIZE;
  }
  if (partSize !== undefined && requested !== undefined && requested !== partSize) {
    throw new ResumeMismatchError(`The journal ${o.journal} records part size ${partSize}, but partSize ${requested} was passed: drop partSize (or pass 'auto') to resume, or delete the journal to start over.`);
  }
  if (partSize !== undefined && reader.size !== undefined) checkPartCount(reader.size, partSize);
  return { requested, partSize };
}

/** Opens the source and reads the journal; everything here is checked before any request. */
async function prepare(o: UploadArchiveOptions): Promise<Prepared> {
  const reader = await openSource(o.source);
  try {
    const accountId = o.accountId ?? '-';
    let journalState: JournalState | undefined;
    if (o.journal !== undefined) {
      journalState = await readJournal(o.journal);
      if (journalState) checkJournal(journalState, o, reader, accountId);
      else await checkJournalWritable(o.journal);
    }
    // A stream that ends at once is an empty archive: say so before any request.
    if (isStreamReader(reader) && (await raceAbort(reader.exhausted(), o.signal))) throw new EmptyArchiveError('The source stream');
    const uploadId = o.uploadId ?? (journalState?.header.uploadId || undefined);
    const { requested, partSize } = decidePartSize(o, reader, journalState, uploadId);
    const trustJournal = !o.verify && reader.file !== undefined && journalState?.header.file != null
      && identityDifference(journalState.header.file, reader.file) === undefined;
    return { reader, journalState, uploadId, requestedPartSize: requested, partSize, trustJournal };
  } catch (err) {
    await reader.close();
    throw err;
  }
}

/**
 * Uploads an archive with a Glacier multipart upload: parts are produced (read and hashed in the
 * HashPool, overlapped with uploading: from a ring of shared buffers, or streamed from the file
 * for large parts), sent by one send loop with the pool's checksums (the SDK hashes nothing),
 * checked against Glacier's tree hash, retried with backoff on transient failures, journaled as
 * they finish, and completed with the tree hash of the bytes read.
 */
export async function uploadArchive(options: UploadArchiveOptions): Promise<UploadArchiveResult> {
  checkOptions(options);
  if (options.signal?.aborted) throw cancelledError(options.signal);
  // One run per journal: a second would send the same parts and record them twice.
  const release = options.journal !== undefined ? await lockJournal(options.journal) : undefined;
  try {
    const prepared = await prepare(options);
    return await new UploadRun(options, prepared).run();
  } finally {
    await release?.();
  }
}

/** One call of uploadArchive, from attaching to the upload to completing (or failing) it. */
class UploadRun {
  private readonly o: UploadArchiveOptions;
  private readonly p: Prepared;
  private readonly client: GlacierClient;
  private readonly ownClient: boolean;
  private pool: Pool | undefined;
  private readonly vaultName: string;
  private readonly accountId: string;
  private readonly maxAttempts: number;
  private readonly concurrency: number;
  // Fired on the first failure so every part in flight (requests and pool work) stops.
  private readonly inner = new AbortController();
  private readonly signal: AbortSignal;
  private failure: unknown;
  private readonly progress: ProgressReporter;
  private upload: MultipartUpload | undefined;
  private journal: JournalWriter | undefined;
  private loop: SendLoop | undefined;
  private startedHere = false;
  // Until parts flow, a resumed upload is only being checked: a mismatch must not abort it.
  private partsStarted = false;

  constructor(o: UploadArchiveOptions, p: Prepared) {
    this.o = o;
    this.p = p;
    this.vaultName = o.vaultName;
    this.accountId = o.accountId ?? '-';
    this.maxAttempts = o.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.concurrency = o.concurrency ?? DEFAULT_CONCURRENCY;
    this.signal = o.signal ? AbortSignal.any([o.signal, this.inner.signal]) : this.inner.signal;
    // Every part in flight (and each one read ahead) listens on this one signal: its request, its
    // hashing, a retry's wait, a read race. That is a bounded fan-out, not a leak: raise Node's
    // warning threshold (10) to the bound so --concurrency 10+ prints no MaxListenersExceededWarning.
    setMaxListeners(LISTENERS_PER_PART * (this.concurrency + (o.readAhead ?? 2) + 1) + 16, this.signal, this.inner.signal);
    this.ownClient = o.client === undefined;
    this.client = o.client ?? createGlacierClient({
      ...(o.clientConfig ? { clientConfig: o.clientConfig } : {}),
      ...(o.requestTimeout !== undefined ? { requestTimeout: o.requestTimeout } : {}),
      ...(o.connectTimeout !== undefined ? { connectTimeout: o.connectTimeout } : {}),
    });
    this.pool = o.pool;
    const { reader, partSize, uploadId } = p;
    this.progress = new ProgressReporter(o.onProgress, this.fail, {
      bytesHashed: 0, bytesUploaded: 0, bytesInFlight: 0, bytesSkipped: 0, partsDone: 0, partsUploaded: 0, partsSkipped: 0,
      partsTotal: reader.size !== undefined && partSize !== undefined ? Math.ceil(reader.size / partSize) : undefined,
      totalBytes: reader.size, partSize: partSize ?? 0, retries: 0, uploadId, done: false,
    });
  }

  private readonly fail = (err: unknown): void => {
    if (this.failure !== undefined) return;
    const outer = this.o.signal;
    this.failure = outer?.aborted && !(err instanceof UploadCancelledError) ? cancelledError(outer, err) : err;
    this.inner.abort(this.failure);
  };

  private readonly getPool = (): Pool => {
    this.pool ??= new HashPool({
      threads: this.o.threads ?? defaultHashThreads(),
      ...(this.o.engine !== undefined ? { engine: this.o.engine } : {}),
    });
    return this.pool;
  };

  private get target() {
    return { client: this.client, vaultName: this.vaultName, accountId: this.accountId, maxAttempts: this.maxAttempts, signal: this.signal };
  }

  async run(): Promise<UploadArchiveResult> {
    try {
      // A Complete an earlier run sent (its answer lost) is asked again before anything else.
      const repeated = this.p.journalState?.complete ? await this.repeatComplete() : undefined;
      if (repeated?.result) return repeated.result;
      const remote = await this.attach(repeated?.fileChanged);
      const produced = await this.transfer(remote);
      return await this.complete(produced, remote);
    } catch (caught) {
      this.fail(caught);
      const err = this.failure;
      // Let every part in flight settle before deciding the upload's fate.
      await this.loop?.drain();
      this.progress.final(false);
      if (this.upload === undefined) throw err;
      if (!this.startedHere && !this.partsStarted) {
        // e.g. ResumeMismatchError: the upload may well belong to another archive; leave it be.
        await this.journal?.close();
        throw err;
      }
      return await failUpload(err, this.upload, this.journal, {
        journalPath: this.o.journal, startedHere: this.startedHere, uploadedParts: this.loop?.uploadedParts ?? 0,
        leaveParts: this.o.leavePartsOnError, leavePartsOnCancel: this.o.leavePartsOnCancel,
      });
    } finally {
      this.progress.stop();
      await this.p.reader.close();
      if (this.o.pool === undefined && this.pool) await this.pool.destroy().catch(() => undefined);
      if (this.ownClient) this.client.destroy();
    }
  }

  private async repeatComplete(): Promise<{ result?: UploadArchiveResult; fileChanged?: string }> {
    const state = this.p.journalState!;
    const repeated = await repeatSentComplete({ ...this.target, state, reader: this.p.reader, pool: this.getPool });
    if (!repeated.done) return { fileChanged: repeated.fileChanged };
    const d = repeated.done;
    Object.assign(this.progress.p, { partsDone: d.partCount, partsSkipped: d.partCount, bytesSkipped: d.archiveSize, partsTotal: d.partCount });
    this.progress.final(true);
    return {
      result: {
        archiveId: d.archiveId, location: d.location, checksum: d.checksum, archiveSize: d.archiveSize, uploadId: state.header.uploadId,
        partSize: state.header.partSize, partCount: d.partCount, uploadedParts: 0, skippedParts: d.partCount,
      },
    };
  }

  /** Starts the upload, or attaches to the one to continue; returns the parts Glacier holds. */
  private async attach(fileChangedSinceComplete: string | undefined): Promise<Map<number, ListedPart>> {
    const { reader } = this.p;
    let { journalState, uploadId } = this.p;
    if (journalState && journalState.header.uploadId === '' && this.o.uploadId === undefined) {
      // An earlier run recorded that it was about to start an upload, then died before learning its id.
      uploadId = await findInitiatedUpload({ ...this.target, header: journalState.header, journal: journalState.path });
      if (uploadId === undefined) journalState = undefined;
    }
    if (uploadId === undefined) {
      await this.start();
      return new Map();
    }
    let upload: MultipartUpload;
    try {
      upload = await MultipartUpload.resume({ ...this.target, uploadId });
    } catch (err) {
      if (!(err instanceof UploadNotFoundError)) throw err;
      if (journalState?.complete) throw lostAnswer(journalState, this.vaultName, fileChangedSinceComplete, err);
      throw new UploadNotFoundError(this.vaultName, uploadId, { cause: err.cause, journal: this.o.journal });
    }
    this.upload = upload;
    const wanted = this.p.partSize ?? this.p.requestedPartSize;
    if (wanted !== undefined && upload.partSize !== wanted) {
      throw new ResumeMismatchError(`Upload ${uploadId} uses part size ${upload.partSize}, but ${journalState ? `the journal records ${wanted}` : `partSize ${wanted} was passed`}: drop partSize (or pass 'auto') to resume it.`);
    }
    if (reader.size !== undefined) checkPartCount(reader.size, upload.partSize);
    const remote = await upload.partMap({ signal: this.signal });
    if (reader.size !== undefined) {
      const beyond = [...remote.keys()].filter((i) => i >= Math.ceil(reader.size! / upload.partSize));
      if (beyond.length) {
        throw new ResumeMismatchError(`Upload ${uploadId} holds part ${beyond[0]} (bytes from ${beyond[0]! * upload.partSize}), past the end of this ${reader.size}-byte source: it belongs to another archive. Start over without uploadId (and abort ${uploadId}).`);
      }
    }
    if (this.o.journal !== undefined) {
      // A header written before Initiate (no upload id yet) is replaced by one with the id.
      this.journal = journalState?.header.uploadId ? await JournalWriter.append(this.o.journal) : await JournalWriter.create(this.o.journal, journalHeader(upload, reader, this.o.connection));
    }
    this.p.journalState = journalState;
    return remote;
  }

  /** InitiateMultipartUpload, with the journal on disk before it is sent (no kill leaves an unknown upload). */
  private async start(): Promise<void> {
    const { reader, partSize } = this.p;
    if (this.o.journal !== undefined) {
      const pending = journalHeader({ vaultName: this.vaultName, accountId: this.accountId, uploadId: '', partSize: partSize!, description: this.o.description }, reader, this.o.connection);
      await (await JournalWriter.create(this.o.journal, { ...pending, initiatedAt: new Date().toISOString() })).close();
    }
    // Cancellable: a stop must not wait on an endpoint that never answers. Initiate may have created
    // an upload whose answer was not read: the pending journal lets a resume find it (without a
    // journal it is left to expire after 24 hours; it holds no archive).
    try {
      this.upload = await MultipartUpload.start({ ...this.target, partSize: partSize!, description: this.o.description });
    } catch (err) {
      // A refusal (credentials, vault, validation) created nothing: no journal to leave. After a
      // network failure, timeout or cancel the upload may exist, so the journal stays for a resume to find it.
      if (this.o.journal !== undefined && !isRetryableError(err) && !this.signal.aborted) await rm(this.o.journal, { force: true });
      throw err;
    }
    this.startedHere = true;
    this.p.journalState = undefined;
    if (this.o.journal !== undefined) this.journal = await JournalWriter.create(this.o.journal, journalHeader(this.upload, reader, this.o.connection));
    if (this.signal.aborted) throw cancelledError(this.signal);
  }

  /** Checks the held parts against the file, then runs the producer that fits into the send loop. */
  private async transfer(remote: Map<number, ListedPart>): Promise<Produced> {
    const upload = this.upload!;
    const { reader, trustJournal } = this.p;
    const journaled = this.p.journalState?.parts;
    const ps = upload.partSize;
    Object.assign(this.progress.p, { partSize: ps, uploadId: upload.uploadId, partsTotal: reader.size !== undefined ? Math.ceil(reader.size / ps) : undefined });
    this.progress.changed();
    const pool = this.getPool();
    // The one decision per held part: trusted, re-hashed from disk now, or sent.
    const plan = new PartPlan({ reader, remote, journaled, trustJournal });
    await plan.rehash(pool, ps, this.signal, this.progress.p, { force: this.o.force, uploadId: upload.uploadId });
    this.partsStarted = true;
    const trusted = (index: number, size: number) => plan.trusted(index, size);
    const failed = () => this.failure !== undefined;
    this.loop = new SendLoop({
      upload, remote, journal: this.journal, journaled, concurrency: this.concurrency, maxAttempts: this.maxAttempts,
      signal: this.signal, progress: this.progress, fail: this.fail, failed,
    });
    const context = {
      reader, partSize: ps, pool, loop: this.loop, signal: this.signal, concurrency: this.concurrency, readAhead: this.o.readAhead,
      progress: this.progress, trusted, failed,
    };
    const produced = reader.kind === 'file' && ps > MAX_BUFFERED_PART_SIZE ? await produceFileRanges(context) : await produceBuffered(context);
    await this.loop.drain();
    if (this.failure !== undefined) throw this.failure;
    return produced;
  }

  /** CompleteMultipartUpload with the tree hash of the bytes read, once the file is known unchanged. */
  private async complete({ treeHashes, archiveSize }: Produced, remote: Map<number, ListedPart>): Promise<UploadArchiveResult> {
    const upload = this.upload!;
    const { reader } = this.p;
    if (archiveSize === 0) throw new EmptyArchiveError('The source stream');
    const partCount = treeHashes.length;
    if (reader.kind === 'stream') {
      Object.assign(this.progress.p, { partsTotal: partCount, totalBytes: archiveSize });
      const beyond = [...remote.keys()].filter((i) => i >= partCount);
      if (beyond.length) {
        throw new ResumeMismatchError(`Upload ${upload.uploadId} holds part ${beyond[0]}, past the end of this ${archiveSize}-byte stream: it belongs to another archive. Start over without uploadId.`);
      }
    }
    await reader.checkUnchanged();
    const treeHash = combineTreeHashes(treeHashes);
    // Recorded first: if the answer is lost, a resume asks again instead of uploading a duplicate.
    await this.journal?.recordComplete(archiveSize, treeHash);
    const done = await upload.complete({ archiveSize, treeHash, signal: this.signal });
    await this.journal?.remove();
    this.journal = undefined;
    this.progress.final(true);
    return {
      archiveId: done.archiveId, location: done.location, checksum: done.checksum, archiveSize, uploadId: upload.uploadId,
      partSize: upload.partSize, partCount, uploadedParts: this.loop!.uploadedParts, skippedParts: this.loop!.skippedParts,
    };
  }
}
