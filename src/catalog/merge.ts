import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { Catalog } from './catalog.js';
import { lockCatalog } from './catalog-lock.js';
import { formatCatalogLine } from './catalog-line.js';
import { CatalogAccessError, InvalidCatalogOptionError } from './errors.js';
import { externalSort } from './external-sort.js';

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
  let handle: FileHandle | undefined;
  // The output is replaced: no sync or purge may be appending to it meanwhile.
  const release = await lockCatalog(out);
  try {
    handle = await open(tmp, 'w').catch((err: NodeJS.ErrnoException) => {
      throw new CatalogAccessError(out, `Cannot write ${tmp} (${err.code}): choose an output in a writable directory.`, { cause: err });
    });
    const sorted = externalSort(recordLines(inputs, options.onWarning), {
      key: timeOf, prefix: `${out}.merge-${process.pid}`, runSize: options.runRecords ?? MERGE_RUN_RECORDS, encode: (l) => l, decode: (l) => l,
    });
    const counts = await writeMerged(handle, sorted);
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
    await release();
  }
}

/** Every record of every input, in input order, as a version B line. */
async function* recordLines(inputs: readonly string[], onWarning: ((m: string) => void) | undefined): AsyncGenerator<string> {
  for (const input of inputs) {
    try {
      for await (const { record } of Catalog.records(input, onWarning)) {
        // A version-0 RETRIEVE_JOB has no job id and no B form: it records nothing we use.
        if (record.type === 'RETRIEVE_JOB' && record.jobId === '') continue;
        yield formatCatalogLine(record);
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new CatalogAccessError(input, `The catalog ${input} does not exist: check the path.`);
      throw err;
    }
  }
}

/**
 * Writes the lines sorted by TIME (stable: equal TIME keeps input order); identical lines share a
 * TIME, so the lines seen within the current TIME are all that dedupe needs to remember.
 */
async function writeMerged(handle: FileHandle, sorted: AsyncIterable<string>): Promise<{ records: number; duplicates: number }> {
  let seen = new Set<string>();
  let seenTime = NaN;
  let records = 0;
  let duplicates = 0;
  let text = '';
  for await (const line of sorted) {
    const time = timeOf(line);
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
