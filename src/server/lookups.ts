// Finding what a request names: its vault, an open upload, a job. Each refuses with Glacier's error.
import { invalidParameter, notFound } from './errors.js';
import type { RequestContext, ServerContext } from './context.js';
import { ID_RE, VAULT_NAME_RE, type JobRecord, type UploadRecord, type Vault } from './store.js';
import { arnFor } from './views.js';

export function checkVaultName(name: string | undefined): string {
  if (name === undefined || !VAULT_NAME_RE.test(name)) {
    throw invalidParameter(
      `Invalid vault name: "${name ?? ''}". A vault name is 1 to 255 characters of a-z, A-Z, 0-9, '_' (underscore), '-' (hyphen) and '.' (period).`);
  }
  return name;
}

export function getVault(ctx: RequestContext): Vault {
  const name = checkVaultName(ctx.route.vaultName);
  const vault = ctx.store.getVaultOrThrow(ctx.accountId, ctx.region, name, arnFor(ctx.accountId, ctx.region, name));
  return vault;
}

/** Takes the vault's inventory when the last one is inventoryIntervalMs old (Glacier's is daily). */
export async function refreshInventory(ctx: ServerContext, vault: Vault): Promise<void> {
  const last = Date.parse(vault.lastInventory?.date ?? vault.creationDate);
  if (Date.now() - last >= ctx.config.inventoryIntervalMs) await ctx.store.takeInventory(vault);
}

export const uploadNotFound = (id: string) => notFound(`The upload ID was not found: ${id}`);

export function isExpired(ctx: ServerContext, up: UploadRecord): boolean {
  return Date.now() - up.lastActivity > ctx.config.uploadTtlMs;
}

/** An open, unexpired upload; touching it counts as activity. */
export function getOpenUpload(ctx: ServerContext, vault: Vault, id: string | undefined): UploadRecord {
  if (id === undefined || !ID_RE.test(id)) throw uploadNotFound(id ?? '');
  const up = vault.uploads.get(id);
  if (!up) throw uploadNotFound(id);
  if (isExpired(ctx, up)) {
    ctx.store.expireUpload(vault, up);
    throw uploadNotFound(id);
  }
  if (up.state !== 'open') throw uploadNotFound(id);
  ctx.store.touchUpload(up);
  return up;
}

/** Removes every upload that saw no request for uploadTtlMs. */
export function sweepExpiredUploads(ctx: ServerContext, vault: Vault): void {
  for (const up of [...vault.uploads.values()]) if (isExpired(ctx, up)) ctx.store.expireUpload(vault, up);
}

/** The periodic sweep: expired uploads, and jobs past their output's lifetime (index and files). */
export function sweepExpired(ctx: ServerContext): void {
  const now = Date.now();
  for (const vault of ctx.store.vaults.values()) {
    sweepExpiredUploads(ctx, vault);
    const gone = vault.jobs.removeWhere((j) => isJobExpired(ctx, j, now));
    if (gone.length > 0) void ctx.store.removeJobFiles(vault, gone).catch(() => {});
  }
}

export const isJobDone = (job: JobRecord, now = Date.now()): boolean => now >= job.readyAt;

/** A job (and its output) is forgotten jobOutputTtlMs after it completed, as Glacier does. */
export const isJobExpired = (ctx: ServerContext, job: JobRecord, now = Date.now()): boolean =>
  now >= job.readyAt + ctx.config.jobOutputTtlMs;

export const jobNotFound = (id: string) => notFound(`The job ID was not found: ${id}`);

/** A job that exists and has not expired. */
export function getJob(ctx: ServerContext, vault: Vault, id: string | undefined): JobRecord {
  const job = id !== undefined && ID_RE.test(id) ? vault.jobs.get(id) : undefined;
  if (!job || isJobExpired(ctx, job)) throw jobNotFound(id ?? '');
  return job;
}
