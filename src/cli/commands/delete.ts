import { connect } from '../client.js';
import { EXIT_FAILURE, type Context } from '../output.js';
import { checkVaultName } from './manage.js';

export async function deleteCommand(ctx: Context, opts: Record<string, any>): Promise<number> {
  const vaultName = checkVaultName(opts.vault);
  const { Catalog, deleteArchive } = await import('../../catalog/index.js');
  const catalog = opts.catalog ? await Catalog.open(opts.catalog, { create: false, lock: true, onWarning: (w) => ctx.note(w) }) : undefined;
  const { client } = await connect(opts, ctx.log);
  const known = catalog?.archive(opts.archiveId) !== undefined;
  try {
    const outcome = await deleteArchive({ client, vaultName, accountId: opts.accountId, archiveId: opts.archiveId, catalog, signal: ctx.signal, maxAttempts: opts.maxAttempts });
    if (outcome === 'absent') {
      ctx.note(`glacier-multipart: archive ${opts.archiveId} is not in vault ${vaultName} (already deleted, or a wrong id or vault)${known ? '; recorded as DELETED in the catalog' : ''}`);
      return EXIT_FAILURE;
    }
    ctx.out(`deleted archive ${opts.archiveId} from vault ${vaultName}${catalog ? ` (recorded in ${opts.catalog})` : ''}`);
    return 0;
  } finally {
    client.destroy();
    await catalog?.close();
  }
}
