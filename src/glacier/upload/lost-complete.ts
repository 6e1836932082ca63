import { rm } from 'node:fs/promises';
import type { GlacierClient } from '@aws-sdk/client-glacier';
import { combineTreeHashes } from '../../hash/index.js';
import type { HashPool } from '../../pool/index.js';
import { CompleteAnswerLostError, UploadNotFoundError } from '../errors.js';
import type { JournalState } from './journal.js';
import { MultipartUpload } from './multipart-upload.js';
import { identityDifference, type PartReader } from '../sources.js';

export interface SentComplete {
  archiveId: string;
  location: string;
  checksum: string;
  archiveSize: number;
  partCount: number;
}

/**
 * A journal that records a CompleteMultipartUpload whose answer never came. When the journal
 * covers every part and the file still has those bytes (its identity unchanged, or its whole tree
 * hash computed again equals the recorded one), the same Complete is sent again: Glacier answers
 * a repeat with the same archive id for a while, and completes an upload the first one never
 * reached. Returns undefined to let the caller resume normally, with `fileChanged` set when the
 * file no longer holds the recorded bytes; throws CompleteAnswerLostError when the upload is gone.
 */
export async function repeatSentComplete(a: {
  client: GlacierClient; vaultName: string; accountId: string; maxAttempts: number; signal: AbortSignal;
  state: JournalState; reader: PartReader; pool: () => Pick<HashPool, 'hashFile'>;
}): Promise<{ done?: SentComplete; fileChanged?: string }> {
  const { state, reader } = a;
  const sent = state.complete!;
  const { partSize, uploadId } = state.header;
  const count = Math.ceil(sent.archiveSize / partSize);
  const hashes: string[] = [];
  for (let i = 0; i < count; i++) hashes.push(state.parts.get(i)?.treeHash ?? '');
  // A record the parts do not add up to is not trusted: resume the ordinary way.
  if (hashes.includes('') || combineTreeHashes(hashes) !== sent.treeHash) return {};
  let fileChanged: string | undefined;
  if (reader.file) {
    const header = state.header.file;
    if (!header || identityDifference(header, reader.file) !== undefined) {
      const now = await a.pool().hashFile(reader.file.path, { partSize, signal: a.signal, ...(reader.opened ? { opened: reader.opened } : {}) });
      if (now.size !== sent.archiveSize || now.treeHash !== sent.treeHash) {
        fileChanged = `its tree hash is now ${now.treeHash} for ${now.size} bytes`;
      }
    }
  } else if (reader.size !== sent.archiveSize) {
    fileChanged = `it now has ${String(reader.size)} bytes`;
  }
  if (fileChanged) return { fileChanged };
  const upload = MultipartUpload.attach({
    client: a.client, vaultName: a.vaultName, accountId: a.accountId, maxAttempts: a.maxAttempts, signal: a.signal, uploadId, partSize,
  });
  try {
    const done = await upload.complete({ archiveSize: sent.archiveSize, treeHash: sent.treeHash, signal: a.signal });
    await rm(state.path, { force: true });
    return { done: { ...done, partCount: count } };
  } catch (err) {
    if (err instanceof UploadNotFoundError) throw lostAnswer(state, a.vaultName, undefined, err);
    // e.g. the upload is open but lacks parts (the first Complete never arrived): resume normally.
    if ((err as { name?: string }).name === 'InvalidParameterValueException') return {};
    throw err;
  }
}

export function lostAnswer(state: JournalState, vaultName: string, fileChanged: string | undefined, cause: unknown): CompleteAnswerLostError {
  const sent = state.complete!;
  return new CompleteAnswerLostError({
    vaultName, uploadId: state.header.uploadId, archiveSize: sent.archiveSize, treeHash: sent.treeHash, sentAt: sent.sentAt,
    journal: state.path, fileChanged, cause,
  });
}
