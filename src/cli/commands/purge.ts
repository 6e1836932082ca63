import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { connect } from '../client.js';
import { CliUsageError } from '../errors.js';
import { EXIT_FAILURE, EXIT_INTERRUPTED, type Context } from '../output.js';
import { formatSize, plural } from '../size.js';
import { checkVaultName } from './manage.js';
import { usage } from './sync.js';
import type { PurgeFlags } from '../definitions/catalog.js';

export async function confirm(ctx: Context, question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: ctx.io.stderr });
  try {
    return (await rl.question(question, { signal: ctx.signal })).trim().toLowerCase() === 'yes';
  } finally {
    rl.close();
  }
}

export async function purgeCommand(ctx: Context, opts: PurgeFlags): Promise<number> {
  const vaultName = checkVaultName(opts.vault);
  if (!opts.catalog && !opts.fromInventory) {
    throw new CliUsageError('purge needs a source: --catalog F (the archives it records) or --from-inventory (those an inventory lists; with --catalog F the deletions are recorded there).');
  }
  if (opts.jobId && !opts.fromInventory) throw new CliUsageError('--job-id goes with --from-inventory.');
  if (!opts.dryRun && !opts.yes && !process.stdin.isTTY) {
    throw new CliUsageError('purge deletes archives and asks for confirmation on a terminal: pass --yes to delete without asking, or --dry-run to list what would go.');
  }
  const { Catalog, pathFilter, purgeArchives, retrieveInventory, parseInventory, decodeDescription, checkVaultIdentity } = await import('../../catalog/index.js');
  const filter = await usage('--include/--exclude', () => pathFilter(opts.include, opts.exclude));
  // A catalog of another vault would record DELETED for archives this purge never touched.
  if (opts.catalog) {
    await checkVaultIdentity(resolve(opts.catalog), {
      vaultName, accountId: opts.accountId ?? '-', ...(opts.region ? { region: opts.region } : {}), ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    }, { force: Boolean(opts.forceVault) });
  }
  const catalog = opts.catalog ? await Catalog.open(opts.catalog, { create: false, lock: !opts.dryRun, onWarning: (w) => ctx.note(w) }) : undefined;
  const needClient = opts.fromInventory || !opts.dryRun;
  const { client } = needClient ? await connect(opts, ctx.log) : { client: undefined };
  try {
    const targets: { archiveId: string; path: string; size: number }[] = [];
    if (!opts.fromInventory) {
      for (const a of catalog!.allArchives()) if (filter(a.path)) targets.push({ archiveId: a.archiveId, path: a.path, size: a.size });
    } else {
      const inv = await retrieveInventory({ client: client!, vaultName, accountId: opts.accountId, jobId: opts.jobId, signal: ctx.signal, maxAttempts: opts.maxAttempts,
        onJob: (id, started) => ctx.note(started ? `started inventory job ${id}; Glacier takes about 3-5 hours` : `using inventory job ${id}`) });
      for await (const a of parseInventory(inv.body)) {
        const path = decodeDescription(a.description, a.archiveId).path;
        if (filter(path)) targets.push({ archiveId: a.archiveId, path, size: a.size });
      }
      ctx.note('note: an inventory is up to a day old; archives uploaded since are not in it and are not deleted');
    }
    targets.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const bytes = targets.reduce((n, t) => n + t.size, 0);
    if (opts.dryRun) {
      for (const t of targets) ctx.out(`would delete\t${t.archiveId}\t${t.path}\t${t.size}`);
      ctx.note(`dry run: ${plural(targets.length, 'archive')}, ${plural(bytes, 'byte')} (${formatSize(bytes)}), would be deleted from vault ${vaultName}; nothing was deleted`);
      return 0;
    }
    if (targets.length === 0) {
      ctx.note(`nothing to delete in vault ${vaultName}`);
      return 0;
    }
    if (!opts.yes && !(await confirm(ctx, `Delete ${plural(targets.length, 'archive')} (${formatSize(bytes)}) from vault ${vaultName}? This cannot be undone (archives younger than 90 days cost an early-deletion fee). Type yes to go on: `))) {
      ctx.note('nothing deleted');
      return EXIT_FAILURE;
    }
    const r = await purgeArchives({ client: client!, vaultName, accountId: opts.accountId, archives: targets, catalog, signal: ctx.signal, maxAttempts: opts.maxAttempts });
    ctx.out(`deleted ${plural(r.deleted, 'archive')} (${formatSize(r.bytes)}) from vault ${vaultName}${r.absent ? `; ${r.absent} ${r.absent === 1 ? 'was' : 'were'} already gone` : ''}${catalog ? `; recorded in ${opts.catalog}` : ''}`);
    return 0;
  } catch (err) {
    if (ctx.signal.aborted) {
      ctx.note('purge stopped; the deletions done so far are recorded. Run the same command again to go on.');
      return EXIT_INTERRUPTED;
    }
    throw err;
  } finally {
    client?.destroy();
    await catalog?.close();
  }
}
