/**
 * The plan of a migration, streamed from the inventory twice in bounded memory: a first pass counts
 * names (to tell duplicates apart) and totals this shard's archives and bytes; the second yields
 * each of this shard's archives with its key, oldest first (by creation date, as the inventory
 * lists them when it is in that order; otherwise sorted on disk in bounded memory).
 */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inShard, type Shard } from '../catalog/shards.js';
import type { InventoryArchive } from '../catalog/inventory.js';
import { externalSort } from '../catalog/external-sort.js';
import { IdTable } from './id-table.js';
import { keyOf, nameOf, uniqueName, type NameOverride } from './naming.js';

/** Re-readable: each call streams the inventory from its start. */
export type ArchiveSource = () => AsyncIterable<SourceArchive>;

/** An inventory entry; `name` when the source itself names it (a catalog's path). */
export type SourceArchive = InventoryArchive & { name?: string };

export interface PlannedArchive extends SourceArchive {
  /** The object key (S3: prefix + name) or the relative path (a directory). */
  key: string | undefined;
  /** Why this archive gets no key (it is recorded as failed, never copied). */
  refused: string | undefined;
}

export interface PlanOptions {
  source: ArchiveSource;
  prefix: string;
  override?: NameOverride;
  filter?: (name: string) => boolean;
  shard?: Shard;
  /** For the estimate of days; default: none (one day per budget is not computed). */
  maxBytesPerDay?: number;
  /**
   * Where an inventory not in creation-date order is sorted: run files `${sortPrefix}.runN`,
   * removed as each pass over the archives ends. Default: in the system's temporary directory.
   */
  sortPrefix?: string;
  /** Archives sorted in memory at once (default: externalSort's, 20,000). */
  sortRunSize?: number;
}

export interface PlanSummary {
  /** This shard's archives and bytes after include/exclude. */
  archives: number;
  bytes: number;
  largest: number;
  /** Archives in the whole inventory (every shard). */
  inventoryArchives: number;
  /** Names more than one archive carries (each such archive gets a suffix). */
  duplicateNames: number;
  /** This shard's archives without a usable name (recorded as failed). */
  refused: number;
  /** With maxBytesPerDay: whole days of retrieval budget, and jobs started per day. */
  days: number | undefined;
  jobsPerDay: number | undefined;
  /** Whether the inventory listed the archives by creation date (else they are sorted for the copy). */
  inventoryInDateOrder: boolean;
}

const ONCE = 1;
const MORE = 2;

export interface Plan {
  summary: PlanSummary;
  archives(): AsyncGenerator<PlannedArchive>;
}

export async function planMigration(o: PlanOptions): Promise<Plan> {
  const names = new IdTable();
  const summary: PlanSummary = {
    archives: 0, bytes: 0, largest: 0, inventoryArchives: 0, duplicateNames: 0, refused: 0, days: undefined, jobsPerDay: undefined, inventoryInDateOrder: true,
  };
  let lastCreated = -Infinity;
  for await (const a of o.source()) {
    summary.inventoryArchives++;
    const created = createdAt(a);
    if (created < lastCreated) summary.inventoryInDateOrder = false;
    lastCreated = Math.max(lastCreated, created);
    const n = nameOf(a, o.override);
    if (n.name !== undefined) {
      const seen = names.get(n.name);
      if (seen === ONCE) summary.duplicateNames++;
      names.set(n.name, seen === 0 ? ONCE : MORE);
      if (o.filter && !o.filter(n.name)) continue;
    }
    if (!inShard(a.archiveId, o.shard)) continue;
    if (n.refused !== undefined) summary.refused++;
    summary.archives++;
    summary.bytes += a.size;
    summary.largest = Math.max(summary.largest, a.size);
  }
  if (o.maxBytesPerDay) {
    summary.days = Math.max(1, Math.ceil(summary.bytes / o.maxBytesPerDay));
    summary.jobsPerDay = Math.ceil(summary.archives / summary.days);
  }
  async function* inInventoryOrder(): AsyncGenerator<PlannedArchive> {
    for await (const a of o.source()) {
      const n = nameOf(a, o.override);
      if (n.name !== undefined && o.filter && !o.filter(n.name)) continue;
      if (!inShard(a.archiveId, o.shard)) continue;
      if (n.name === undefined) {
        yield { ...a, key: undefined, refused: n.refused };
        continue;
      }
      const k = keyOf(o.prefix, names.get(n.name) === MORE ? uniqueName(n.name, a.archiveId) : n.name);
      yield { ...a, key: k.name, refused: k.refused };
    }
  }
  const archives = (): AsyncGenerator<PlannedArchive> => (summary.inventoryInDateOrder ? inInventoryOrder() : externalSort(inInventoryOrder(), {
    key: createdAt, prefix: o.sortPrefix ?? join(tmpdir(), `glacier-migrate-order-${process.pid}-${randomBytes(4).toString('hex')}`),
    ...(o.sortRunSize !== undefined ? { runSize: o.sortRunSize } : {}), encode: (a) => JSON.stringify(a), decode: (l) => JSON.parse(l) as PlannedArchive,
  }));
  return { summary, archives };
}

/** Creation time in ms; an unreadable date sorts last. */
function createdAt(a: { creationDate: string }): number {
  const t = Date.parse(a.creationDate);
  return Number.isNaN(t) ? Infinity : t;
}
