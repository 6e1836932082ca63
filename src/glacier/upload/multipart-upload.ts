import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, InitiateMultipartUploadCommand,
  ListMultipartUploadsCommand, ListPartsCommand, UploadMultipartPartCommand,
  type GlacierClient,
} from '@aws-sdk/client-glacier';
import { combineTreeHashes } from '../../hash/index.js';
import { lastCallback, settle, type Callback } from './callbacks.js';
import { checkComplete, checkPart } from './part-checks.js';
import { openFileRange, type FilePartBody, type FileRangeStream } from './file-range-body.js';
import { withPrecomputedChecksums } from '../checksums.js';
import {
  ChecksumMismatchError, IncompleteUploadError, InvalidUploadOptionError, UnexpectedResponseError,
} from '../errors.js';
import { callGlacier, errorName, type CallOptions, type CallTarget } from '../request.js';
import { listAllParts, listPartPages, type ListedPart } from './list-parts.js';
import {
  checkAccountId, checkVaultName, contentRange, partRange, validateDescription, validatePartSize,
  type PartRange,
} from '../part-size.js';
import { DEFAULT_MAX_ATTEMPTS, checkMaxAttempts } from '../retry.js';

/** Re-exported for the modules that import it from here (the rule lives in retry.ts). */
export { checkMaxAttempts };

export type { ListedPart } from './list-parts.js';
export type { FilePartBody } from './file-range-body.js';

export type { Callback } from './callbacks.js';

export interface MultipartUploadTarget {
  client: GlacierClient;
  vaultName: string;
  /** Default '-': the account of the credentials. */
  accountId?: string;
  /**
   * Attempts per call, the first included (default 5), with exponential backoff and full jitter on
   * throttling, 5xx, 408 and connection failures. A client from createGlacierClient() does not retry
   * on its own; with another client, each of our attempts may itself make the client's maxAttempts.
   */
  maxAttempts?: number;
  /** Cancels every call of this upload. */
  signal?: AbortSignal;
}

export interface StartMultipartUploadOptions extends MultipartUploadTarget {
  description?: string;
  partSize: number;
}

export interface ResumeMultipartUploadOptions extends MultipartUploadTarget {
  uploadId: string;
}

export interface UploadSummary {
  uploadId: string;
  vaultARN?: string;
  archiveDescription?: string;
  creationDate?: string;
  partSize: number;
}

export interface PartHashes {
  /** Glacier tree hash of the part (hex). */
  treeHash: string;
  /** Linear SHA-256 of the part (hex): x-amz-content-sha256, which SigV4 signs. */
  sha256: string;
}

export interface UploadPartOptions {
  signal?: AbortSignal;
  /** Overrides the upload's maxAttempts for this part. */
  maxAttempts?: number;
  /** Called before each retry (e.g. to count them). */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  /**
   * For a part sent from a file range: called as its bytes are read into the request (at most
   * ~1 MiB ahead of the socket), with the bytes of this attempt so far (a retry starts again at 0).
   * Lets a progress display move during a large part instead of only when Glacier confirms it.
   */
  onBodyProgress?: (bytesSoFar: number) => void;
}

export interface UploadedPart extends PartRange {
  size: number;
  treeHash: string;
  /** Attempts it took (1 when the first one succeeded). */
  attempts: number;
}

export interface CompleteOptions {
  /** Both omitted: size and tree hash are built from ListParts. */
  archiveSize?: number;
  treeHash?: string;
  signal?: AbortSignal;
}

export interface CompletedArchive {
  archiveId: string;
  location: string;
  checksum: string;
  archiveSize: number;
  uploadId: string;
}


function checkTarget(opts: MultipartUploadTarget | undefined): void {
  if (!opts || typeof opts !== 'object') throw new InvalidUploadOptionError('options', 'Pass an options object: { client, vaultName, ... }.');
  if (!opts.client || typeof (opts.client as { send?: unknown }).send !== 'function') {
    throw new InvalidUploadOptionError('client', 'client must be a GlacierClient, e.g. createGlacierClient({ region }).');
  }
  checkVaultName(opts.vaultName);
  checkAccountId(opts.accountId);
  checkMaxAttempts(opts.maxAttempts);
}

function combineSignals(a: AbortSignal | undefined, b: AbortSignal | undefined): AbortSignal | undefined {
  if (!a) return b;
  if (!b || a === b) return a;
  return AbortSignal.any([a, b]);
}

/**
 * One Glacier multipart upload: the five calls of the classic Glacier components (initiate, upload
 * part, list parts, complete, abort) plus resume and list. Every call is retried on transient
 * failures; each method also accepts a trailing Node-style callback. The client is used as given,
 * never reconfigured: each part's request carries the checksums computed for it.
 */
export class MultipartUpload {
  readonly client: GlacierClient;
  readonly vaultName: string;
  readonly accountId: string;
  readonly uploadId: string;
  readonly partSize: number;
  readonly description: string | undefined;
  readonly location: string | undefined;
  readonly creationDate: string | undefined;
  readonly maxAttempts: number;
  readonly signal: AbortSignal | undefined;

  private constructor(init: {
    target: MultipartUploadTarget; uploadId: string; partSize: number; description?: string; location?: string; creationDate?: string;
  }) {
    this.client = init.target.client;
    this.vaultName = init.target.vaultName;
    this.accountId = init.target.accountId ?? '-';
    this.maxAttempts = init.target.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.signal = init.target.signal;
    this.uploadId = init.uploadId;
    this.partSize = init.partSize;
    this.description = init.description;
    this.location = init.location;
    this.creationDate = init.creationDate;
  }

  /** InitiateMultipartUpload. Part size and description are checked before any request. */
  static start(opts: StartMultipartUploadOptions): Promise<MultipartUpload>;
  static start(opts: StartMultipartUploadOptions, cb: Callback<MultipartUpload>): undefined;
  static start(opts: StartMultipartUploadOptions, cb?: Callback<MultipartUpload>): Promise<MultipartUpload> | undefined {
    const run = async () => {
      checkTarget(opts);
      const partSize = validatePartSize(opts.partSize);
      const description = validateDescription(opts.description);
      const out = await callGlacier(targetOf(opts), 'InitiateMultipartUpload', (abortSignal) => opts.client.send(new InitiateMultipartUploadCommand({
        accountId: opts.accountId ?? '-', vaultName: opts.vaultName, partSize: String(partSize), archiveDescription: description,
      }), { abortSignal }), { signal: opts.signal });
      if (!out.uploadId) throw new UnexpectedResponseError('InitiateMultipartUpload', 'an upload id (x-amz-multipart-upload-id)');
      return new MultipartUpload({ target: opts, uploadId: out.uploadId, partSize, description, location: out.location });
    };
    return settle(run(), cb);
  }

  /**
   * Attaches to an upload that exists in Glacier (started by any process or host): one ListParts
   * call learns its part size and checks that it is still open. An expired, aborted, completed or
   * unknown id is an UploadNotFoundError.
   */
  static resume(opts: ResumeMultipartUploadOptions): Promise<MultipartUpload>;
  static resume(opts: ResumeMultipartUploadOptions, cb: Callback<MultipartUpload>): undefined;
  static resume(opts: ResumeMultipartUploadOptions, cb?: Callback<MultipartUpload>): Promise<MultipartUpload> | undefined {
    const run = async () => {
      checkTarget(opts);
      if (typeof opts.uploadId !== 'string' || opts.uploadId.length === 0) {
        throw new InvalidUploadOptionError('uploadId', `uploadId must be the non-empty id of an open multipart upload, got ${JSON.stringify(opts.uploadId)}.`);
      }
      const out = await callGlacier({ ...targetOf(opts), uploadId: opts.uploadId }, 'ListParts', (abortSignal) => opts.client.send(
        new ListPartsCommand({ accountId: opts.accountId ?? '-', vaultName: opts.vaultName, uploadId: opts.uploadId, limit: 1 }), { abortSignal }),
      { signal: opts.signal });
      const partSize = validatePartSize(out.PartSizeInBytes);
      return new MultipartUpload({
        target: opts, uploadId: opts.uploadId, partSize, description: out.ArchiveDescription ?? undefined,
        creationDate: out.CreationDate ?? undefined,
      });
    };
    return settle(run(), cb);
  }

  /**
   * @internal An upload known by id and part size, made without a request: uploadArchive uses it
   * to repeat a CompleteMultipartUpload whose answer was lost (the upload may be gone already).
   */
  static attach(opts: ResumeMultipartUploadOptions & { partSize: number }): MultipartUpload {
    checkTarget(opts);
    return new MultipartUpload({ target: opts, uploadId: opts.uploadId, partSize: validatePartSize(opts.partSize) });
  }

  /** ListMultipartUploads of a vault, following Marker until it is null. */
  static async *list(opts: MultipartUploadTarget): AsyncIterable<UploadSummary> {
    checkTarget(opts);
    let marker: string | undefined;
    do {
      const out = await callGlacier(targetOf(opts), 'ListMultipartUploads', (abortSignal) => opts.client.send(
        new ListMultipartUploadsCommand({ accountId: opts.accountId ?? '-', vaultName: opts.vaultName, marker }), { abortSignal }), { signal: opts.signal });
      for (const u of out.UploadsList ?? []) {
        if (!u.MultipartUploadId) continue;
        yield {
          uploadId: u.MultipartUploadId, vaultARN: u.VaultARN ?? undefined, archiveDescription: u.ArchiveDescription ?? undefined,
          creationDate: u.CreationDate ?? undefined, partSize: Number(u.PartSizeInBytes),
        };
      }
      marker = out.Marker ?? undefined;
    } while (marker);
  }

  /** The inclusive byte range of part `index` holding `size` bytes. */
  range(index: number, size: number): PartRange {
    return partRange(index, this.partSize, size);
  }

  /** The one send helper of an upload's calls: retries, this upload's signal and typed errors. */
  private call<T>(operation: string, send: (signal: AbortSignal | undefined) => Promise<T>, options: CallOptions & { bound?: boolean } = {}): Promise<T> {
    const signal = options.bound === false ? options.signal : combineSignals(this.signal, options.signal);
    const target: CallTarget = { client: this.client, vaultName: this.vaultName, maxAttempts: this.maxAttempts, uploadId: this.uploadId };
    return callGlacier(target, operation, send, { ...options, signal });
  }

  private get listTarget() {
    return { client: this.client, vaultName: this.vaultName, maxAttempts: this.maxAttempts, uploadId: this.uploadId, accountId: this.accountId, partSize: this.partSize };
  }

  /**
   * UploadMultipartPart for part `index` (Content-Range bytes index*partSize-…/*). `data` is the
   * part's bytes or a file range (streamed from disk, re-opened per attempt; hashes required).
   * Without `hashes` they are computed here with the hashing core (synchronously; pass a HashPool's
   * results for large parts). Glacier's returned tree hash is compared with ours.
   */
  uploadPart(index: number, data: Uint8Array | FilePartBody, hashes?: PartHashes, options?: UploadPartOptions): Promise<UploadedPart>;
  uploadPart(index: number, data: Uint8Array | FilePartBody, cb: Callback<UploadedPart>): undefined;
  uploadPart(index: number, data: Uint8Array | FilePartBody, hashes: PartHashes | undefined, cb: Callback<UploadedPart>): undefined;
  uploadPart(index: number, data: Uint8Array | FilePartBody, hashes: PartHashes | undefined, options: UploadPartOptions | undefined, cb: Callback<UploadedPart>): undefined;
  uploadPart(index: number, data: Uint8Array | FilePartBody, ...rest: unknown[]): Promise<UploadedPart> | undefined {
    const cb = lastCallback(rest) as Callback<UploadedPart> | undefined;
    const args = cb ? rest.slice(0, -1) : rest;
    const hashes = args[0] as PartHashes | undefined;
    const options = (args[1] as UploadPartOptions | undefined) ?? {};
    return settle(this.sendPart(index, data, hashes, options), cb);
  }

  private async sendPart(index: number, data: Uint8Array | FilePartBody, hashes: PartHashes | undefined, options: UploadPartOptions): Promise<UploadedPart> {
    const known = checkPart(index, data, hashes);
    const isBytes = data instanceof Uint8Array;
    const size = isBytes ? data.byteLength : data.size;
    const range = this.range(index, size);
    let attempts = 0;
    const out = await this.call(`UploadMultipartPart (part ${index})`, async (signal) => {
      attempts++;
      // A fresh body per attempt: a stream can be read only once.
      const file: FileRangeStream | undefined = isBytes ? undefined : openFileRange(data, options.onBodyProgress);
      const body = isBytes ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : file!.stream;
      const command = withPrecomputedChecksums(new UploadMultipartPartCommand({
        accountId: this.accountId, vaultName: this.vaultName, uploadId: this.uploadId,
        range: contentRange(range), checksum: known.treeHash, body,
      }), known.sha256, known.treeHash);
      if (!file) return this.client.send(command, { abortSignal: signal });
      // A file that ends early fails the attempt at once (and ends its request) instead of
      // leaving a body shorter than its Content-Length.
      const attempt = new AbortController();
      try {
        const sent = this.client.send(command, { abortSignal: signal ? AbortSignal.any([signal, attempt.signal]) : attempt.signal });
        return await Promise.race([sent, file.failed.catch((err: unknown) => {
          attempt.abort(err);
          throw err;
        })]);
      } finally {
        file.stream.destroy();
      }
    }, { signal: options.signal, maxAttempts: options.maxAttempts, onRetry: options.onRetry });
    if (out.checksum === undefined) {
      throw new ChecksumMismatchError({ scope: 'part', operation: 'upload', what: `Part ${index} (${contentRange(range)}): Glacier returned no x-amz-sha256-tree-hash`, expected: known.treeHash, actual: '(none)', partIndex: index });
    }
    if (out.checksum !== known.treeHash) {
      throw new ChecksumMismatchError({ scope: 'part', operation: 'upload', what: `Part ${index} (${contentRange(range)})`, expected: known.treeHash, actual: out.checksum, partIndex: index });
    }
    return { ...range, size, treeHash: known.treeHash, attempts };
  }

  /**
   * ListParts, following Marker until it is null. Ranges one byte too long (a quirk of the real
   * service) are corrected (see list-parts.ts).
   */
  async *listParts(options: { signal?: AbortSignal } = {}): AsyncIterable<ListedPart> {
    for await (const page of listPartPages(this.listTarget, combineSignals(this.signal, options.signal))) yield* page.parts;
  }

  /** All listed parts by index, with the one-byte-too-long quirk corrected. */
  async partMap(options: { signal?: AbortSignal } = {}): Promise<Map<number, ListedPart>> {
    return (await listAllParts(this.listTarget, combineSignals(this.signal, options.signal))).parts;
  }

  /**
   * CompleteMultipartUpload. Without archiveSize/treeHash both are built from ListParts (so any
   * instance, process or host can complete with just the upload id): the parts must be 0..n-1 with
   * every part but the last exactly the part size. Glacier's checksum is compared with ours.
   */
  complete(opts?: CompleteOptions): Promise<CompletedArchive>;
  complete(cb: Callback<CompletedArchive>): undefined;
  complete(opts: CompleteOptions | undefined, cb: Callback<CompletedArchive>): undefined;
  complete(...args: unknown[]): Promise<CompletedArchive> | undefined {
    const cb = lastCallback(args) as Callback<CompletedArchive> | undefined;
    const opts = ((cb ? args.slice(0, -1) : args)[0] as CompleteOptions | undefined) ?? {};
    return settle(this.completeUpload(opts), cb);
  }

  private async completeUpload(opts: CompleteOptions): Promise<CompletedArchive> {
    let { archiveSize, treeHash } = checkComplete(opts);
    const signal = combineSignals(this.signal, opts.signal);
    let lastUncertain = false;
    if (archiveSize === undefined) {
      const listed = await listAllParts(this.listTarget, signal);
      ({ archiveSize, treeHash } = this.fromParts(listed.parts));
      lastUncertain = listed.lastUncertain;
    }
    const send = (size: number) => this.call('CompleteMultipartUpload', (abortSignal) => this.client.send(new CompleteMultipartUploadCommand({
      accountId: this.accountId, vaultName: this.vaultName, uploadId: this.uploadId, archiveSize: String(size), checksum: treeHash,
    }), { abortSignal }), { signal: opts.signal });
    let out;
    try {
      out = await send(archiveSize);
    } catch (err) {
      // The last part's range came from a ListParts answer that could not show whether it had the
      // one-byte-too-long quirk. Glacier refuses a wrong size and keeps the upload open, so the
      // only other candidate is tried; Glacier itself decides which one is the archive's size.
      if (!lastUncertain || errorName(err) !== 'InvalidParameterValueException' || archiveSize < 2) throw err;
      // If the other size is refused too, the first refusal (a wrong hash, a missing part) is the real one.
      out = await send(archiveSize - 1).catch(() => { throw err; });
      archiveSize -= 1;
    }
    const expected = treeHash!;
    if (out.checksum !== expected) {
      throw new ChecksumMismatchError({ scope: 'archive', operation: 'upload', what: `Archive ${out.archiveId ?? '(no id)'} completed from upload ${this.uploadId}`,
        expected, actual: out.checksum ?? '(none)', archiveId: out.archiveId ?? undefined });
    }
    if (!out.archiveId) throw new UnexpectedResponseError(`CompleteMultipartUpload of ${this.uploadId}`, 'an archive id (x-amz-archive-id)');
    return { archiveId: out.archiveId, location: out.location ?? '', checksum: expected, archiveSize, uploadId: this.uploadId };
  }

  /** Archive size and tree hash from listed parts; throws IncompleteUploadError on gaps or short parts. */
  private fromParts(parts: Map<number, ListedPart>): { archiveSize: number; treeHash: string } {
    if (parts.size === 0) throw new IncompleteUploadError(this.uploadId, [], 'it has no parts');
    const count = Math.max(...parts.keys()) + 1;
    const missing: number[] = [];
    for (let i = 0; i < count; i++) if (!parts.has(i)) missing.push(i);
    if (missing.length) throw new IncompleteUploadError(this.uploadId, missing);
    const short = [...parts.values()].filter((p) => p.index < count - 1 && p.size !== this.partSize).map((p) => p.index);
    if (short.length) {
      throw new IncompleteUploadError(this.uploadId, short, `parts ${short.join(', ')} are shorter than the part size ${this.partSize} but are not the last`);
    }
    let archiveSize = 0;
    const hashes: string[] = [];
    for (let i = 0; i < count; i++) {
      const p = parts.get(i)!;
      archiveSize += p.size;
      hashes.push(p.treeHash);
    }
    return { archiveSize, treeHash: combineTreeHashes(hashes) };
  }

  /** AbortMultipartUpload: Glacier drops the parts; the id cannot be used afterwards. */
  abort(): Promise<void>;
  abort(cb: Callback<void>): undefined;
  abort(cb?: Callback<void>): Promise<void> | undefined {
    const run = async () => {
      // Not tied to this.signal: aborting is what one does after cancelling.
      await this.call('AbortMultipartUpload', (abortSignal) => this.client.send(
        new AbortMultipartUploadCommand({ accountId: this.accountId, vaultName: this.vaultName, uploadId: this.uploadId }), { abortSignal }), { bound: false });
    };
    return settle(run(), cb);
  }
}

function targetOf(opts: MultipartUploadTarget): CallTarget {
  return { client: opts.client, vaultName: opts.vaultName, maxAttempts: opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS };
}
