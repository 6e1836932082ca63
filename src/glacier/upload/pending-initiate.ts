import type { GlacierClient } from '@aws-sdk/client-glacier';
import { ResumeMismatchError } from '../errors.js';
import type { JournalHeader } from './journal.js';
import { MultipartUpload } from './multipart-upload.js';

/** How far a service clock may run behind ours when matching an upload's CreationDate. */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * A journal whose header was written before InitiateMultipartUpload was sent (uploadId '') belongs
 * to a run that died before it learned the upload id. Glacier may have created the upload anyway:
 * it is found among the vault's open uploads by part size, description and creation time. Returns
 * its id, or undefined when there is none (the Initiate never arrived: start afresh).
 */
export async function findInitiatedUpload(a: {
  client: GlacierClient; vaultName: string; accountId: string; maxAttempts: number; signal: AbortSignal; header: JournalHeader; journal: string;
}): Promise<string | undefined> {
  const { header } = a;
  const since = Date.parse(header.initiatedAt ?? header.createdAt) - CLOCK_SKEW_MS;
  const found: string[] = [];
  for await (const u of MultipartUpload.list({ client: a.client, vaultName: a.vaultName, accountId: a.accountId, maxAttempts: a.maxAttempts, signal: a.signal })) {
    const created = Date.parse(u.creationDate ?? '');
    if (u.partSize === header.partSize && (u.archiveDescription ?? undefined) === (header.description ?? undefined) && !(created < since)) {
      found.push(u.uploadId);
    }
  }
  if (found.length <= 1) return found[0];
  throw new ResumeMismatchError(
    `The journal ${a.journal} was written just before an upload was started, and the run ended before it learned the upload id; ` +
    `${found.length} open uploads in vault "${a.vaultName}" could be it (${found.join(', ')}). Resume the right one with its upload id ` +
    `(uploadId, without the journal) and abort the others.`);
}
