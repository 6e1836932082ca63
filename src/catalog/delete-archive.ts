import { DeleteArchiveCommand, type GlacierClient } from '@aws-sdk/client-glacier';
import { VaultNotFoundError } from '../glacier/errors.js';
import { withRetries } from '../glacier/retry.js';
import type { Catalog } from './catalog.js';

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

const isNotFound = (err: unknown) => (err as { name?: string })?.name === 'ResourceNotFoundException';

/**
 * DeleteArchive, retried on transient failures. 'deleted' when Glacier removed it, 'absent' when it
 * was not there (already deleted, or a wrong id); either way the catalog records DELETED, because
 * Glacier holds no such archive. A missing vault is VaultNotFoundError. Deleting an archive less
 * than 90 days old costs a prorated early-deletion charge.
 */
export async function deleteArchive(o: DeleteArchiveOptions): Promise<'deleted' | 'absent'> {
  let outcome: 'deleted' | 'absent' = 'deleted';
  try {
    await withRetries(() => o.client.send(new DeleteArchiveCommand({ accountId: o.accountId ?? '-', vaultName: o.vaultName, archiveId: o.archiveId }),
      { abortSignal: o.signal }), { maxAttempts: o.maxAttempts ?? 5, signal: o.signal });
  } catch (err) {
    if (!isNotFound(err)) throw err;
    if (/vault not found/i.test((err as Error).message)) throw new VaultNotFoundError(o.vaultName, { cause: err });
    outcome = 'absent';
  }
  if (o.catalog && (o.catalog.archive(o.archiveId) || outcome === 'deleted')) await o.catalog.recordDeleted(o.archiveId, o.path);
  return outcome;
}
