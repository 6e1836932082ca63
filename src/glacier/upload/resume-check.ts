import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { JournalError, ResumeMismatchError, SourceChangedError } from '../errors.js';
import { JOURNAL_FORMAT, JOURNAL_VERSION, type JournalConnection, type JournalState } from './journal.js';
import type { ListedPart, MultipartUpload } from './multipart-upload.js';
import { raceAbort } from '../retry.js';
import type { PartReader } from '../sources.js';
import type { Pool, UploadArchiveOptions } from './upload-options.js';
import type { UploadProgress } from './upload-progress.js';

// What a resume checks before it sends anything: the journal belongs to this vault, upload and
// file; which held parts the bytes on disk still match.

/**
 * Hashes from the bytes on disk now every part Glacier holds that the journal does not vouch for
 * (it vouches only while the file's whole identity is unchanged and `verify` is off). When none
 * of the held parts matches the file, the upload belongs to another file (or the file was
 * replaced): refused before any part is sent, unless `force`. Returns index -> tree hash on disk.
 */
export async function hashHeldParts(pool: Pool, reader: PartReader, remote: Map<number, ListedPart>, partSize: number,
  vouched: (index: number) => boolean, o: UploadArchiveOptions, uploadId: string, signal: AbortSignal, progress: UploadProgress,
): Promise<Map<number, string>> {
  const onDisk = new Map<number, string>();
  if (!reader.file || remote.size === 0) return onDisk;
  const held = [...remote.keys()].sort((a, b) => a - b);
  const toHash = held.filter((i) => !vouched(i));
  if (toHash.length === 0) return onDisk;
  const hashed = await raceAbort(pool.hashFile(reader.file.path, { partSize, parts: toHash, signal }), signal);
  for (const h of hashed.parts) {
    onDisk.set(h.index, h.treeHash);
    progress.bytesHashed += h.last - h.first + 1;
  }
  if (o.force || held.some((i) => vouched(i) || onDisk.get(i) === remote.get(i)!.treeHash)) return onDisk;
  const first = held[0]!;
  throw new ResumeMismatchError(
    `None of the ${held.length} part${held.length === 1 ? '' : 's'} that upload ${uploadId} holds matches ${reader.file.path} (part ${first}: ` +
    `Glacier holds tree hash ${remote.get(first)!.treeHash}, the file has ${onDisk.get(first)}): the upload belongs to another file, ` +
    `or this file was replaced. Nothing was sent. Pass force: true to replace its parts with this file's, ` +
    `or start a new upload without the upload id or journal (and abort ${uploadId}).`, { kind: 'foreign-parts', uploadId });
}

/** A new journal's directory must exist and be writable: found out before the upload starts. */
export async function checkJournalWritable(path: string): Promise<void> {
  const dir = dirname(resolve(path));
  try {
    await access(dir, constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new JournalError({ journal: path, operation: 'upload', kind: 'unwritable', problem: `Cannot create the journal ${path}: its directory ${dir} ${code === 'ENOENT' ? 'does not exist' : 'is not writable'}`,
      fix: 'Choose a journal path in a writable directory.', cause: err });
  }
}

export function journalHeader(upload: Pick<MultipartUpload, 'vaultName' | 'accountId' | 'uploadId' | 'partSize' | 'description'>, reader: PartReader, connection?: JournalConnection) {
  return {
    format: JOURNAL_FORMAT, version: JOURNAL_VERSION, vaultName: upload.vaultName, accountId: upload.accountId,
    uploadId: upload.uploadId, partSize: upload.partSize, description: upload.description,
    file: reader.file ? { ...reader.file } : null, archiveSize: reader.size,
    ...(connection ? { connection: { ...connection } } : {}), createdAt: new Date().toISOString(),
  } as const;
}

/** The journal must describe this vault, upload and (for files) this very file, unchanged. */
export function checkJournal(state: JournalState, o: UploadArchiveOptions, reader: PartReader, accountId: string): void {
  const h = state.header;
  const path = state.path;
  if (h.vaultName !== o.vaultName || h.accountId !== accountId) {
    throw new ResumeMismatchError(`The journal ${path} is for vault "${h.vaultName}" (account ${h.accountId}), not "${o.vaultName}" (account ${accountId}): pass the matching vault, or another journal path.`);
  }
  if (o.uploadId !== undefined && o.uploadId !== h.uploadId) {
    throw new ResumeMismatchError(`The journal ${path} is for upload ${h.uploadId}, but uploadId ${o.uploadId} was passed: pass one of them.`);
  }
  if (h.file && reader.file) {
    if (resolve(h.file.path) !== reader.file.path) {
      throw new ResumeMismatchError(`The journal ${path} belongs to another file: it was written for ${h.file.path}, not ${reader.file.path}. ` +
        `Resume that file with this journal, or give ${reader.file.path} a journal of its own (another journal path), or delete ${path} to start over.`);
    }
    if (h.file.size !== reader.file.size) {
      throw new SourceChangedError(reader.file.path,
        `the journal ${path} recorded ${h.file.size} bytes, now it has ${reader.file.size} bytes; ` +
        `its parts in upload ${h.uploadId} are stale: delete the journal and abort that upload to start over`);
    }
  } else if (h.file && !reader.file) {
    throw new ResumeMismatchError(`The journal ${path} is for the file ${h.file.path}: pass that path as source.`);
  }
  if (h.archiveSize !== undefined && reader.size !== undefined && h.archiveSize !== reader.size) {
    throw new ResumeMismatchError(`The journal ${path} is for a ${h.archiveSize}-byte source, this one has ${reader.size} bytes: pass the same source, or delete the journal to start over.`);
  }
}
