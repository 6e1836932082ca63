import { createHash } from 'node:crypto';

/**
 * The 'node' engine: SHA-256 from node:crypto (OpenSSL, which uses the CPU's SHA instructions when
 * it has them), plus the Glacier tree-hash rules. Also the pool layer's own combine of part tree
 * hashes into the archive tree hash.
 */

import { MiB } from '../options.js';
import { combineDigestList } from '../hash/tree-combine.js';

export { MiB };

/** What one part hashes to. `sha256` (linear) only when asked for; equal to treeHash up to 1 MiB. */
export interface PartDigest {
  treeHash: string;
  sha256?: string;
  size: number;
}

export function sha256Digest(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

/** One combine step on node:crypto. */
export const nodePair = (left: Uint8Array, right: Uint8Array): Buffer => createHash('sha256').update(left).update(right).digest();

/**
 * Tree hash of 32-byte digests in order (leaves, or aligned 1 MiB x 2^n subtrees, the last possibly
 * shorter) by the library's one combine (src/hash/tree-combine.ts), on node:crypto.
 */
export function combineDigests(digests: readonly Uint8Array[]): Buffer {
  if (digests.length === 0) return sha256Digest(new Uint8Array(0));
  const root = combineDigestList(digests, nodePair);
  return Buffer.from(root.buffer, root.byteOffset, 32);
}

/** Archive tree hash from the tree hashes (hex) of its aligned 1 MiB x 2^n parts, in order. */
export function combineTreeHashHex(hashes: readonly string[]): string {
  return combineDigests(hashes.map((h) => Buffer.from(h, 'hex'))).toString('hex');
}

/** The 1 MiB leaf digests of `data` (at least one leaf: the empty input has one). */
export function leafDigests(data: Uint8Array, out: Buffer[] = []): Buffer[] {
  if (data.byteLength === 0) {
    out.push(sha256Digest(data));
    return out;
  }
  for (let off = 0; off < data.byteLength; off += MiB) {
    out.push(sha256Digest(data.subarray(off, Math.min(off + MiB, data.byteLength))));
  }
  return out;
}

/** Tree hash (and optionally linear SHA-256) of one part with node:crypto. */
export function nodeHashPart(data: Uint8Array, linear: boolean): PartDigest {
  if (data.byteLength <= MiB) {
    // One leaf: the tree hash is the linear hash, computed once.
    const h = sha256Digest(data).toString('hex');
    return linear ? { treeHash: h, sha256: h, size: data.byteLength } : { treeHash: h, size: data.byteLength };
  }
  const treeHash = combineDigests(leafDigests(data)).toString('hex');
  if (!linear) return { treeHash, size: data.byteLength };
  return { treeHash, sha256: sha256Digest(data).toString('hex'), size: data.byteLength };
}
