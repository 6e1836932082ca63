/**
 * Sync's side of upload intents (see intents.ts): at the start, intents an earlier run left
 * without a CREATED line are reported and, given an inventory, their archives adopted (so the
 * files are not uploaded again); during the run each one-request upload records its intent first;
 * at the end the sidecar is cut down to the intents still in doubt.
 */
import { compactIntents, IntentLog, intentsFileOf, readIntents, unresolvedIntents, type UploadIntent } from './intents.js';
import { adoptIntents, type InventorySource } from './reconcile.js';
import type { Catalog } from './catalog.js';

export type SyncInventory = InventorySource | (() => Promise<InventorySource>);

export interface IntentCheck {
  /** Intents still without an archive in the catalog after adoption. */
  pending: UploadIntent[];
  adopted: { path: string; archiveId: string }[];
}

export async function checkIntents(catalog: Catalog, inventory: SyncInventory | undefined, note: (m: string) => void, dryRun: boolean): Promise<IntentCheck> {
  let pending = unresolvedIntents(catalog, await readIntents(intentsFileOf(catalog.path)));
  if (pending.length === 0) return { pending, adopted: [] };
  note(`${pending.length} one-request upload(s) were begun by an earlier run that stopped before recording them (killed?): ` +
    `their archives may be in the vault (${pending.slice(0, 3).map((i) => i.path).join(', ')}${pending.length > 3 ? ', ...' : ''})`);
  if (inventory === undefined || dryRun) {
    note(dryRun ? 'dry run: nothing adopted' : 'without an inventory they are uploaded again: pass an inventory taken since that run (--inventory-job J or --from-inventory F) ' +
      'to adopt their archives instead, or find the duplicates later with: catalog reconcile');
    return { pending, adopted: [] };
  }
  const source = typeof inventory === 'function' ? await inventory() : inventory;
  const adopted = (await adoptIntents(catalog, pending, source)).map((a) => ({ path: a.intent.path, archiveId: a.archiveId }));
  for (const a of adopted) note(`adopted archive ${a.archiveId} of ${a.path} from the inventory (uploaded by the earlier run)`);
  pending = unresolvedIntents(catalog, pending);
  if (pending.length) note(`${pending.length} of them are not in the inventory (never created, or newer than it): uploaded again`);
  return { pending, adopted };
}

export function openIntentLog(catalog: Catalog): Promise<IntentLog> {
  return IntentLog.open(intentsFileOf(catalog.path));
}

export async function finishIntents(log: IntentLog | undefined, catalog: Catalog, dryRun: boolean): Promise<void> {
  await log?.close();
  if (!dryRun) await compactIntents(intentsFileOf(catalog.path), catalog);
}
