import { open, rename, rm } from 'node:fs/promises';
import { Catalog } from './catalog.js';
import { formatCatalogLine, type CatalogRecord } from './catalog-line.js';
import { CatalogAccessError, InvalidCatalogOptionError } from './errors.js';

export interface MergeCatalogsResult {
  records: number;
  duplicates: number;
  files: number;
}

/**
 * Joins catalogs (e.g. one per shard) into one: every record of every input, ordered by TIME
 * (stable: equal times keep input order), identical lines written once, as version B lines. The
 * output is written beside itself and renamed into place, so it may be one of the inputs.
 */
export async function mergeCatalogs(inputs: readonly string[], out: string, options: { onWarning?: (m: string) => void } = {}): Promise<MergeCatalogsResult> {
  if (inputs.length === 0) throw new InvalidCatalogOptionError('inputs', 'catalog merge needs at least one catalog to read.');
  const all: { record: CatalogRecord; key: number }[] = [];
  let key = 0;
  for (const input of inputs) {
    try {
      for await (const { record } of Catalog.records(input, options.onWarning)) all.push({ record, key: key++ });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new CatalogAccessError(input, `The catalog ${input} does not exist: check the path.`);
      throw err;
    }
  }
  all.sort((a, b) => a.record.time - b.record.time || a.key - b.key);
  const seen = new Set<string>();
  const lines: string[] = [];
  let duplicates = 0;
  for (const { record } of all) {
    // A version-0 RETRIEVE_JOB has no job id and no B form: it records nothing we use.
    if (record.type === 'RETRIEVE_JOB' && record.jobId === '') continue;
    const line = formatCatalogLine(record);
    if (seen.has(line)) {
      duplicates++;
      continue;
    }
    seen.add(line);
    lines.push(`${line}\n`);
  }
  const tmp = `${out}.merge-${process.pid}.tmp`;
  const handle = await open(tmp, 'w').catch((err: NodeJS.ErrnoException) => {
    throw new CatalogAccessError(out, `Cannot write ${tmp} (${err.code}): choose an --out in a writable directory.`, { cause: err });
  });
  try {
    for (let i = 0; i < lines.length; i += 10_000) await handle.write(lines.slice(i, i + 10_000).join(''));
    await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  await rename(tmp, out);
  const merged = await Catalog.open(out, { create: false });
  return { records: lines.length, duplicates, files: merged.size };
}
