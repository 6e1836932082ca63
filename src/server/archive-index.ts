// A vault's archive index (V/archives.idx): one JSON line per archive, appended as it is created, so a
// start reads one file sequentially instead of one archive.json per archive (a million archives took
// 295 s). The archive directories, each with its fsynced archive.json, stay the source of truth: the
// index is not fsynced, and at start it is checked against one readdir of archives/. Lines of
// archives gone (deleted) are dropped, and archives missing from it (a crash between the rename into
// archives/ and the append) are read one by one and appended.
import { createReadStream } from 'node:fs';
import { appendFile, open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { syncDir } from './fsutil.js';
import type { ArchiveRecord } from './records.js';
import { readManyJson } from './store-files.js';

export const ARCHIVE_INDEX = 'archives.idx';

/** Appends the archive's line (after its directory is in place). */
export async function indexArchive(vaultDir: string, archive: ArchiveRecord): Promise<void> {
  await appendFile(join(vaultDir, ARCHIVE_INDEX), `${JSON.stringify(archive)}\n`);
}

async function* indexLines(path: string): AsyncGenerator<string> {
  const input = createReadStream(path, { encoding: 'utf8', highWaterMark: 1024 * 1024 });
  const missing = new Promise<boolean>((ok) => {
    input.once('error', () => ok(true));
    input.once('open', () => ok(false));
  });
  if (await missing) return;
  yield* createInterface({ input, crlfDelay: Infinity });
}

/** The vault's archives, in index order (creation order), checked against archives/. */
export async function loadArchives(vaultDir: string): Promise<ArchiveRecord[]> {
  let names: Set<string>;
  try {
    names = new Set(await readdir(join(vaultDir, 'archives')));
  } catch {
    return [];
  }
  const found = new Map<string, ArchiveRecord>();
  let lines = 0;
  for await (const line of indexLines(join(vaultDir, ARCHIVE_INDEX))) {
    if (line === '') continue;
    lines++;
    try {
      const ar = JSON.parse(line) as ArchiveRecord;
      if (typeof ar.archiveId === 'string' && names.has(ar.archiveId)) found.set(ar.archiveId, ar);
    } catch {
      // a line torn by a crash: its archive is read from its directory below
    }
  }
  const missing = [...names].filter((name) => !found.has(name));
  const read = await readManyJson<ArchiveRecord>(missing.map((name) => join(vaultDir, 'archives', name, 'archive.json')));
  const unindexed = read.filter((ar, i): ar is ArchiveRecord => ar !== undefined && ar.archiveId === missing[i]);
  unindexed.sort((a, b) => (a.creationDate + a.archiveId < b.creationDate + b.archiveId ? -1 : 1));
  for (const ar of unindexed) found.set(ar.archiveId, ar);
  // Many stale lines (deleted archives) or a torn tail: write it afresh; else append what was missing.
  const stale = lines - (found.size - unindexed.length);
  if (stale > Math.max(1000, found.size / 10) || (unindexed.length > 0 && stale > 0)) await rewriteIndex(vaultDir, found.values());
  else for (const ar of unindexed) await indexArchive(vaultDir, ar);
  return [...found.values()];
}

/** Replaces the index atomically with exactly these archives. */
async function rewriteIndex(vaultDir: string, archives: Iterable<ArchiveRecord>): Promise<void> {
  const path = join(vaultDir, ARCHIVE_INDEX);
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    let batch: string[] = [];
    for (const ar of archives) {
      batch.push(JSON.stringify(ar));
      if (batch.length === 2000) {
        await fh.writeFile(`${batch.join('\n')}\n`);
        batch = [];
      }
    }
    if (batch.length > 0) await fh.writeFile(`${batch.join('\n')}\n`);
    await fh.sync();
  } catch (err) {
    await fh.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  await rename(tmp, path);
  await syncDir(vaultDir);
}
