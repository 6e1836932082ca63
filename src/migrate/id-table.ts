/**
 * A compact open-addressing table from strings (archive ids, keys, names) to a small number, for
 * millions of entries: each key is kept only as a 64-bit hash (two Uint32 words) and its value as
 * one byte, about 20 bytes per entry at the table's load, instead of a Map of strings. Two
 * different strings share 64 bits with odds of about n^2 / 2^65 (1e-6 at 10 million). The hash is
 * two multiplicative string hashes (FNV-1a and a murmur-style mix), not SHA-256: this runs for every
 * inventory entry, twice.
 */

const EMPTY = 0;

export class IdTable {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private val: Uint8Array;
  private used = 0;

  constructor(capacity = 1024) {
    let n = 1024;
    while (n < capacity * 2) n *= 2;
    this.hi = new Uint32Array(n);
    this.lo = new Uint32Array(n);
    this.val = new Uint8Array(n);
  }

  get size(): number {
    return this.used;
  }

  /** The value stored for `key`, 0 when none. */
  get(key: string): number {
    const [h, l] = digest(key);
    const i = this.find(h, l);
    return this.val[i]!;
  }

  /** Stores value (1..255) for key; 0 is "absent" and cannot be stored. */
  set(key: string, value: number): void {
    if (value < 1 || value > 255) throw new RangeError(`IdTable values are 1..255, got ${value}`);
    const [h, l] = digest(key);
    let i = this.find(h, l);
    if (this.val[i] === EMPTY) {
      if ((this.used + 1) * 4 > this.val.length * 3) {
        this.grow();
        i = this.find(h, l);
      }
      this.used++;
      this.hi[i] = h;
      this.lo[i] = l;
    }
    this.val[i] = value;
  }

  /** Slot of (h, l), or of the empty slot where it would go (linear probing). */
  private find(h: number, l: number): number {
    const mask = this.val.length - 1;
    for (let i = (l ^ (h >>> 7)) & mask; ; i = (i + 1) & mask) {
      if (this.val[i] === EMPTY || (this.hi[i] === h && this.lo[i] === l)) return i;
    }
  }

  private grow(): void {
    const { hi, lo, val } = this;
    const n = val.length * 2;
    this.hi = new Uint32Array(n);
    this.lo = new Uint32Array(n);
    this.val = new Uint8Array(n);
    for (let i = 0; i < val.length; i++) {
      if (val[i] === EMPTY) continue;
      const j = this.find(hi[i]!, lo[i]!);
      this.hi[j] = hi[i]!;
      this.lo[j] = lo[i]!;
      this.val[j] = val[i]!;
    }
  }
}

function digest(key: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x9747b28c ^ key.length;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  b = Math.imul(b ^ (b >>> 16), 0xc2b2ae35);
  b ^= b >>> 16;
  return [a >>> 0, b >>> 0];
}
