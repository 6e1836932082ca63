/**
 * Reconciling a catalog with a vault's inventory: archives the catalog does not know (e.g. left by
 * a run killed between Glacier's answer and the CREATED line), duplicates (the same path with the
 * same tree hash more than once: a file uploaded again), and catalog entries the vault does not
 * hold. Adopting records the unknown archives; deleting duplicates keeps the oldest of each.
 * An inventory is up to a day old: archives newer than it are neither listed nor counted missing.
 */
import { createReadStream } from 'node:fs';
import type { GlacierClient } from '@aws-sdk/client-glacier';
import { cancelledError } from '../glacier/retry.js';
import type { CatalogRecord } from './catalog-line.js';
import type { Catalog, CatalogArchive } from './catalog.js';
import { deleteArchive } from './delete-archive.js';
import { InvalidCatalogOptionError } from './errors.js';
import { isIntended, type UploadIntent } from './intents.js';
import { inventoryRecord, parseInventory, type InventoryFormat } from './inventory.js';
import { forEachLimit } from '../concurrency/index.js';

/** An archive as the inventory lists it (path and mtime decoded from its description). */
export type VaultArchive = CatalogRecord & { type: 'CREATED'; creationDate: string };

export interface DuplicateArchives {
  path: string;
  treeHash: string;
  /** The oldest: the one kept. */
  keep: VaultArchive;
  /** The younger copies. */
  extra: VaultArchive[];
}

/** An inventory: a file (JSON or CSV) or its bytes (e.g. retrieveInventory's body). */
export type InventorySource = string | AsyncIterable<Uint8Array>;

export interface ReconcileOptions {
  catalog: Catalog;
  inventory: InventorySource;
  format?: InventoryFormat | 'auto';
  /** Record the unknown archives in the catalog (the youngest copies of a duplicate excepted). */
  adopt?: boolean;
  /** Delete the younger copies of each duplicate (recording DELETED); needs client and vaultName. */
  deleteDuplicates?: boolean;
  client?: GlacierClient;
  vaultName?: string;
  accountId?: string;
  signal?: AbortSignal;
  maxAttempts?: number;
  /** Told each archive once it is adopted or deleted (after the catalog records it). */
  onAction?: (action: 'adopted' | 'deleted', archive: VaultArchive) => void;
}

export interface ReconcileResult {
  inventoryDate: string | undefined;
  /** Archives the inventory lists (those the catalog records as deleted left out). */
  archives: number;
  /** In the vault, not in the catalog. */
  unknown: VaultArchive[];
  duplicates: DuplicateArchives[];
  /** In the catalog (recorded before the inventory was taken), not in the vault. */
  missing: CatalogArchive[];
  adopted: number;
  deleted: number;
}

/** Every archive of an inventory, as CREATED records, and the inventory's date. */
export async function readVaultArchives(source: InventorySource, format: InventoryFormat | 'auto' = 'auto'): Promise<{ archives: VaultArchive[]; inventoryDate: string | undefined }> {
  let inventoryDate: string | undefined;
  const archives: VaultArchive[] = [];
  const body = typeof source === 'string' ? createReadStream(source) : source;
  for await (const a of parseInventory(body, { format, onHeader: (h) => (inventoryDate = h.inventoryDate) })) archives.push({ ...inventoryRecord(a), creationDate: a.creationDate });
  return { archives, inventoryDate };
}

const byAge = (a: VaultArchive, b: VaultArchive) => Date.parse(a.creationDate) - Date.parse(b.creationDate) || a.time - b.time;

function duplicatesOf(archives: VaultArchive[], known: (id: string) => boolean): DuplicateArchives[] {
  const groups = new Map<string, VaultArchive[]>();
  for (const a of archives) {
    const key = `${a.path}\0${a.treeHash}`;
    const g = groups.get(key);
    if (g) g.push(a);
    else groups.set(key, [a]);
  }
  const out: DuplicateArchives[] = [];
  for (const g of groups.values()) {
    if (g.length < 2) continue;
    // Oldest first; on a tie the copy the catalog records stays (nothing to change there).
    g.sort((a, b) => byAge(a, b) || Number(known(b.archiveId)) - Number(known(a.archiveId)) || (a.archiveId < b.archiveId ? -1 : 1));
    out.push({ path: g[0]!.path, treeHash: g[0]!.treeHash, keep: g[0]!, extra: g.slice(1) });
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Compares the catalog with the inventory; with adopt / deleteDuplicates, acts on what it found. */
export async function reconcileCatalog(o: ReconcileOptions): Promise<ReconcileResult> {
  if (o.deleteDuplicates && (!o.client || !o.vaultName)) {
    throw new InvalidCatalogOptionError('deleteDuplicates', 'deleteDuplicates needs client and vaultName: the younger copies are deleted from the vault.');
  }
  const read = await readVaultArchives(o.inventory, o.format);
  // Archives the catalog has deleted since the inventory was taken are gone: left out.
  const archives = read.archives.filter((a) => !o.catalog.isDeleted(a.archiveId));
  const inVault = new Set(archives.map((a) => a.archiveId));
  const taken = read.inventoryDate ? Math.floor(Date.parse(read.inventoryDate) / 1000) : Infinity;
  const duplicates = duplicatesOf(archives, (id) => o.catalog.archive(id) !== undefined);
  const younger = new Set(duplicates.flatMap((d) => d.extra.map((a) => a.archiveId)));
  const result: ReconcileResult = {
    inventoryDate: read.inventoryDate, archives: archives.length,
    unknown: archives.filter((a) => o.catalog.archive(a.archiveId) === undefined).sort(byAge),
    duplicates,
    missing: [...o.catalog.allArchives()].filter((a) => !inVault.has(a.archiveId) && a.time < taken),
    adopted: 0, deleted: 0,
  };
  if (o.adopt) {
    for (const a of result.unknown) {
      if (younger.has(a.archiveId)) continue;
      await o.catalog.append([a]);
      result.adopted++;
      o.onAction?.('adopted', a);
    }
  }
  if (o.deleteDuplicates) await deleteYounger(o, duplicates, result);
  return result;
}

async function deleteYounger(o: ReconcileOptions, duplicates: DuplicateArchives[], result: ReconcileResult): Promise<void> {
  let failure: unknown;
  await forEachLimit(duplicates, 4, async (d) => {
    try {
      // The kept copy is recorded first, so the path never loses its archive in the catalog.
      if (o.catalog.archive(d.keep.archiveId) === undefined) {
        await o.catalog.append([d.keep]);
        result.adopted++;
        o.onAction?.('adopted', d.keep);
      }
      for (const a of d.extra) {
        await deleteArchive({ client: o.client!, vaultName: o.vaultName!, accountId: o.accountId, archiveId: a.archiveId, catalog: o.catalog, path: a.path, signal: o.signal, maxAttempts: o.maxAttempts });
        result.deleted++;
        o.onAction?.('deleted', a);
      }
    } catch (err) {
      failure ??= err;
    }
  }, () => failure !== undefined || o.signal?.aborted === true);
  if (o.signal?.aborted) throw cancelledError(o.signal, failure);
  if (failure !== undefined) throw failure;
}

/**
 * For sync: the archives of unresolved upload intents found in an inventory (same path, size and
 * tree hash, unknown to the catalog), recorded in the catalog. Returns the intents adopted.
 */
export async function adoptIntents(catalog: Catalog, intents: readonly UploadIntent[], inventory: InventorySource): Promise<{ intent: UploadIntent; archiveId: string }[]> {
  const byPath = new Map<string, VaultArchive[]>();
  for (const a of (await readVaultArchives(inventory)).archives) byPath.set(a.path, [...(byPath.get(a.path) ?? []), a]);
  const adopted: { intent: UploadIntent; archiveId: string }[] = [];
  for (const i of intents) {
    const match = (byPath.get(i.path) ?? []).filter((a) => isIntended(i, a) && !catalog.isDeleted(a.archiveId) && catalog.archive(a.archiveId) === undefined).sort(byAge)[0];
    if (!match) continue;
    await catalog.recordCreated({ archiveId: match.archiveId, path: i.path, size: i.size, mtime: i.mtime, treeHash: match.treeHash, time: i.time });
    adopted.push({ intent: i, archiveId: match.archiveId });
  }
  return adopted;
}
