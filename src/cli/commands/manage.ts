import { CreateVaultCommand, DescribeVaultCommand } from '@aws-sdk/client-glacier';
import { connect } from '../client.js';
import { CliUsageError } from '../errors.js';
import type { Context } from '../output.js';
import { formatSize, plural } from '../size.js';
import { noteWhileWaiting } from '../waiting.js';
// part-size.js alone (not the glacier index) so that checking arguments does not load the SDK.
import { isValidVaultName } from '../../glacier/part-size.js';
import type { VaultFlags, UploadsFlags, PartsFlags, AbortFlags } from '../definitions/vault.js';

/** Glacier's vault-name rule, checked before any request so a typo is a usage error, not a 400. */
export function checkVaultName(name: string): string {
  if (!isValidVaultName(name)) {
    throw new CliUsageError(`Invalid vault name "${name}": use 1 to 255 characters from a-z, A-Z, 0-9, '_', '-' and '.'.`, 'INVALID_VAULT_NAME');
  }
  return name;
}

export async function vaultCreateCommand(ctx: Context, name: string, opts: VaultFlags): Promise<void> {
  const vaultName = checkVaultName(name);
  const { client } = await connect(opts, ctx, 'sdk');
  try {
    const out = await noteWhileWaiting(ctx, 'CreateVault', opts.requestTimeout,
      client.send(new CreateVaultCommand({ accountId: opts.accountId, vaultName }), { abortSignal: ctx.signal }));
    if (opts.json) ctx.json({ vaultName, location: out.location });
    else ctx.out(`created vault ${vaultName}${out.location ? ` (${out.location})` : ''}`);
  } finally {
    client.destroy();
  }
}

export async function vaultDescribeCommand(ctx: Context, name: string, opts: VaultFlags): Promise<void> {
  const vaultName = checkVaultName(name);
  const { client } = await connect(opts, ctx, 'sdk');
  try {
    const out = await noteWhileWaiting(ctx, 'DescribeVault', opts.requestTimeout,
      client.send(new DescribeVaultCommand({ accountId: opts.accountId, vaultName }), { abortSignal: ctx.signal }));
    const { $metadata: _m, ...vault } = out;
    if (opts.json) {
      ctx.json(vault);
      return;
    }
    ctx.out(`vault:          ${vault.VaultName}`);
    ctx.out(`arn:            ${vault.VaultARN}`);
    ctx.out(`created:        ${vault.CreationDate}`);
    ctx.out(`archives:       ${vault.NumberOfArchives ?? 0} (as of the last inventory)`);
    ctx.out(`size:           ${formatSize(vault.SizeInBytes ?? 0)}`);
    ctx.out(`last inventory: ${vault.LastInventoryDate ?? 'none yet'}`);
  } finally {
    client.destroy();
  }
}

export async function uploadsCommand(ctx: Context, opts: UploadsFlags): Promise<void> {
  const vaultName = checkVaultName(opts.vault);
  const { client } = await connect(opts, ctx);
  const { MultipartUpload } = await import('../../glacier/index.js');
  try {
    const uploads: Record<string, unknown>[] = [];
    for await (const u of MultipartUpload.list({ client, vaultName, accountId: opts.accountId, maxAttempts: opts.maxAttempts })) {
      uploads.push({ ...u });
    }
    if (opts.json) {
      ctx.json(uploads);
      return;
    }
    if (uploads.length === 0) {
      ctx.note(`no open multipart uploads in vault ${vaultName}`);
      return;
    }
    ctx.out(['upload id', 'part size', 'created', 'description'].join('\t'));
    for (const u of uploads) {
      ctx.out([field(u, 'uploadId', 'MultipartUploadId'), formatSize(Number(field(u, 'partSize', 'PartSizeInBytes'))), field(u, 'creationDate', 'CreationDate'), field(u, 'archiveDescription', 'ArchiveDescription') ?? ''].join('\t'));
    }
  } finally {
    client.destroy();
  }
}

/** The uploader's summaries use camelCase; tolerate Glacier's own names as well. */
function field(o: Record<string, unknown>, name: string, glacierName: string): string | undefined {
  const v = o[name] ?? o[glacierName];
  return v === undefined || v === null ? undefined : v instanceof Date ? v.toISOString() : String(v);
}

export async function partsCommand(ctx: Context, opts: PartsFlags): Promise<void> {
  const vaultName = checkVaultName(opts.vault);
  const { client } = await connect(opts, ctx);
  const { MultipartUpload } = await import('../../glacier/index.js');
  try {
    const upload = await MultipartUpload.resume({ client, vaultName, accountId: opts.accountId, uploadId: opts.uploadId, maxAttempts: opts.maxAttempts });
    const parts: { index: number; first: number; last: number; treeHash: string }[] = [];
    for await (const p of upload.listParts()) parts.push({ index: p.index, first: p.first, last: p.last, treeHash: p.treeHash });
    const bytes = parts.reduce((n, p) => n + (p.last - p.first + 1), 0);
    if (opts.json) {
      ctx.json({ vaultName, uploadId: upload.uploadId, partSize: upload.partSize, partCount: parts.length, bytes, parts });
      return;
    }
    ctx.note(`upload ${upload.uploadId}: part size ${formatSize(upload.partSize)}, ${plural(parts.length, 'part')} held (${formatSize(bytes)})`);
    for (const p of parts) ctx.out(`${p.index}\t${p.first}-${p.last}\t${p.treeHash}`);
  } finally {
    client.destroy();
  }
}

export async function abortCommand(ctx: Context, opts: AbortFlags): Promise<void> {
  const vaultName = checkVaultName(opts.vault);
  const { client } = await connect(opts, ctx);
  const { MultipartUpload, UploadNotFoundError } = await import('../../glacier/index.js');
  try {
    const upload = await MultipartUpload.resume({ client, vaultName, accountId: opts.accountId, uploadId: opts.uploadId, maxAttempts: opts.maxAttempts });
    await upload.abort();
    ctx.out(`aborted upload ${opts.uploadId} in vault ${vaultName}`);
  } catch (err) {
    // Like `aws glacier abort-multipart-upload`: an upload that is already gone is what was asked for.
    if (!(err instanceof UploadNotFoundError)) throw err;
    ctx.out(`upload ${opts.uploadId} is not open in vault ${vaultName} (already aborted, completed or expired): nothing to abort`);
    ctx.note(`(if it should be open, check --endpoint, --region and --account-id: ${ctx.endpoint ?? 'the AWS endpoint'}, account ${opts.accountId})`);
  } finally {
    client.destroy();
  }
}
