/**
 * The catalog's in-memory index: where each live archive's CREATED line and each RETRIEVE_JOB line
 * sit in the catalog file, found by archive id and by path, in typed arrays of well under 100 bytes
 * per archive. The records themselves stay in the file and are read back when asked for, so a
 * catalog of millions of archives opens in bounded memory (whole records in Maps took ~650 B each).
 *
 * Ids and paths are found through 64-bit hashes; every hash match is confirmed against the line
 * itself (the `read` callback), so two strings with one hash are told apart, never confused.
 */

/** Reads back the line at a place: its archive id and, for CREATED lines, its path. */
export type ReadKey = (offset: number, length: number) => { archiveId: string; path?: string };

const NONE = -1;
/** A table entry whose path chain emptied: probed past, dropped at the next rehash. */
const DEAD = -2;

/** Two independent 32-bit multiplicative hashes of the UTF-16 code units: a 64-bit key. */
export function hash64(s: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x9747b28c ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 13;
  }
  return [a >>> 0, b >>> 0];
}

type Typed = Float64Array | Uint32Array | Int32Array | Uint8Array;

/** A typed array that grows by half again when full (bounded slack, unlike doubling). */
class Column<T extends Typed> {
  constructor(public data: T) {}
  ensure(n: number): void {
    if (n <= this.data.length) return;
    const next = new (this.data.constructor as new (n: number) => T)(Math.max(n, Math.ceil(this.data.length * 1.5)));
    next.set(this.data as never);
    this.data = next;
  }
}

/** Open addressing over slot numbers; a slot's 64-bit key lives in `keys` (two words per slot). */
class SlotTable {
  private table = new Int32Array(64).fill(NONE);
  private filled = 0;
  constructor(private readonly keys: Column<Uint32Array>) {}

  private start(lo: number, hi: number, mask: number): number {
    return (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
  }

  insert(slot: number): void {
    if ((this.filled + 1) * 2 > this.table.length) this.rehash();
    const mask = this.table.length - 1;
    let i = this.start(this.keys.data[2 * slot]!, this.keys.data[2 * slot + 1]!, mask);
    while (this.table[i] !== NONE) i = (i + 1) & mask;
    this.table[i] = slot;
    this.filled++;
  }

  /** Table positions holding a slot with this key. */
  *positions(lo: number, hi: number): IterableIterator<number> {
    const mask = this.table.length - 1;
    for (let i = this.start(lo, hi, mask); this.table[i] !== NONE; i = (i + 1) & mask) {
      const s = this.table[i]!;
      if (s >= 0 && this.keys.data[2 * s] === lo && this.keys.data[2 * s + 1] === hi) yield i;
    }
  }

  at(position: number): number {
    return this.table[position]!;
  }

  set(position: number, slot: number): void {
    this.table[position] = slot;
  }

  kill(position: number): void {
    this.table[position] = DEAD;
  }

  *slots(): IterableIterator<number> {
    for (const s of this.table) if (s >= 0) yield s;
  }

  private rehash(): void {
    const old = this.table;
    const live = old.reduce((n, s) => n + (s >= 0 ? 1 : 0), 0);
    let size = 64;
    while (size < (live + 1) * 4) size *= 2;
    this.table = new Int32Array(size).fill(NONE);
    this.filled = 0;
    for (const s of old) if (s >= 0) this.insert(s);
  }
}

/**
 * Archive slots: one per archive id ever CREATED (the place of its latest CREATED line, its TIME,
 * its line order, whether it is live); live slots are chained per path. Job slots: one per
 * RETRIEVE_JOB line.
 */
export class CatalogIndex {
  private count = 0;
  private readonly offset = new Column(new Float64Array(256));
  private readonly length = new Column(new Uint32Array(256));
  private readonly time = new Column(new Float64Array(256));
  private readonly seq = new Column(new Uint32Array(256));
  private readonly live = new Column(new Uint8Array(256));
  private readonly idKey = new Column(new Uint32Array(512));
  private readonly pathKey = new Column(new Uint32Array(512));
  private readonly nextOfPath = new Column(new Int32Array(256));
  private readonly byId = new SlotTable(this.idKey);
  private readonly byPath = new SlotTable(this.pathKey);
  private jobCount = 0;
  private readonly jobOffset = new Column(new Float64Array(64));
  private readonly jobLength = new Column(new Uint32Array(64));
  private readonly jobKey = new Column(new Uint32Array(128));
  private readonly jobsById = new SlotTable(this.jobKey);
  private order = 0;
  /** Paths with at least one live archive. */
  pathCount = 0;

  /** `key`: the 64-bit hash of ids and paths (a test may pass one that collides on purpose). */
  constructor(private readonly read: ReadKey, private readonly key: (s: string) => [number, number] = hash64) {}

  /** The slot of an archive id (live or not), or -1. */
  slotOf(archiveId: string): number {
    const [lo, hi] = this.key(archiveId);
    for (const p of this.byId.positions(lo, hi)) {
      const s = this.byId.at(p);
      if (this.read(this.offset.data[s]!, this.length.data[s]!).archiveId === archiveId) return s;
    }
    return NONE;
  }

  isLive(slot: number): boolean {
    return slot >= 0 && this.live.data[slot] === 1;
  }

  place(slot: number): { offset: number; length: number; time: number; seq: number } {
    return { offset: this.offset.data[slot]!, length: this.length.data[slot]!, time: this.time.data[slot]!, seq: this.seq.data[slot]! };
  }

  /** A CREATED line: the archive's record is now this line, live under `path`. */
  created(archiveId: string, path: string, time: number, offset: number, length: number): void {
    let slot = this.slotOf(archiveId);
    if (slot === NONE) {
      slot = this.count++;
      for (const c of [this.offset, this.length, this.time, this.seq, this.live, this.nextOfPath]) c.ensure(this.count);
      this.idKey.ensure(2 * this.count);
      this.pathKey.ensure(2 * this.count);
      this.setKey(this.idKey, slot, this.key(archiveId));
      this.byId.insert(slot);
    } else if (this.live.data[slot]) {
      this.unlinkPath(slot);
    }
    this.offset.data[slot] = offset;
    this.length.data[slot] = length;
    this.time.data[slot] = time;
    this.seq.data[slot] = this.order++;
    this.linkPath(slot, path);
  }

  /** A DELETED line: the archive is no longer live. False when it was not live. */
  deleted(archiveId: string): boolean {
    const slot = this.slotOf(archiveId);
    if (!this.isLive(slot)) return false;
    this.unlinkPath(slot);
    return true;
  }

  /** Live slots of a path. */
  slotsOfPath(path: string): number[] {
    const p = this.pathPosition(path);
    return p === NONE ? [] : this.chain(this.byPath.at(p));
  }

  /** Every path's live slots, one group per path. */
  *pathGroups(): IterableIterator<number[]> {
    for (const head of this.byPath.slots()) yield this.chain(head);
  }

  *liveSlots(): IterableIterator<number> {
    for (let s = 0; s < this.count; s++) if (this.live.data[s]) yield s;
  }

  job(archiveId: string, offset: number, length: number): void {
    const slot = this.jobCount++;
    this.jobOffset.ensure(this.jobCount);
    this.jobLength.ensure(this.jobCount);
    this.jobKey.ensure(2 * this.jobCount);
    this.jobOffset.data[slot] = offset;
    this.jobLength.data[slot] = length;
    this.setKey(this.jobKey, slot, this.key(archiveId));
    this.jobsById.insert(slot);
  }

  /** Places of an archive's RETRIEVE_JOB lines, oldest first. */
  jobLines(archiveId: string): { offset: number; length: number }[] {
    const [lo, hi] = this.key(archiveId);
    const slots = [...this.jobsById.positions(lo, hi)].map((p) => this.jobsById.at(p)).sort((a, b) => a - b);
    return slots.map((s) => ({ offset: this.jobOffset.data[s]!, length: this.jobLength.data[s]! }))
      .filter((place) => this.read(place.offset, place.length).archiveId === archiveId);
  }

  private setKey(keys: Column<Uint32Array>, slot: number, [lo, hi]: [number, number]): void {
    keys.data[2 * slot] = lo;
    keys.data[2 * slot + 1] = hi;
  }

  private pathOf(slot: number): string | undefined {
    return this.read(this.offset.data[slot]!, this.length.data[slot]!).path;
  }

  private chain(head: number): number[] {
    const out: number[] = [];
    for (let s = head; s !== NONE; s = this.nextOfPath.data[s]!) out.push(s);
    return out;
  }

  /** The table position of the chain holding this exact path, or -1. */
  private pathPosition(path: string): number {
    const [lo, hi] = this.key(path);
    for (const p of this.byPath.positions(lo, hi)) if (this.pathOf(this.byPath.at(p)) === path) return p;
    return NONE;
  }

  private linkPath(slot: number, path: string): void {
    this.setKey(this.pathKey, slot, this.key(path));
    this.live.data[slot] = 1;
    const p = this.pathPosition(path);
    if (p === NONE) {
      this.nextOfPath.data[slot] = NONE;
      this.byPath.insert(slot);
      this.pathCount++;
    } else {
      this.nextOfPath.data[slot] = this.byPath.at(p);
      this.byPath.set(p, slot);
    }
  }

  /** Takes a live slot off its path's chain (before its place changes: the path is read from it). */
  private unlinkPath(slot: number): void {
    const p = this.pathPosition(this.pathOf(slot)!);
    this.live.data[slot] = 0;
    let prev = NONE;
    for (let s = this.byPath.at(p); s !== NONE; prev = s, s = this.nextOfPath.data[s]!) {
      if (s !== slot) continue;
      const next = this.nextOfPath.data[s]!;
      if (prev !== NONE) this.nextOfPath.data[prev] = next;
      else if (next !== NONE) this.byPath.set(p, next);
      else {
        this.byPath.kill(p);
        this.pathCount--;
      }
      return;
    }
  }
}
