import { createReadStream } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Catalog } from './catalog.js';
import { lockCatalog } from './catalog-lock.js';
import { formatCatalogLine } from './catalog-line.js';
import { CatalogAccessError, InvalidCatalogOptionError } from './errors.js';

export interface MergeCatalogsResult {
  records: number;
  duplicates: number;
  files: number;
}

/**
 * Records held in memory at once: more are sorted in runs written beside the output and merged, so
 * catalogs of any length merge in bounded memory (each held record is a ~300-byte line).
 */
export const MERGE_RUN_RECORDS = 100_000;

const timeOf = (line: string) => Number(line.slice(2, line.indexOf('\t', 2)));

/**
 * Joins catalogs (e.g. one per shard) into one: every record of every input, ordered by TIME
 * (stable: equal times keep input order), identical lines written once, as version B lines. The
 * output is written beside itself and renamed into place, so it may be one of the inputs.
 */
export async function mergeCatalogs(inputs: readonly string[], out: string, options: { onWarning?: (m: string) => void; runRecords?: number } = {}): Promise<MergeCatalogsResult> {
  if (inputs.length === 0) throw new InvalidCatalogOptionError('inputs', 'catalog merge needs at least one catalog to read.');
  const tmp = `${out}.merge-${process.pid}.tmp`;
  const runs: string[] = [];
  let handle: FileHandle | undefined;
  // The output is replaced: no sync or purge may be appending to it meanwhile.
  const release = await lockCatalog(out);
  try {
    const held = await sortedRuns(inputs, out, runs, options);
    handle = await open(tmp, 'w').catch((err: NodeJS.ErrnoException) => {
      throw new CatalogAccessError(out, `Cannot write ${tmp} (${err.code}): choose an output in a writable directory.`, { cause: err });
    });
    const counts = await writeMerged(handle, held, runs);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(tmp, out);
    const merged = await Catalog.open(out, { create: false });
    const files = merged.size;
    await merged.close();
    return { ...counts, files };
  } finally {
    await handle?.close().catch(() => undefined);
    await rm(tmp, { force: true });
    await Promise.all(runs.map((r) => rm(r, { force: true })));
    await release();
  }
}

/** Reads every input in order; each full batch is sorted (stably, by TIME) into a run file. Returns the last batch. */
async function sortedRuns(inputs: readonly string[], out: string, runs: string[], options: { onWarning?: (m: string) => void; runRecords?: number }): Promise<string[]> {
  const limit = options.runRecords ?? MERGE_RUN_RECORDS;
  let batch: string[] = [];
  const flush = async () => {
    const path = `${out}.merge-${process.pid}.run${runs.length}`;
    runs.push(path);
    const h = await open(path, 'w');
    try {
      const sorted = sortByTime(batch);
      for (let i = 0; i < sorted.length; i += 10_000) await h.write(sorted.slice(i, i + 10_000).map((l) => `${l}\n`).join(''));
    } finally {
      await h.close();
    }
    batch = [];
  };
  for (const input of inputs) {
    try {
      for await (const { record } of Catalog.records(input, options.onWarning)) {
        // A version-0 RETRIEVE_JOB has no job id and no B form: it records nothing we use.
        if (record.type === 'RETRIEVE_JOB' && record.jobId === '') continue;
        batch.push(formatCatalogLine(record));
        if (batch.length >= limit) await flush();
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new CatalogAccessError(input, `The catalog ${input} does not exist: check the path.`);
      throw err;
    }
  }
  return sortByTime(batch);
}

function sortByTime(lines: string[]): string[] {
  return lines.map((line, i) => ({ line, time: timeOf(line), i })).sort((a, b) => a.time - b.time || a.i - b.i).map((e) => e.line);
}

/**
 * Merges the run files and the batch still in memory (the last input records, so last on equal
 * TIME) by TIME, earlier runs first on ties; identical lines share a TIME, so the lines seen within
 * the current TIME are all that dedupe needs to remember.
 */
async function writeMerged(handle: FileHandle, held: string[], runs: string[]): Promise<{ records: number; duplicates: number }> {
  const sources: AsyncIterator<string>[] = runs.map((r) => createInterface({ input: createReadStream(r, 'utf8'), crlfDelay: Infinity })[Symbol.asyncIterator]());
  sources.push((async function* () { yield* held; })());
  const heads: (string | undefined)[] = await Promise.all(sources.map(async (s) => (await s.next()).value as string | undefined));
  const times = heads.map((h) => (h === undefined ? Infinity : timeOf(h)));
  let seen = new Set<string>();
  let seenTime = NaN;
  let records = 0;
  let duplicates = 0;
  let text = '';
  for (;;) {
    let pick = -1;
    for (let i = 0; i < heads.length; i++) if (heads[i] !== undefined && (pick < 0 || times[i]! < times[pick]!)) pick = i;
    if (pick < 0) break;
    const line = heads[pick]!;
    const time = times[pick]!;
    heads[pick] = (await sources[pick]!.next()).value as string | undefined;
    times[pick] = heads[pick] === undefined ? Infinity : timeOf(heads[pick]!);
    if (time !== seenTime) {
      seen = new Set();
      seenTime = time;
    }
    if (seen.has(line)) {
      duplicates++;
      continue;
    }
    seen.add(line);
    records++;
    text += `${line}\n`;
    if (text.length >= 1 << 20) {
      await handle.write(text);
      text = '';
    }
  }
  if (text) await handle.write(text);
  return { records, duplicates };
}
