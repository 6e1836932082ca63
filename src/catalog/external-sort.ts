/**
 * Sorting more records than memory should hold: runs of `runSize` records are sorted in memory and
 * written to files beside `prefix`, then merged through a heap. Stable: records with equal keys
 * come out in their input order. Used by `catalog merge` (catalog lines by TIME) and by migrate
 * (inventory entries by creation date).
 */
import { createReadStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';

export interface ExternalSortOptions<T> {
  /** The sort key: smaller first; NaN sorts last. */
  key: (item: T) => number;
  /** Run files are `${prefix}.runN`, removed when the sort ends (however it ends). */
  prefix: string;
  /** Records held in memory at once (default 10,000). */
  runSize?: number;
  /**
   * Run files merged at once (default 64): every fanIn runs of one level are merged into one run of
   * the next, so few files are ever open and each record is rewritten log_fanIn(runs) times.
   */
  fanIn?: number;
  /** One line per record (no newline in it), and back. */
  encode: (item: T) => string;
  decode: (line: string) => T;
}

export const DEFAULT_RUN_SIZE = 10_000;
const DEFAULT_FAN_IN = 64;

/** A record as held and as written in a run file: `key TAB line`, so merging never decodes. */
interface Line { key: number; line: string; order: number }

const keyOf = (k: number) => (Number.isNaN(k) ? Infinity : k);

/**
 * Yields every item of `items` in key order. Items are held as their encoded lines (not as
 * objects), so a run costs about its text in memory.
 */
export async function* externalSort<T>(items: AsyncIterable<T> | Iterable<T>, o: ExternalSortOptions<T>): AsyncGenerator<T> {
  const limit = o.runSize ?? DEFAULT_RUN_SIZE;
  const fanIn = Math.max(2, o.fanIn ?? DEFAULT_FAN_IN);
  // In input order; a run of level L holds fanIn^L batches.
  let runs: { path: string; level: number }[] = [];
  let written = 0;
  const runPath = () => `${o.prefix}.run${written++}`;
  try {
    let batch: Line[] = [];
    for await (const item of items) {
      batch.push({ key: keyOf(o.key(item)), line: o.encode(item), order: batch.length });
      if (batch.length < limit) continue;
      runs.push({ path: await writeRun(runPath(), sortRun(batch)), level: 0 });
      batch = [];
      // Consecutive runs merged keep their place in input order: the sort stays stable.
      while (runs.length >= fanIn && runs.slice(-fanIn).every((r) => r.level === runs.at(-1)!.level)) {
        const last = runs.splice(-fanIn);
        const path = await writeRun(runPath(), mergeRuns(last.map((r) => r.path), []));
        await Promise.all(last.map((r) => rm(r.path, { force: true })));
        runs.push({ path, level: last[0]!.level + 1 });
      }
    }
    const held = sortRun(batch);
    batch = [];
    for await (const l of runs.length ? mergeRuns(runs.map((r) => r.path), held) : held) yield o.decode(l.line);
  } finally {
    await Promise.all(runs.map((r) => rm(r.path, { force: true })));
    // A run being written when the sort stopped.
    await rm(`${o.prefix}.run${written - 1}`, { force: true });
  }
}

function sortRun(batch: Line[]): Line[] {
  return batch.sort((a, b) => a.key - b.key || a.order - b.order);
}

async function writeRun(path: string, sorted: Iterable<Line> | AsyncIterable<Line>): Promise<string> {
  const h = await open(path, 'w');
  try {
    let text = '';
    for await (const x of sorted) {
      text += `${x.key}\t${x.line}\n`;
      if (text.length >= 1 << 20) {
        await h.write(text);
        text = '';
      }
    }
    if (text) await h.write(text);
  } finally {
    await h.close();
  }
  return path;
}

/** The runs (in the order written) and the last batch, merged: on equal keys, earlier runs first. */
async function* mergeRuns(runs: string[], held: Line[]): AsyncGenerator<Line> {
  const readers = runs.map((r) => createInterface({ input: createReadStream(r, 'utf8'), crlfDelay: Infinity }));
  // Each interface's iterator is taken at once: lines read before it exists would be lost.
  const lines = readers.map((rl) => rl[Symbol.asyncIterator]());
  const sources: (() => Promise<Line | undefined>)[] = lines.map((it, source) => async () => {
    for (let next = await it.next(); !next.done; next = await it.next()) {
      const text = next.value as string;
      const tab = text.indexOf('\t');
      if (tab > 0) return { key: Number(text.slice(0, tab)), line: text.slice(tab + 1), order: source };
    }
    return undefined;
  });
  let h = 0;
  sources.push(async () => (h < held.length ? { ...held[h++]!, order: runs.length } : undefined));
  const heap = new MinHeap<Line>((a, b) => a.key - b.key || a.order - b.order);
  const pull = async (source: number) => {
    const next = await sources[source]!();
    if (next) heap.push(next);
  };
  try {
    for (let i = 0; i < sources.length; i++) await pull(i);
    while (heap.size > 0) {
      const top = heap.pop()!;
      yield top;
      await pull(top.order);
    }
  } finally {
    for (const rl of readers) rl.close();
  }
}

/** A binary min-heap: k-way merging in O(log k) per record. */
class MinHeap<T> {
  readonly #items: T[] = [];
  constructor(private readonly less: (a: T, b: T) => number) {}

  get size(): number {
    return this.#items.length;
  }

  push(x: T): void {
    const a = this.#items;
    a.push(x);
    for (let i = a.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (this.less(a[i]!, a[p]!) >= 0) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }

  pop(): T | undefined {
    const a = this.#items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    a[0] = last;
    for (let i = 0; ;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && this.less(a[l]!, a[m]!) < 0) m = l;
      if (r < a.length && this.less(a[r]!, a[m]!) < 0) m = r;
      if (m === i) break;
      [a[i], a[m]] = [a[m]!, a[i]!];
      i = m;
    }
    return top;
  }
}
