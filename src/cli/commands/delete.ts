import { connect } from '../client.js';
import { CliUsageError } from '../errors.js';
import { EXIT_FAILURE, type Context } from '../output.js';
import { checkVaultName } from './manage.js';
import { confirm } from './purge.js';
import type { DeleteFlags } from '../definitions/catalog.js';

export async function deleteCommand(ctx: Context, opts: DeleteFlags): Promise<number> {
  const vaultName = checkVaultName(opts.vault);
  // Like purge: a deletion cannot be undone, so it is confirmed on a terminal or asked for with --yes.
  if (!opts.yes && !process.stdin.isTTY) {
    throw new CliUsageError('delete removes the archive for good and asks for confirmation on a terminal: pass --yes to delete without asking.');
  }
  const { Catalog, deleteArchive } = await import('../../catalog/index.js');
  const catalog = opts.catalog ? await Catalog.open(opts.catalog, { create: false, lock: true, onWarning: (w) => ctx.note(w) }) : undefined;
  const known = catalog?.archive(opts.archiveId);
  try {
    if (!opts.yes && !(await confirm(ctx, `Delete archive ${opts.archiveId}${known ? ` (${known.path})` : ''} from vault ${vaultName}? This cannot be undone. Type yes to go on: `))) {
      ctx.note('nothing deleted');
      return EXIT_FAILURE;
    }
    const { client } = await connect(opts, ctx);
    try {
      const outcome = await deleteArchive({ client, vaultName, accountId: opts.accountId, archiveId: opts.archiveId, catalog, signal: ctx.signal, maxAttempts: opts.maxAttempts });
      if (outcome === 'absent') {
        // deleteArchive records DELETED only for an archive the catalog knew: say which happened.
        const recorded = !catalog ? '' : known ? '; recorded as DELETED in the catalog' : `; ${opts.catalog} does not know it either, so nothing was recorded`;
        ctx.note(`glacier-multipart: archive ${opts.archiveId} is not in vault ${vaultName} (already deleted, or a wrong id or vault)${recorded}`);
        return EXIT_FAILURE;
      }
      ctx.out(`deleted archive ${opts.archiveId} from vault ${vaultName}${catalog ? ` (recorded in ${opts.catalog})` : ''}`);
      return 0;
    } finally {
      client.destroy();
    }
  } finally {
    await catalog?.close();
  }
}
