/**
 * Where the list of archives comes from, as a re-readable stream: an inventory file (JSON or
 * Glacier's CSV), entries given in memory, a catalog (CREATED lines not DELETED, named by their
 * paths), or an inventory job (given by id, or started and waited for), whose output is kept
 * beside the state file so reruns need no new job.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { access, readdir, rename, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { GlacierClient } from '@aws-sdk/client-glacier';
import { Catalog } from '../catalog/catalog.js';
import { parseInventory, type InventoryArchive } from '../catalog/inventory.js';
import { retrieveInventory } from '../catalog/inventory-job.js';
import { IdTable } from './id-table.js';
import type { ArchiveSource, SourceArchive } from './plan.js';

export type InventoryInput = string | readonly InventoryArchive[] | ArchiveSource;

export function inventoryFileSource(path: string): ArchiveSource {
  return () => parseInventory(createReadStream(path));
}

export function catalogSource(path: string): ArchiveSource {
  return async function* () {
    const deleted = new IdTable();
    for await (const { record } of Catalog.records(path)) if (record.type === 'DELETED') deleted.set(record.archiveId, 1);
    for await (const { record: r } of Catalog.records(path)) {
      if (r.type !== 'CREATED' || deleted.get(r.archiveId)) continue;
      const a: SourceArchive = { archiveId: r.archiveId, description: '', creationDate: new Date(r.time * 1000).toISOString(), size: r.size, treeHash: r.treeHash, name: r.path };
      yield a;
    }
  };
}

export function inputSource(input: InventoryInput): ArchiveSource {
  if (typeof input === 'string') return inventoryFileSource(input);
  if (typeof input === 'function') return input;
  return async function* () {
    yield* input;
  };
}

/** An inventory job's output, fetched once into `<state>.inventory-<job id>` and read from there. */
export async function inventoryJobSource(o: {
  client: GlacierClient; vaultName: string; accountId: string; jobId?: string; statePath: string; signal?: AbortSignal;
  pollInterval?: number; onNote?: (n: string) => void; onInventoryJob?: (jobId: string, started: boolean) => void;
}): Promise<ArchiveSource> {
  if (o.jobId) {
    const path = `${o.statePath}.inventory-${o.jobId}`;
    if (await access(path).then(() => true, () => false)) return inventoryFileSource(path);
  } else {
    // A rerun reuses the inventory an earlier run fetched (a new one takes Glacier hours).
    const kept = await keptInventory(o.statePath);
    if (kept) {
      o.onNote?.(`using the inventory fetched by an earlier run: ${kept} (delete it to fetch a new one)`);
      return inventoryFileSource(kept);
    }
  }
  const got = await retrieveInventory({
    client: o.client, vaultName: o.vaultName, accountId: o.accountId, ...(o.jobId ? { jobId: o.jobId } : {}), signal: o.signal,
    ...(o.pollInterval !== undefined ? { pollInterval: o.pollInterval } : {}),
    onJob: (id, started) => {
      o.onInventoryJob?.(id, started);
      o.onNote?.(started ? `inventory job ${id} started (Glacier takes hours; a run given this inventory job id goes on with it)` : `inventory job ${id}`);
    },
  });
  const path = `${o.statePath}.inventory-${got.jobId}`;
  await pipeline(Readable.from(got.body), createWriteStream(`${path}.tmp`));
  await rename(`${path}.tmp`, path);
  return inventoryFileSource(path);
}

/** The newest '<state>.inventory-<job id>' beside the state file. */
async function keptInventory(statePath: string): Promise<string | undefined> {
  const dir = dirname(statePath);
  const stem = `${basename(statePath)}.inventory-`;
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.startsWith(stem) && !n.endsWith('.tmp'));
  let best: { path: string; mtime: number } | undefined;
  for (const n of names) {
    const path = join(dir, n);
    const st = await stat(path).catch(() => undefined);
    if (st && (!best || st.mtimeMs > best.mtime)) best = { path, mtime: st.mtimeMs };
  }
  return best?.path;
}
