import { nodePair } from '../../pool/node-hash.js';
import { toHex, TreeCombiner } from '../../hash/tree-combine.js';
import { DEFAULTS, InvalidOptionError } from '../../options.js';
import { MiB } from '../part-size.js';

export { MAX_CHUNK_SIZE, checkChunkSize } from '../../options.js';
export const DEFAULT_CHUNK_SIZE = DEFAULTS.chunkSize;

/** One ranged GetJobOutput request: bytes [first, last] of the job's output (inclusive). */
export interface OutputChunk {
  index: number;
  first: number;
  last: number;
}

/**
 * Splits a job's output into chunks that are each exactly one node of the archive's hash tree, so
 * Glacier returns each chunk's tree hash (x-amz-sha256-tree-hash) and their hashes combine into the
 * output's own tree hash.
 *
 * `archiveOffset` is where the output starts in the archive (RetrievalByteRange FIRST, a multiple of
 * 1 MiB). Chunks are `unit` long, where unit is chunkSize or, when the output starts at an offset
 * that is not a multiple of it, the largest 1 MiB x 2^k dividing that offset: then the chunks are
 * aligned both in the archive and in the output. The tail is one chunk when it ends at the archive's
 * end (a node may end there), else it is split into descending powers of two.
 */
export function planChunks(archiveOffset: number, outputSize: number, endsAtArchiveEnd: boolean, chunkSize: number): { unit: number; chunks: OutputChunk[] } {
  let unit = chunkSize;
  while (unit > MiB && archiveOffset % unit !== 0) unit /= 2;
  const chunks: OutputChunk[] = [];
  const push = (first: number, size: number) => chunks.push({ index: chunks.length, first, last: first + size - 1 });
  const fullEnd = Math.floor(outputSize / unit) * unit;
  for (let at = 0; at < fullEnd; at += unit) push(at, unit);
  let tail = outputSize - fullEnd;
  if (tail > 0 && endsAtArchiveEnd) push(fullEnd, tail);
  else {
    let at = fullEnd;
    for (let s = unit / 2; tail > 0 && s >= MiB; s /= 2) {
      if (tail >= s) {
        push(at, s);
        at += s;
        tail -= s;
      }
    }
    // Glacier's ranges end at a MiB boundary or the archive's end; anything else is one last chunk.
    if (tail > 0) push(at, tail);
  }
  return { unit, chunks };
}

/** A chunk's position, size and tree hash, for combineChunkTreeHashes. */
export interface HashedRange {
  first: number;
  size: number;
  treeHash: string;
}

/**
 * The tree hash of the whole output from its chunks' tree hashes, in order, by the library's one
 * combine (src/hash/tree-combine.ts): each chunk is a node covering ceil(size / 1 MiB) leaves
 * (planChunks makes every chunk but the last an aligned 1 MiB x 2^k). node:crypto for the pairs:
 * a few dozen 64-byte inputs per download, where instantiating the WebAssembly core on the main
 * thread would cost more than all of them.
 */
export function combineChunkTreeHashes(chunks: readonly HashedRange[]): string {
  if (chunks.length === 0) throw new InvalidOptionError('chunks', 'combineChunkTreeHashes needs at least one chunk.');
  const combiner = new TreeCombiner(nodePair);
  for (const c of chunks) {
    if (!/^[0-9a-f]{64}$/.test(c.treeHash)) {
      throw new InvalidOptionError('chunks', `combineChunkTreeHashes: tree hashes are 64 lowercase hex digits, got ${JSON.stringify(c.treeHash)}.`);
    }
    combiner.push(Buffer.from(c.treeHash, 'hex'), Math.max(1, Math.ceil(c.size / MiB)));
  }
  return toHex(combiner.finish());
}
