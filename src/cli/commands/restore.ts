import { connect } from '../client.js';
import { commandLine } from '../next-step.js';
import { EXIT_FAILURE, EXIT_INTERRUPTED, type Context } from '../output.js';
import { formatSize, plural } from '../size.js';
import { checkVaultName } from './manage.js';
import { checkDir, usage } from './sync.js';
import type { RestoreFlags } from '../definitions/catalog.js';

export async function restoreCommand(ctx: Context, opts: RestoreFlags): Promise<number> {
  const vaultName = checkVaultName(opts.vault);
  await checkDir(opts.dir);
  const { Catalog, parseShard, pathFilter, startRestore, completeRestore } = await import('../../catalog/index.js');
  const shardText = opts.shard;
  const shard = shardText !== undefined ? await usage('--shard', () => parseShard(shardText)) : undefined;
  const filter = await usage('--include/--exclude', () => pathFilter(opts.include, opts.exclude));
  const catalog = await Catalog.open(opts.catalog, { create: false, lock: true, onWarning: (w) => ctx.note(w) });
  const { client } = await connect(opts, ctx.log);
  // The command as it was typed (this CLI as started), without --completed: pasteable as it stands.
  const again = commandLine(ctx, process.argv.slice(2).filter((a) => a !== '--completed'));
  const base = { dir: opts.dir, vaultName, accountId: opts.accountId, catalog, client, filter, shard, signal: ctx.signal, maxAttempts: opts.maxAttempts, onNote: (n: string) => ctx.note(n) };
  try {
    if (!opts.completed) {
      const r = await startRestore({ ...base, tier: opts.tier, maxFiles: opts.maxFiles });
      if (opts.json) ctx.json(r);
      else {
        for (const s of r.started) ctx.out(`job started\t${s.path}\t${s.jobId}`);
        ctx.note(`${r.started.length} retrieval job${r.started.length === 1 ? '' : 's'} started (${opts.tier}), ${r.pending.length} already pending, ${plural(r.present, 'file')} present locally. ` +
          `${r.started.length || r.pending.length ? `When the jobs finish (Expedited: minutes, Standard: 3-5 hours, Bulk: 5-12 hours), run: ${again} --completed` : 'Nothing to restore.'}`);
      }
      return 0;
    }
    const r = await completeRestore({ ...base, threads: opts.threads });
    if (opts.json) ctx.json({ ...r, failed: r.failed.map((f) => ({ path: f.path, code: (f.error as { code?: string }).code, message: f.error.message })) });
    else {
      for (const f of r.restored) ctx.out(`restored\t${f.path}\t${formatSize(f.size)}`);
      ctx.note(`${plural(r.restored.length, 'file')} restored and verified against the catalog, ${r.inProgress.length} ${r.inProgress.length === 1 ? 'job' : 'jobs'} still running, ` +
        `${r.needJob.length} ${r.needJob.length === 1 ? 'file needs' : 'files need'} a new retrieval job${r.needJob.length ? ` (run: ${again})` : ''}, ${r.failed.length} failed`);
    }
    return r.failed.length ? EXIT_FAILURE : 0;
  } catch (err) {
    if (ctx.signal.aborted) {
      ctx.note(`restore stopped; run the same command again to go on: ${again}${opts.completed ? ' --completed' : ''}`);
      return EXIT_INTERRUPTED;
    }
    throw err;
  } finally {
    client.destroy();
    await catalog.close();
  }
}
