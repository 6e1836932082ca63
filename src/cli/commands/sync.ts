import { commandLine } from '../next-step.js';
import { shellQuote } from '../quote.js';
import { stat } from 'node:fs/promises';
import { connect } from '../client.js';
import { CliUsageError } from '../errors.js';
import { EXIT_FAILURE, EXIT_INTERRUPTED, type Context } from '../output.js';
import { formatSize, plural } from '../size.js';
import { checkVaultName } from './manage.js';
import { createFilesProgress } from './files-progress.js';
import type { SyncFlags } from '../definitions/catalog.js';

/** Turns the catalog layer's option errors into usage errors (exit 2), before any request. */
export async function usage<T>(flag: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new CliUsageError(`${flag}: ${(err as Error).message}`, (err as { code?: string }).code);
  }
}

export async function checkDir(dir: string, flag = '--dir'): Promise<void> {
  const st = await stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) throw new CliUsageError(`${flag} ${dir}: no such directory; check the path.`, 'NO_SUCH_DIRECTORY');
}

export async function syncCommand(ctx: Context, opts: SyncFlags): Promise<number> {
  const vaultName = checkVaultName(opts.vault);
  await checkDir(opts.dir);
  const { syncDirectory, parseShard, pathFilter, notBackedUp } = await import('../../catalog/index.js');
  const shardText = opts.shard;
  const shard = shardText !== undefined ? await usage('--shard', () => parseShard(shardText)) : undefined;
  await usage('--include/--exclude', () => pathFilter(opts.include, opts.exclude));
  if (opts.partSize !== undefined) {
    const { validatePartSize } = await import('../../glacier/index.js');
    await usage('--part-size', () => validatePartSize(opts.partSize));
  }
  const dryRun = Boolean(opts.dryRun);
  if (opts.fromInventory !== undefined && opts.inventoryJob !== undefined) throw new CliUsageError('--from-inventory and --inventory-job both name the inventory: give one.');
  if (opts.fromInventory !== undefined) await stat(opts.fromInventory).catch(() => { throw new CliUsageError(`--from-inventory ${opts.fromInventory} does not exist: check the path (an inventory saved with inventory --out).`); });
  const { client, conn } = dryRun ? { client: undefined, conn: undefined } : await connect(opts, ctx);
  const inventory = opts.fromInventory ?? (opts.inventoryJob && client ? async () => {
    const { retrieveInventory } = await import('../../catalog/index.js');
    return (await retrieveInventory({ client, vaultName, accountId: opts.accountId, jobId: opts.inventoryJob, signal: ctx.signal, maxAttempts: opts.maxAttempts })).body;
  } : undefined);
  const progress = createFilesProgress(ctx.io, opts.json || dryRun ? 'none' : opts.progress, 'sync');
  const notes: string[] = [];
  const started = Date.now();
  let lastProgress = { filesDone: 0, filesTotal: 0 };
  try {
    const result = await syncDirectory({
      dir: opts.dir, vaultName, accountId: opts.accountId, catalog: opts.catalog, ...(client ? { client } : {}),
      new: opts.new, replaceModified: opts.replaceModified, deleteRemoved: opts.deleteRemoved, include: opts.include, exclude: opts.exclude,
      detect: opts.detect, dryRun, shard, partSize: opts.partSize, concurrency: opts.concurrency, threads: opts.threads,
      maxAttempts: opts.maxAttempts, signal: ctx.signal, inventory, forceVault: Boolean(opts.forceVault),
      vaultIdentity: conn ? { region: conn.region, endpoint: conn.endpoint ?? 'AWS' } : { ...(opts.region ? { region: opts.region } : {}), ...(opts.endpoint ? { endpoint: opts.endpoint } : {}) },
      onProgress: (p) => {
        lastProgress = p;
        progress.update(p);
      },
      onNote: (n) => {
        notes.push(n);
        progress.stop();
        if (!opts.json) ctx.note(n);
      },
    });
    progress.stop();
    const seconds = (Date.now() - started) / 1000;
    const { plan } = result;
    const missed = notBackedUp(plan);
    if (opts.json) {
      ctx.json({
        dryRun, vaultName, catalog: opts.catalog, seconds,
        planned: { uploads: plan.uploads.map((u) => ({ path: u.file.path, kind: u.kind, size: u.file.size })), deletions: plan.deletions.map((d) => ({ path: d.path, archives: d.archives.map((a) => a.archiveId) })) },
        uploaded: result.uploaded, deleted: result.deleted, adopted: result.adopted, unresolvedIntents: result.unresolvedIntents, unchanged: plan.unchanged, empty: plan.empty, concurrency: result.concurrency,
        skipped: plan.skipped.map((s) => ({ path: s.path, reason: s.reason, directory: s.directory })),
        failed: result.failed.map((f) => ({ path: f.path, code: (f.error as { code?: string }).code, message: f.error.message })), notes,
      });
    } else if (dryRun) {
      for (const u of plan.uploads) ctx.out(`would upload (${u.kind})\t${u.file.path}\t${formatSize(u.file.size)}`);
      for (const d of plan.deletions) ctx.out(`would delete\t${d.path}\t${plural(d.archives.length, 'archive')}`);
      const bytes = plan.uploads.reduce((n, u) => n + u.file.size, 0);
      ctx.note(`dry run: ${plural(plan.uploads.length, 'file')} to upload (${formatSize(bytes)}), ${plural(plan.deletions.length, 'path')} to delete, ${plan.unchanged} unchanged, ${plan.empty.length} empty skipped, ${missed.length} not backed up (unreadable or unusable name); nothing was sent`);
    } else {
      const multipart = result.uploaded.filter((f) => f.multipart).length;
      ctx.out(`uploaded ${plural(result.uploaded.length, 'file')} (${formatSize(result.bytesUploaded)}; ${result.uploaded.length - multipart} in one request, ${multipart} multipart) in ${seconds.toFixed(1)} s; ` +
        `${plan.unchanged} unchanged, ${plan.empty.length} empty skipped, ${missed.length} not backed up (unreadable or unusable name), ` +
        `${plural(result.deleted.length, 'archive')} deleted, ${result.failed.length} failed` +
        `${result.adopted.length ? `; ${result.adopted.length} adopted from the inventory` : ''}`);
    }
    if (missed.length) {
      ctx.note(`${missed.length} ${missed.length === 1 ? 'entry was' : 'entries were'} not backed up (see the notes above: unreadable, or a name a catalog cannot hold): ` +
        `fix or rename them, or leave them out with ${excludeFlags(missed)}`);
    }
    if (result.failed.length) ctx.note(`${plural(result.failed.length, 'file')} ${result.failed.length === 1 ? 'was' : 'were'} not uploaded (see above); run the same command again to retry them`);
    return result.failed.length || missed.length ? EXIT_FAILURE : 0;
  } catch (err) {
    progress.stop();
    if (ctx.signal.aborted) {
      ctx.note(`sync stopped: ${lastProgress.filesDone} of ${plural(lastProgress.filesTotal, 'file')} recorded in ${opts.catalog}; an interrupted multipart upload stays resumable. ` +
        `Continue with the same command: ${commandLine(ctx, process.argv.slice(2))}`);
      return EXIT_INTERRUPTED;
    }
    throw err;
  } finally {
    client?.destroy();
  }
}

/** The --exclude flags that leave out what could not be read (a name that is not UTF-8 cannot be written as a pattern). */
function excludeFlags(missed: readonly { path: string; reason: string; directory: boolean }[]): string {
  const flags = missed.filter((s) => s.reason === 'unreadable').map((s) => `--exclude ${shellQuote(s.directory ? `${s.path}/` : s.path)}`);
  return flags.length ? flags.slice(0, 5).join(' ') + (flags.length > 5 ? ' …' : '') : '--exclude';
}
