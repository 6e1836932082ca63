import { combineChunkTreeHashes } from './chunk-plan.js';
import { ChecksumMismatchError } from '../../errors.js';
import type { DownloadArchiveResult } from './download-archive.js';
import { chunkSizeOf } from './fetch.js';
import type { Session } from './session.js';

/** Combines the chunks' tree hashes and compares the result with what DescribeJob promised. */
export function verifyWhole(s: Session, destination: string | undefined): DownloadArchiveResult {
  const { job } = s;
  const range = job.range!;
  const treeHash = combineChunkTreeHashes(s.chunks.map((c) => ({ first: c.first, size: chunkSizeOf(c), treeHash: s.verified.get(c.index)!.treeHash })));
  const whole = range.first === 0 && range.last === job.archiveSize! - 1;
  const expected = job.treeHash ?? (whole ? job.archiveTreeHash : undefined);
  if (expected !== undefined && expected !== treeHash) {
    throw new ChecksumMismatchError({ scope: whole ? 'archive' : 'range', operation: 'download', what: whole ? `Archive ${job.archiveId} (job ${job.jobId})` : `Bytes ${range.first}-${range.last} of archive ${job.archiveId}`,
      expected, actual: treeHash, archiveId: job.archiveId, jobId: job.jobId });
  }
  if (whole && job.archiveTreeHash && job.archiveTreeHash !== treeHash) {
    throw new ChecksumMismatchError({ scope: 'archive', operation: 'download', what: `Archive ${job.archiveId} (job ${job.jobId})`, expected: job.archiveTreeHash, actual: treeHash, archiveId: job.archiveId, jobId: job.jobId });
  }
  const fetched = s.chunks.length - s.progress.p.chunksResumed;
  const unchecked = fetched - s.byGlacier;
  const verification = whole ? 'archive' : expected ? 'range' : s.byGlacier > 0 ? 'chunks' : 'none';
  const earlier = s.progress.p.chunksResumed ? `; ${s.progress.p.chunksResumed} chunks were checked by an earlier run` : '';
  const note = verification === 'archive'
    ? "the archive's tree hash, combined from every chunk's, equals Glacier's ArchiveSHA256TreeHash"
    : verification === 'range'
      ? "the range's tree hash, combined from every chunk's, equals Glacier's SHA256TreeHash for it"
      : `Glacier gives no tree hash for this range as a whole (it is not tree-hash aligned); ` +
        (verification === 'chunks'
          ? `${s.byGlacier} of ${fetched} fetched chunks matched Glacier's per-chunk tree hash${unchecked ? `, ${unchecked} had none and are unverified` : ''}${earlier}`
          : `nor for its chunks, so the bytes are unverified (their tree hash is ${treeHash}); retrieve an aligned range ` +
            `(one node of the archive's hash tree, e.g. a multiple of 1 MiB x 2^k long at a multiple of that size) to have them checked`);
  return {
    jobId: job.jobId, archiveId: job.archiveId ?? '', size: job.outputSize!, treeHash, range, chunkSize: s.chunkSize,
    chunks: s.chunks.length, chunksFetched: fetched, chunksResumed: s.progress.p.chunksResumed, bytesFetched: s.progress.p.bytesFetched, chunksVerifiedByGlacier: s.byGlacier,
    retries: s.retries, verification, verificationNote: note, destination,
  };
}

