/**
 * The plan of a migration, streamed from the inventory twice in bounded memory: a first pass counts
 * names (to tell duplicates apart) and totals this shard's archives and bytes; the second yields
 * each of this shard's archives with its key. Archives keep the inventory's order (Glacier lists
 * them by creation date).
 */
import { inShard, type Shard } from '../catalog/shards.js';
import type { InventoryArchive } from '../catalog/inventory.js';
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
}

const ONCE = 1;
const MORE = 2;

export interface Plan {
  summary: PlanSummary;
  archives(): AsyncGenerator<PlannedArchive>;
}

export async function planMigration(o: PlanOptions): Promise<Plan> {
  const names = new IdTable();
  const summary: PlanSummary = { archives: 0, bytes: 0, largest: 0, inventoryArchives: 0, duplicateNames: 0, refused: 0, days: undefined, jobsPerDay: undefined };
  for await (const a of o.source()) {
    summary.inventoryArchives++;
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
  async function* archives(): AsyncGenerator<PlannedArchive> {
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
  return { summary, archives };
}
