import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { JournalError, ResumeMismatchError, SourceChangedError } from '../errors.js';
import { JOURNAL_FORMAT, JOURNAL_VERSION, type JournalConnection, type JournalState } from './journal.js';
import type { MultipartUpload } from './multipart-upload.js';
import type { PartReader } from '../sources.js';
import type { UploadArchiveOptions } from './upload-options.js';

// What a resume checks before it sends anything: the journal belongs to this vault, upload and
// file (which held parts the bytes on disk still match is part-plan.ts).

/** A new journal's directory must exist and be writable: found out before the upload starts. */
export async function checkJournalWritable(path: string): Promise<void> {
  const dir = dirname(resolve(path));
  try {
    await access(dir, constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new JournalError(path, `Cannot create the journal ${path}: its directory ${dir} ${code === 'ENOENT' ? 'does not exist' : 'is not writable'}. Choose a journal path in a writable directory.`, { cause: err });
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
