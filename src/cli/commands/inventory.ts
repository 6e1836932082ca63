import { once } from 'node:events';
import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import { connect } from '../client.js';
import { CliUsageError } from '../errors.js';
import { EXIT_FAILURE, type Context } from '../output.js';
import { formatSize } from '../size.js';
import { checkVaultName } from './manage.js';
import type { InventoryFlags } from '../definitions/catalog.js';

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

/** Writes one line to stdout, waiting while a slow reader (a pipe) catches up: memory stays bounded. */
async function writeLine(ctx: Context, line: string): Promise<void> {
  if (!ctx.io.stdout.write(`${line}\n`)) await once(ctx.io.stdout, 'drain');
}

export async function inventoryCommand(ctx: Context, opts: InventoryFlags): Promise<number> {
  const vaultName = checkVaultName(opts.vault);
  const minutes = opts.wait === undefined ? 24 * 60 : Number(opts.wait);
  if (!Number.isFinite(minutes) || minutes < 0) throw new CliUsageError(`--wait must be minutes (0 or more), got ${opts.wait}.`);
  if (opts.catalog && existsSync(opts.catalog) && statSync(opts.catalog).size > 0) {
    throw new CliUsageError(`--catalog ${opts.catalog} already exists: rebuilding into it would mix two histories. Choose a new file, or delete it first.`);
  }
  if (opts.fromFile !== undefined && opts.jobId !== undefined) throw new CliUsageError('--from-file and --job-id both say where the inventory comes from: give one.');
  if (opts.fromFile !== undefined && !existsSync(opts.fromFile)) throw new CliUsageError(`--from-file ${opts.fromFile} does not exist: check the path (an inventory saved with --out).`);
  const { Catalog, retrieveInventory, InventoryNotReadyError } = await import('../../catalog/index.js');
  const fromFile = opts.fromFile;
  const connection = fromFile === undefined ? await connect(opts, ctx.log) : undefined;
  const catalog = opts.catalog ? await Catalog.open(opts.catalog, { lock: true }) : undefined;
  try {
    let body: AsyncIterable<Uint8Array>;
    if (connection) {
      try {
        body = (await retrieveInventory({
          client: connection.client, vaultName, accountId: opts.accountId, format: opts.format, jobId: opts.jobId, timeout: minutes * 60_000, signal: ctx.signal, maxAttempts: opts.maxAttempts,
          onJob: (id, started) => ctx.note(started ? `started inventory job ${id} (Glacier takes about 3-5 hours; the inventory is up to a day old)` : `using inventory job ${id}`),
        })).body;
      } catch (err) {
        if (err instanceof InventoryNotReadyError) {
          ctx.note(err.message);
          return EXIT_FAILURE;
        }
        throw err;
      }
    } else body = createReadStream(fromFile!);
    await listInventory(ctx, opts, opts.out ? tee(body, opts.out) : body, catalog);
    return 0;
  } finally {
    connection?.client.destroy();
    await catalog?.close();
  }
}

/** Prints every archive of an inventory (and records it in the catalog), streaming: one archive held at a time. */
async function listInventory(ctx: Context, opts: InventoryFlags, body: AsyncIterable<Uint8Array>, catalog: import('../../catalog/index.js').Catalog | undefined): Promise<void> {
  const { parseInventory, inventoryRecord } = await import('../../catalog/index.js');
  let header: { vaultARN?: string; inventoryDate?: string } = {};
  let count = 0;
  let bytes = 0;
  let batch: ReturnType<typeof inventoryRecord>[] = [];
  if (!opts.json) await writeLine(ctx, ['archive id', 'size', 'created', 'path (from the description)'].join('\t'));
  // A file's format is told by its first character; a job's is the one requested.
  for await (const a of parseInventory(body, { format: opts.fromFile !== undefined ? 'auto' : opts.format, onHeader: (h) => (header = h) })) {
    count++;
    bytes += a.size;
    const record = inventoryRecord(a);
    await writeLine(ctx, opts.json ? JSON.stringify({ ...a, path: record.path, mtime: record.mtime }) : [a.archiveId, a.size, a.creationDate, record.path].join('\t'));
    if (catalog) {
      batch.push(record);
      if (batch.length >= 1000) {
        await catalog.append(batch);
        batch = [];
      }
    }
  }
  if (catalog && batch.length) await catalog.append(batch);
  ctx.note(`${count} archive${count === 1 ? '' : 's'}, ${formatSize(bytes)}${header.inventoryDate ? `, inventory of ${header.inventoryDate}` : ''} (Glacier refreshes inventories about once a day)` +
    `${catalog ? `; catalog written to ${opts.catalog}` : ''}${opts.out ? `; raw inventory saved to ${opts.out}` : ''}`);
}
