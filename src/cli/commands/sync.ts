import { commandLine } from '../next-step.js';
import { stat } from 'node:fs/promises';
import { connect } from '../client.js';
import { CliUsageError } from '../errors.js';
import { EXIT_FAILURE, EXIT_INTERRUPTED, type Context } from '../output.js';
import { formatSize } from '../size.js';
import { checkVaultName } from './manage.js';
import { createFilesProgress } from './files-progress.js';

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

export async function syncCommand(ctx: Context, opts: Record<string, any>): Promise<number> {
  const vaultName = checkVaultName(opts.vault);
  await checkDir(opts.dir);
  const { syncDirectory, parseShard, pathFilter } = await import('../../catalog/index.js');
  const shard = opts.shard !== undefined ? await usage('--shard', () => parseShard(opts.shard)) : undefined;
  await usage('--include/--exclude', () => pathFilter(opts.include, opts.exclude));
  if (opts.partSize !== undefined) {
    const { validatePartSize } = await import('../../glacier/index.js');
    await usage('--part-size', () => validatePartSize(opts.partSize));
  }
  const dryRun = Boolean(opts.dryRun);
  if (opts.fromInventory !== undefined && opts.inventoryJob !== undefined) throw new CliUsageError('--from-inventory and --inventory-job both name the inventory: give one.');
  if (opts.fromInventory !== undefined) await stat(opts.fromInventory).catch(() => { throw new CliUsageError(`--from-inventory ${opts.fromInventory} does not exist: check the path (an inventory saved with inventory --out).`); });
  const { client } = dryRun ? { client: undefined } : await connect(opts, ctx.log);
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
      maxAttempts: opts.maxAttempts, signal: ctx.signal, inventory,
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
    if (opts.json) {
      ctx.json({
        dryRun, vaultName, catalog: opts.catalog, seconds,
        planned: { uploads: plan.uploads.map((u) => ({ path: u.file.path, kind: u.kind, size: u.file.size })), deletions: plan.deletions.map((d) => ({ path: d.path, archives: d.archives.map((a) => a.archiveId) })) },
        uploaded: result.uploaded, deleted: result.deleted, adopted: result.adopted, unresolvedIntents: result.unresolvedIntents, unchanged: plan.unchanged, empty: plan.empty, concurrency: result.concurrency,
        failed: result.failed.map((f) => ({ path: f.path, code: (f.error as { code?: string }).code, message: f.error.message })), notes,
      });
    } else if (dryRun) {
      for (const u of plan.uploads) ctx.out(`would upload (${u.kind})\t${u.file.path}\t${formatSize(u.file.size)}`);
      for (const d of plan.deletions) ctx.out(`would delete\t${d.path}\t${d.archives.length} archive(s)`);
      const bytes = plan.uploads.reduce((n, u) => n + u.file.size, 0);
      ctx.note(`dry run: ${plan.uploads.length} files to upload (${formatSize(bytes)}), ${plan.deletions.length} paths to delete, ${plan.unchanged} unchanged, ${plan.empty.length} empty skipped; nothing was sent`);
    } else {
      const multipart = result.uploaded.filter((f) => f.multipart).length;
      ctx.out(`uploaded ${result.uploaded.length} files (${formatSize(result.bytesUploaded)}; ${result.uploaded.length - multipart} in one request, ${multipart} multipart) in ${seconds.toFixed(1)} s; ` +
        `${plan.unchanged} unchanged, ${plan.empty.length} empty skipped, ${result.deleted.length} archives deleted, ${result.failed.length} failed` +
        `${result.adopted.length ? `; ${result.adopted.length} adopted from the inventory` : ''}`);
    }
    if (result.failed.length) {
      ctx.note(`${result.failed.length} file(s) were not uploaded (see above); run the same command again to retry them`);
      return EXIT_FAILURE;
    }
    return 0;
  } catch (err) {
    progress.stop();
    if (ctx.signal.aborted) {
      ctx.note(`sync stopped: ${lastProgress.filesDone} of ${lastProgress.filesTotal} files recorded in ${opts.catalog}; an interrupted multipart upload stays resumable. ` +
        `Continue with the same command: ${commandLine(ctx, process.argv.slice(2))}`);
      return EXIT_INTERRUPTED;
    }
    throw err;
  } finally {
    client?.destroy();
  }
}
