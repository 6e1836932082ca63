import { DeleteArchiveCommand, type GlacierClient } from '@aws-sdk/client-glacier';
import { ArchiveNotFoundError } from '../glacier/download/download-errors.js';
import { callGlacier } from '../glacier/request.js';
import { DEFAULT_MAX_ATTEMPTS } from '../glacier/retry.js';
import type { Catalog } from './catalog.js';
import { InvalidOptionError, checkVaultCall } from '../options.js';

export interface DeleteArchiveOptions {
  client: GlacierClient;
  vaultName: string;
  accountId?: string;
  archiveId: string;
  /** Records DELETED here once Glacier confirms (or says the archive is already gone). */
  catalog?: Catalog;
  /** The archive's path, for the DELETED line (default: what the catalog knows). */
  path?: string;
  signal?: AbortSignal;
  maxAttempts?: number;
}

/**
 * DeleteArchive, retried on transient failures. 'deleted' when Glacier removed it, 'absent' when it
 * was not there (already deleted, or a wrong id); either way the catalog records DELETED, because
 * Glacier holds no such archive. A missing vault is VaultNotFoundError. Deleting an archive less
 * than 90 days old costs a prorated early-deletion charge.
 */
export async function deleteArchive(o: DeleteArchiveOptions): Promise<'deleted' | 'absent'> {
  checkVaultCall(o, 'deleteArchive', '{ client, vaultName, archiveId, ... }');
  if (typeof o.archiveId !== 'string' || o.archiveId === '') throw InvalidOptionError.expected('archiveId', 'the id Glacier gave the archive', o.archiveId);
  let outcome: 'deleted' | 'absent' = 'deleted';
  try {
    const target = { client: o.client, vaultName: o.vaultName, maxAttempts: o.maxAttempts ?? DEFAULT_MAX_ATTEMPTS, missing: { kind: 'archive' as const, archiveId: o.archiveId } };
    await callGlacier(target, 'DeleteArchive', (abortSignal) => o.client.send(
      new DeleteArchiveCommand({ accountId: o.accountId ?? '-', vaultName: o.vaultName, archiveId: o.archiveId }), { abortSignal }), { signal: o.signal });
  } catch (err) {
    if (!(err instanceof ArchiveNotFoundError)) throw err;
    outcome = 'absent';
  }
  if (o.catalog && (o.catalog.archive(o.archiveId) || outcome === 'deleted')) await o.catalog.recordDeleted(o.archiveId, o.path);
  return outcome;
}
