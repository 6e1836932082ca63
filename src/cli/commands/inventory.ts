import { once } from 'node:events';
import { createWriteStream, existsSync, statSync } from 'node:fs';
import { connect } from '../client.js';
import { CliUsageError } from '../errors.js';
import { EXIT_FAILURE, type Context } from '../output.js';
import { formatSize } from '../size.js';
import { checkVaultName } from './manage.js';

/** Passes the bytes through while writing them to `path`. */
async function* tee(body: AsyncIterable<Uint8Array>, path: string): AsyncGenerator<Uint8Array> {
  const out = createWriteStream(path);
  try {
    for await (const chunk of body) {
      if (!out.write(chunk)) await once(out, 'drain');
      yield chunk;
    }
  } finally {
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
}

export async function inventoryCommand(ctx: Context, opts: Record<string, any>): Promise<number> {
  const vaultName = checkVaultName(opts.vault);
  const minutes = opts.wait === undefined ? 24 * 60 : Number(opts.wait);
  if (!Number.isFinite(minutes) || minutes < 0) throw new CliUsageError(`--wait must be minutes (0 or more), got ${opts.wait}.`);
  if (opts.catalog && existsSync(opts.catalog) && statSync(opts.catalog).size > 0) {
    throw new CliUsageError(`--catalog ${opts.catalog} already exists: rebuilding into it would mix two histories. Choose a new file, or delete it first.`);
  }
  const { Catalog, retrieveInventory, parseInventory, inventoryRecord, InventoryNotReadyError } = await import('../../catalog/index.js');
  const { client } = await connect(opts, ctx.log);
  const catalog = opts.catalog ? await Catalog.open(opts.catalog) : undefined;
  try {
    let inv;
    try {
      inv = await retrieveInventory({
        client, vaultName, accountId: opts.accountId, format: opts.format, jobId: opts.jobId, timeout: minutes * 60_000, signal: ctx.signal, maxAttempts: opts.maxAttempts,
        onJob: (id, started) => ctx.note(started ? `started inventory job ${id} (Glacier takes about 3-5 hours; the inventory is up to a day old)` : `using inventory job ${id}`),
      });
    } catch (err) {
      if (err instanceof InventoryNotReadyError) {
        ctx.note(err.message);
        return EXIT_FAILURE;
      }
      throw err;
    }
    const body = opts.out ? tee(inv.body, opts.out) : inv.body;
    let header: { vaultARN?: string; inventoryDate?: string } = {};
    let count = 0;
    let bytes = 0;
    let batch: ReturnType<typeof inventoryRecord>[] = [];
    if (!opts.json) ctx.out(['archive id', 'size', 'created', 'path (from the description)'].join('\t'));
    for await (const a of parseInventory(body, { format: opts.format, onHeader: (h) => (header = h) })) {
      count++;
      bytes += a.size;
      const record = inventoryRecord(a);
      if (opts.json) ctx.io.stdout.write(`${JSON.stringify({ ...a, path: record.path, mtime: record.mtime })}\n`);
      else ctx.out([a.archiveId, a.size, a.creationDate, record.path].join('\t'));
      if (catalog) {
        batch.push(record);
        if (batch.length >= 1000) {
          await catalog.append(batch);
          batch = [];
        }
      }
    }
    if (catalog && batch.length) await catalog.append(batch);
    ctx.note(`${count} archives, ${formatSize(bytes)}${header.inventoryDate ? `, inventory of ${header.inventoryDate}` : ''} (Glacier refreshes inventories about once a day)` +
      `${catalog ? `; catalog written to ${opts.catalog}` : ''}${opts.out ? `; raw inventory saved to ${opts.out}` : ''}`);
    return 0;
  } finally {
    client.destroy();
    await catalog?.close();
  }
}
