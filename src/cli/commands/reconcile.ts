import { stat } from 'node:fs/promises';
import type { ReconcileFlags } from '../definitions/catalog.js';
import { connect } from '../client.js';
import { CliUsageError } from '../errors.js';
import type { Context } from '../output.js';
import { checkVaultName } from './manage.js';

/** catalog reconcile: the catalog against an inventory; a dry run unless --adopt / --delete-duplicates. */
export async function reconcileCommand(ctx: Context, opts: ReconcileFlags): Promise<number> {
  const vaultName = checkVaultName(opts.vault);
  if ((opts.inventoryJob === undefined) === (opts.fromInventory === undefined)) {
    throw new CliUsageError('catalog reconcile needs one inventory: --inventory-job J (a finished inventory job) or --from-inventory F (saved with inventory --out F).');
  }
  if (opts.deleteDuplicates && !opts.yes) throw new CliUsageError('--delete-duplicates deletes archives: pass --yes as well (run without it first to see the list).');
  if (opts.fromInventory !== undefined) await stat(opts.fromInventory).catch(() => { throw new CliUsageError(`--from-inventory ${opts.fromInventory} does not exist: check the path.`); });
  const { Catalog, reconcileCatalog, retrieveInventory } = await import('../../catalog/index.js');
  const acting = Boolean(opts.adopt || opts.deleteDuplicates);
  const catalog = await Catalog.open(opts.catalog, { create: false, lock: acting, onWarning: (w) => ctx.note(w) });
  const connection = opts.inventoryJob !== undefined || opts.deleteDuplicates ? await connect(opts, ctx.log) : undefined;
  try {
    const inventory = opts.fromInventory ?? (await retrieveInventory({
      client: connection!.client, vaultName, accountId: opts.accountId, jobId: opts.inventoryJob, signal: ctx.signal, maxAttempts: opts.maxAttempts,
    })).body;
    const r = await reconcileCatalog({
      catalog, inventory, adopt: opts.adopt, deleteDuplicates: opts.deleteDuplicates, client: connection?.client, vaultName, accountId: opts.accountId,
      signal: ctx.signal, maxAttempts: opts.maxAttempts,
      onAction: (action, a) => { if (!opts.json) ctx.out(`${action}\t${a.archiveId}\t${a.path}`); },
    });
    const copies = r.duplicates.reduce((n, d) => n + d.extra.length, 0);
    if (opts.json) ctx.json(r);
    else {
      for (const a of r.unknown) ctx.out(`unknown\t${a.archiveId}\t${a.path}\t${a.size}`);
      for (const d of r.duplicates) for (const a of d.extra) ctx.out(`duplicate\t${a.archiveId}\t${d.path}\t(same tree hash as the older ${d.keep.archiveId})`);
      for (const a of r.missing) ctx.out(`missing\t${a.archiveId}\t${a.path}`);
    }
    ctx.note(`inventory${r.inventoryDate ? ` of ${r.inventoryDate}` : ''}: ${r.archives} archives; ${r.unknown.length} unknown to the catalog, ` +
      `${copies} duplicate cop${copies === 1 ? 'y' : 'ies'} of ${r.duplicates.length} file(s), ${r.missing.length} catalog entries not in the vault; ` +
      (acting ? `${r.adopted} adopted and ${r.deleted} deleted, recorded in ${opts.catalog}`
        : 'dry run, nothing changed: --adopt records the unknown archives, --delete-duplicates --yes deletes the younger copies'));
    return 0;
  } finally {
    connection?.client.destroy();
    await catalog.close();
  }
}
