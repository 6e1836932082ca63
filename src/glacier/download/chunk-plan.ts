import { createHash } from 'node:crypto';
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
 * Parent node of two tree-hash nodes: SHA-256 of their 32-byte digests. node:crypto here, for a few
 * dozen 64-byte inputs per download: instantiating the WebAssembly core on the main thread for them
 * would cost more than all of them.
 */
function pair(left: string, right: string): string {
  if (!/^[0-9a-f]{64}$/.test(left) || !/^[0-9a-f]{64}$/.test(right)) {
    throw new InvalidOptionError('chunks', `combineChunkTreeHashes: tree hashes are 64 lowercase hex digits, got ${JSON.stringify(left)} and ${JSON.stringify(right)}.`);
  }
  return createHash('sha256').update(Buffer.from(left, 'hex')).update(Buffer.from(right, 'hex')).digest('hex');
}

function isPowerOfTwoMiB(size: number): boolean {
  if (size < MiB || size % MiB !== 0) return false;
  let n = size / MiB;
  while (n % 2 === 0) n /= 2;
  return n === 1;
}

/**
 * The tree hash of the whole output from its chunks' tree hashes, in order. Chunks of equal size
 * combine exactly as combineTreeHashes does; chunks of mixed sizes (a range's tail) need the tree's
 * real shape: equal aligned neighbours merge into their parent, and what is left (strictly
 * decreasing perfect subtrees, the last possibly partial) folds from the right, which is what
 * Glacier's level-by-level pairing with carried odd nodes computes.
 */
export function combineChunkTreeHashes(chunks: readonly HashedRange[]): string {
  if (chunks.length === 0) throw new InvalidOptionError('chunks', 'combineChunkTreeHashes needs at least one chunk.');
  const stack: HashedRange[] = [];
  for (const c of chunks) {
    stack.push(c);
    for (;;) {
      const top = stack[stack.length - 1]!;
      const below = stack[stack.length - 2];
      if (!below || below.size !== top.size || !isPowerOfTwoMiB(top.size) || below.first % (2 * top.size) !== 0) break;
      stack.splice(stack.length - 2, 2, { first: below.first, size: 2 * top.size, treeHash: pair(below.treeHash, top.treeHash) });
    }
  }
  let acc = stack[stack.length - 1]!.treeHash;
  for (let i = stack.length - 2; i >= 0; i--) acc = pair(stack[i]!.treeHash, acc);
  return acc;
}
