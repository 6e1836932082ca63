/**
 * Deleting many archives: those a catalog records, or those an inventory lists (which lags by up
 * to a day: archives uploaded since are not in it and stay). DELETED is recorded for each.
 */
import type { GlacierClient } from '@aws-sdk/client-glacier';
import { cancelledError } from '../glacier/retry.js';
import type { Catalog } from './catalog.js';
import { deleteArchive } from './delete-archive.js';
import { forEachLimit } from '../concurrency/index.js';
import { DEFAULTS, InvalidOptionError, checkLimit, checkVaultCall } from '../options.js';

export interface PurgeTarget {
  archiveId: string;
  path: string;
  size: number;
}

export interface PurgeOptions {
  client: GlacierClient;
  vaultName: string;
  accountId?: string;
  archives: readonly PurgeTarget[];
  /** DELETED is recorded here for each archive. */
  catalog?: Catalog;
  /** DeleteArchive calls at once (default 4). */
  concurrency?: number;
  signal?: AbortSignal;
  maxAttempts?: number;
  onDeleted?: (target: PurgeTarget, outcome: 'deleted' | 'absent') => void;
}

export interface PurgeResult {
  deleted: number;
  /** Already gone from the vault. */
  absent: number;
  bytes: number;
}

/** Deletes each archive (retrying transient failures); stops at the first other error, or when the signal fires. */
export async function purgeArchives(o: PurgeOptions): Promise<PurgeResult> {
  checkVaultCall(o, 'purgeArchives', '{ client, vaultName, archives, ... }');
  checkLimit('purgeConcurrency', o.concurrency);
  if (!Array.isArray(o.archives)) throw new InvalidOptionError('archives', 'archives must be an array of { archiveId, path, size }.');
  const result: PurgeResult = { deleted: 0, absent: 0, bytes: 0 };
  let failure: unknown;
  await forEachLimit(o.archives, o.concurrency ?? DEFAULTS.purgeConcurrency, async (t) => {
    try {
      const outcome = await deleteArchive({ client: o.client, vaultName: o.vaultName, accountId: o.accountId, archiveId: t.archiveId, catalog: o.catalog, path: t.path, signal: o.signal, maxAttempts: o.maxAttempts });
      if (outcome === 'deleted') {
        result.deleted++;
        result.bytes += t.size;
      } else result.absent++;
      o.onDeleted?.(t, outcome);
    } catch (err) {
      failure ??= err;
    }
  }, () => failure !== undefined || o.signal?.aborted === true);
  if (o.signal?.aborted) throw cancelledError(o.signal, failure);
  if (failure !== undefined) throw failure;
  return result;
}
