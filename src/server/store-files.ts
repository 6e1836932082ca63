// Reading the Store's files at start: uploads (upload.json plus the parts appended to parts.log, with
// leftovers of interrupted writes removed) and jobs, many files at once.
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readJsonLines, syncDir, writeJsonAtomic } from './fsutil.js';
import type { JobRecord, PartRecord, UploadRecord, VaultRecord } from './records.js';
import { LEGACY_REGION, LOCAL_ACCOUNT_ID, VAULT_NAME_RE, vaultDirName } from './store.js';

/** A line of an upload's PARTS_LOG: a part as acknowledged, at `at` (ms since epoch); the last line of an index wins. */
export type PartLogLine = PartRecord & { index: number; at?: number };
export const PARTS_LOG = 'parts.log';

/** The uploads under `uploadsDir`; an unreadable upload and files no record names are removed. */
export async function readUploads(uploadsDir: string): Promise<UploadRecord[]> {
  const out: UploadRecord[] = [];
  for (const id of await listDir(uploadsDir)) {
    const dir = join(uploadsDir, id);
    const up = await readJson<UploadRecord>(join(dir, 'upload.json'));
    if (!up || up.uploadId !== id) {
      await rm(dir, { recursive: true, force: true });
      continue;
    }
    up.parts ??= {};
    if (up.state === 'open') {
      for (const rec of await readJsonLines<PartLogLine>(join(dir, PARTS_LOG))) {
        if (!Number.isInteger(rec.index) || typeof rec.file !== 'string') continue;
        const { index, at, ...part } = rec;
        up.parts[index] = part;
        up.lastActivity = Math.max(up.lastActivity, at ?? 0);
      }
    }
    out.push(up);
    // Part files not named by the metadata were never acknowledged (or were replaced).
    const keep = new Set(Object.values(up.parts).flatMap((p) => (p.leaves ? [p.file, p.leaves] : [p.file])));
    for (const f of await listDir(dir)) {
      if (f !== 'upload.json' && f !== PARTS_LOG && !keep.has(f)) await rm(join(dir, f), { force: true });
    }
  }
  return out;
}

/** The jobs under `jobsDir` (inventory outputs beside their job kept, other strays removed). */
export async function readJobs(jobsDir: string): Promise<JobRecord[]> {
  const files = await listDir(jobsDir);
  const all = new Set(files);
  for (const f of files) {
    if (f.endsWith('.out') && all.has(`${f.slice(0, -4)}.json`)) continue; // inventory output
    if (!f.endsWith('.json')) await rm(join(jobsDir, f), { force: true });
  }
  // Many reads at once: one at a time, 20,000 jobs took seconds of thread-pool round trips.
  const names = files.filter((f) => f.endsWith('.json'));
  const jobs = await readManyJson<JobRecord>(names.map((f) => join(jobsDir, f)));
  return jobs.filter((job, i): job is JobRecord => job !== undefined && `${job.jobId}.json` === names[i]);
}

/** Moves vaults of the earlier layout (vaults/v-<name>) to `target(name)`: the local account, LEGACY_REGION. */
export async function migrateLegacyLayout(root: string, target: (name: string) => string): Promise<void> {
  for (const entry of await readdir(root)) {
    if (!/^[vh]-/.test(entry)) continue;
    const meta = await readJson<Partial<VaultRecord>>(join(root, entry, 'vault.json'));
    if (!meta || typeof meta.name !== 'string' || !VAULT_NAME_RE.test(meta.name) || vaultDirName(meta.name) !== entry) continue;
    const to = target(meta.name);
    await mkdir(dirname(to), { recursive: true });
    await writeJsonAtomic(join(root, entry, 'vault.json'), { ...meta, accountId: LOCAL_ACCOUNT_ID, region: LEGACY_REGION, lastInventory: null });
    await rename(join(root, entry), to);
    await syncDir(root);
  }
}

export async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

export async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** readJson of many files, 64 at a time, in order. */
export async function readManyJson<T>(paths: readonly string[]): Promise<(T | undefined)[]> {
  const out: (T | undefined)[] = new Array(paths.length);
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const i = next++;
      out[i] = await readJson<T>(paths[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(64, paths.length) }, worker));
  return out;
}
