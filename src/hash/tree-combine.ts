/**
 * The one tree-hash combine of the library (the local server keeps its own, on node:crypto, as an
 * independent witness). Glacier pairs digests level by level and carries an odd one up; the same
 * tree is built here as a binary counter: entry k covers `leaves[k]` 1 MiB leaves, two neighbours
 * covering equally many merge at once, and what is left folds from the right. That gives the same
 * hash in O(log n) memory whatever order the digests arrive in, for leaves, parts of equal size
 * and aligned chunks of mixed size (a range's tail) alike. The SHA-256 of a pair comes from the
 * caller (the WebAssembly core, or node:crypto in the pool and the downloader), so this module
 * stays browser-safe.
 */

/** SHA-256(left || right) of two 32-byte digests: one combine step. */
export type PairHash = (left: Uint8Array, right: Uint8Array) => Uint8Array;

export class TreeCombiner {
  private readonly digests: Uint8Array[] = [];
  private readonly leaves: number[] = [];

  constructor(private readonly pair: PairHash) {}

  /**
   * Adds the next node in order: a digest covering `leaves` leaves (1 for a leaf; 2^k for an aligned
   * subtree; any count for the very last, partial one).
   */
  push(digest: Uint8Array, leaves = 1): this {
    this.digests.push(digest);
    this.leaves.push(leaves);
    let n = this.digests.length;
    while (n >= 2 && this.leaves[n - 1] === this.leaves[n - 2]) {
      const right = this.digests.pop()!;
      const count = this.leaves.pop()!;
      this.digests[n - 2] = this.pair(this.digests[n - 2]!, right);
      this.leaves[n - 2] = count * 2;
      n--;
    }
    return this;
  }

  get empty(): boolean {
    return this.digests.length === 0;
  }

  /** The tree hash of everything pushed (at least one digest). */
  finish(): Uint8Array {
    if (this.digests.length === 0) throw new RangeError('TreeCombiner.finish: nothing was pushed');
    let acc = this.digests[this.digests.length - 1]!;
    for (let i = this.digests.length - 2; i >= 0; i--) acc = this.pair(this.digests[i]!, acc);
    return acc;
  }
}

/** Tree hash of equal-weight digests in order (leaves, or parts of one part size): Glacier's rule. */
export function combineDigestList(digests: readonly Uint8Array[], pair: PairHash): Uint8Array {
  const c = new TreeCombiner(pair);
  for (const d of digests) c.push(d);
  return c.finish();
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array, offset = 0, length = 32): string {
  let s = '';
  for (let i = offset; i < offset + length; i++) s += HEX[bytes[i]!];
  return s;
}

/** The 32 bytes of a 64-hex-digit digest (checked by the caller). */
export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
