// Hashing for the local server, on node:crypto only: the server must never share code with the
// WebAssembly core in src/hash, so that its answers are an independent witness of that core.
import { createHash, type Hash } from 'node:crypto';

export const MiB = 1024 * 1024;

const sha256 = (...chunks: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const c of chunks) h.update(c);
  return h.digest();
};

/** Pairwise-combine digests level by level; an odd digest at the end of a level is carried up. */
export function combineDigests(digests: Buffer[]): Buffer {
  if (digests.length === 0) return sha256();
  let level = digests;
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(i + 1 < level.length ? sha256(level[i]!, level[i + 1]!) : level[i]!);
    }
    level = next;
  }
  return level[0]!;
}

export function combineTreeHashes(hexes: readonly string[]): string {
  return combineDigests(hexes.map((h) => Buffer.from(h, 'hex'))).toString('hex');
}

/**
 * Streaming linear SHA-256 plus tree hash, fed with chunks of any size. Only one 1 MiB leaf is
 * hashed at a time and the leaf digests (32 bytes per MiB) are kept, so memory stays small even for a
 * 4 GiB part.
 */
export class StreamingTreeHash {
  // Absent for { linear: false }: a range's tree hash for GetJobOutput needs no linear SHA-256.
  private readonly linear: Hash | undefined;
  private leaf: Hash = createHash('sha256');
  private leafFill = 0;
  private readonly leaves: Buffer[] = [];
  size = 0;

  constructor(opts: { linear?: boolean } = {}) {
    this.linear = opts.linear === false ? undefined : createHash('sha256');
  }

  update(chunk: Uint8Array): void {
    this.linear?.update(chunk);
    this.size += chunk.length;
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(MiB - this.leafFill, chunk.length - offset);
      this.leaf.update(chunk.subarray(offset, offset + take));
      this.leafFill += take;
      offset += take;
      if (this.leafFill === MiB) {
        this.leaves.push(this.leaf.digest());
        this.leaf = createHash('sha256');
        this.leafFill = 0;
      }
    }
  }

  /**
   * The linear SHA-256, the tree hash and the 1 MiB leaf digests (the last leaf may be short; an
   * empty input has the one leaf SHA-256("")). The leaves are kept with the archive, so a range's
   * tree hash is later combined from them instead of hashing its bytes again.
   */
  digest(): { sha256: string; treeHash: string; size: number; leaves: Buffer[] } {
    const leaves = this.leafFill > 0 || this.leaves.length === 0
      ? [...this.leaves, this.leaf.digest()]
      : this.leaves;
    return {
      sha256: this.linear ? this.linear.digest('hex') : '',
      treeHash: combineDigests(leaves).toString('hex'),
      size: this.size,
      leaves,
    };
  }
}
