import { sha256 as linearSha256, treeHash as computeTreeHash } from '../../hash/index.js';
import { InvalidUploadOptionError } from '../errors.js';
import type { FilePartBody } from './file-range-body.js';
import type { CompleteOptions, PartHashes } from './multipart-upload.js';

/** Checks a part's data and hashes before any request; computes the hashes of bytes given without them. */
export function checkPart(index: number, data: Uint8Array | FilePartBody, hashes: PartHashes | undefined): PartHashes {
  const isBytes = data instanceof Uint8Array;
  if (!isBytes && !(data && typeof data === 'object' && typeof (data as FilePartBody).path === 'string')) {
    throw new InvalidUploadOptionError('data', `Part ${index}: data must be a Uint8Array or { path, start, size } of a file.`);
  }
  if (!isBytes && (!Number.isSafeInteger(data.start) || data.start < 0)) {
    throw new InvalidUploadOptionError('data', `Part ${index}: file offset must be a whole number >= 0, got ${String(data.start)}.`);
  }
  if (hashes !== undefined) {
    if (!hashes || !/^[0-9a-f]{64}$/.test(hashes.treeHash) || !/^[0-9a-f]{64}$/.test(hashes.sha256)) {
      throw new InvalidUploadOptionError('hashes', `Part ${index}: hashes must be { treeHash, sha256 }, each 64 lowercase hex digits.`);
    }
    return hashes;
  }
  if (isBytes) return { treeHash: computeTreeHash(data), sha256: linearSha256(data) };
  throw new InvalidUploadOptionError('hashes', `Part ${index}: a part sent from a file range needs its { treeHash, sha256 } (e.g. from HashPool.hashFile).`);
}

export function checkComplete(opts: CompleteOptions): { archiveSize?: number; treeHash?: string } {
  const { archiveSize, treeHash } = opts;
  if ((archiveSize === undefined) !== (treeHash === undefined)) {
    throw new InvalidUploadOptionError('complete', 'Pass both archiveSize and treeHash to complete(), or neither (then they are built from ListParts).');
  }
  if (archiveSize !== undefined && (!Number.isSafeInteger(archiveSize) || archiveSize < 1)) {
    throw new InvalidUploadOptionError('archiveSize', `archiveSize must be a whole number of bytes >= 1, got ${String(archiveSize)}.`);
  }
  if (treeHash !== undefined && !/^[0-9a-f]{64}$/.test(treeHash)) {
    throw new InvalidUploadOptionError('treeHash', `treeHash must be 64 lowercase hex digits, got ${JSON.stringify(treeHash)}.`);
  }
  return { archiveSize, treeHash };
}
