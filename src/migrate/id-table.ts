/**
 * A compact open-addressing table from strings (archive ids, keys, names) to a small number, for
 * millions of entries: each key is kept only as 64 bits of its SHA-256 (two Uint32 words) and its
 * value as one byte, about 20 bytes per entry at the table's load, instead of a Map of strings.
 * Two different strings share 64 bits with odds of about n^2 / 2^65 (1e-6 at 10 million).
 */
import { createHash } from 'node:crypto';

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
  const d = createHash('sha256').update(key, 'utf8').digest();
  return [d.readUInt32BE(0), d.readUInt32BE(4)];
}
