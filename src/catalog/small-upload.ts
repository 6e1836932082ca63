/**
 * A file of at most one part as ONE UploadArchive request (instead of Initiate, part, Complete):
 * read into a reused shared buffer, hashed in the HashPool (tree hash + SHA-256), both checksums
 * handed to the SDK (it hashes nothing), Glacier's tree hash compared with ours.
 */
import { identityDifference, identityOf, openFile } from '../file-identity.js';
import { UploadArchiveCommand, type GlacierClient } from '@aws-sdk/client-glacier';
import type { HashPool } from '../pool/index.js';
import { withPrecomputedChecksums } from '../glacier/checksums.js';
import { ChecksumMismatchError, SourceChangedError, UnexpectedResponseError } from '../glacier/errors.js';
import { callGlacier } from '../glacier/request.js';
import type { LocalFile } from './scan.js';

export interface SmallUploadOptions {
  client: GlacierClient;
  pool: Pick<HashPool, 'hashPart'>;
  vaultName: string;
  accountId: string;
  file: LocalFile;
  description: string;
  /** A shared buffer of at least file.size bytes, reused file after file. */
  buffer: Uint8Array;
  /** Stops the steps before the request, the request itself and any retry. */
  signal: AbortSignal;
  /**
   * When given, cancels the request in place of `signal`. sync passes none: a stop cancels the
   * request at once (an endpoint that never answers must not hold a Ctrl-C up), at the risk of an
   * archive Glacier created whose answer was never read.
   */
  requestSignal?: AbortSignal;
  maxAttempts: number;
  /** Milliseconds one request may take before it is abandoned (and retried). */
  requestTimeout: number;
  onRetry?: () => void;
  /** Awaited with the tree hash before the request is sent (sync records its upload intent here). */
  beforeSend?: (treeHash: string) => Promise<void>;
}

/**
 * Reads the whole file through one open descriptor; throws SourceChangedError when it differs from
 * what the scan saw, before or after the read (src/file-identity.ts: size, inode, ns times).
 */
async function readWhole(file: LocalFile, into: Uint8Array): Promise<Uint8Array> {
  const changed = (why: string) => new SourceChangedError(file.absolute, why);
  const { handle, identity } = await openFile(file.absolute).catch((err: NodeJS.ErrnoException) => {
    throw changed(`it can no longer be opened (${err.code})`);
  });
  try {
    const before = identityDifference(file.identity, identity);
    if (before) throw changed(`${before} since the directory was scanned`);
    const view = into.subarray(0, file.size);
    let got = 0;
    while (got < file.size) {
      const { bytesRead } = await handle.read(view, got, file.size - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    const extra = await handle.read(Buffer.alloc(1), 0, 1, file.size);
    if (got !== file.size || extra.bytesRead !== 0) {
      throw changed(`it had ${file.size} bytes when the directory was scanned, and ${got + extra.bytesRead > file.size ? 'more' : got} now`);
    }
    // The same descriptor again (not another open): bytes written while they were read show here.
    const after = identityDifference(identity, identityOf(identity.path, await handle.stat({ bigint: true })));
    if (after) throw changed(`${after} while it was read`);
    return view;
  } finally {
    await handle.close();
  }
}

export async function uploadSmallFile(o: SmallUploadOptions): Promise<{ archiveId: string; treeHash: string }> {
  const { file } = o;
  const data = await readWhole(file, o.buffer);
  const h = await o.pool.hashPart(data, { signal: o.signal });
  const body = h.data;
  await o.beforeSend?.(h.treeHash);
  const target = { client: o.client, vaultName: o.vaultName, maxAttempts: o.maxAttempts };
  // The checksums ride on this command alone: the caller's client is never reconfigured.
  const out = await callGlacier(target, `UploadArchive of ${file.path}`, (abortSignal) => o.client.send(withPrecomputedChecksums(new UploadArchiveCommand({
    accountId: o.accountId, vaultName: o.vaultName, archiveDescription: o.description, body, checksum: h.treeHash,
  }), h.sha256!, h.treeHash), { abortSignal }), {
    signal: o.signal, requestSignal: o.requestSignal, timeout: o.requestTimeout, onRetry: () => o.onRetry?.(),
  });
  if (!out.archiveId) throw new UnexpectedResponseError(`UploadArchive of ${file.path}`, 'an archive id (x-amz-archive-id)');
  if (out.checksum !== h.treeHash) {
    throw new ChecksumMismatchError(`Archive of ${file.path}`, h.treeHash, String(out.checksum), undefined, out.archiveId);
  }
  return { archiveId: out.archiveId, treeHash: h.treeHash };
}
