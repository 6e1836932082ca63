import {
  CancelledError, ChecksumMismatchError, TooManyPartsError, UploadFailedError, UploadNotFoundError,
} from '../errors.js';
import type { JournalWriter } from './journal.js';
import type { MultipartUpload } from './multipart-upload.js';

export interface FailurePolicy {
  journalPath: string | undefined;
  /** This call initiated the upload (else it continues one an earlier run paid for). */
  startedHere: boolean;
  uploadedParts: number;
  /** leavePartsOnError; default: false for an upload started here, true for one continued. */
  leaveParts: boolean | undefined;
  /** leavePartsOnCancel; default: leaveParts. */
  leavePartsOnCancel: boolean | undefined;
}

/** An error's message without its final period (it is followed by more sentences). */
function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\.+$/, '');
}

/**
 * What uploadArchive does with a multipart upload once a failure (or a cancel) ended it: the one
 * home of the abort-or-keep policy. Rejects with CancelledError for a cancel, the error
 * itself when there is nothing left to decide, and UploadFailedError (its own code, the cause
 * kept) otherwise; each says whether the upload was aborted or how to resume it.
 */
export async function failUpload(err: unknown, upload: MultipartUpload, journal: JournalWriter | undefined, p: FailurePolicy): Promise<never> {
  const cancelled = err instanceof CancelledError;
  const what = `Upload to vault "${upload.vaultName}"`;
  const details = { uploadId: upload.uploadId, uploadedParts: p.uploadedParts, cause: err };
  if (err instanceof UploadNotFoundError) {
    await journal?.close();
    throw err;
  }
  if (err instanceof ChecksumMismatchError && err.archiveId) {
    // Complete went through: there is no upload left to abort or resume, only a suspect archive.
    await journal?.remove();
    throw new UploadFailedError(`${what} failed: ${err.message}`, { ...details, aborted: false });
  }
  const leaveOnError = p.leaveParts ?? !p.startedHere;
  const leave = cancelled ? p.leavePartsOnCancel ?? leaveOnError : leaveOnError;
  // A stream past 10,000 parts can never be completed: abort whatever the policy says.
  if (leave && !(err instanceof TooManyPartsError)) {
    await journal?.close();
    const how = p.journalPath ? `journal '${p.journalPath}' or uploadId '${upload.uploadId}'` : `uploadId '${upload.uploadId}'`;
    const why = (cancelled ? p.leavePartsOnCancel : p.leaveParts) !== undefined
      ? (cancelled && p.leavePartsOnCancel !== undefined ? '(leavePartsOnCancel)' : '(leavePartsOnError)')
      : '(it was started by an earlier run)';
    const text = `${cancelled ? `${what} was cancelled` : `${what} failed: ${message(err)}`}. Multipart upload ${upload.uploadId} was left open ` +
      `${why}: resume it with ${how} within 24 hours, or abort it.`;
    if (cancelled) throw new CancelledError({ operation: 'upload', message: text, ...details, journal: p.journalPath, aborted: false });
    throw new UploadFailedError(text, { ...details, journal: p.journalPath, aborted: false });
  }
  try {
    await upload.abort();
  } catch (abortErr) {
    await journal?.close();
    const text = `${cancelled ? `${what} was cancelled` : `${what} failed: ${message(err)}`}. Aborting multipart upload ${upload.uploadId} failed too ` +
      `(${message(abortErr)}): abort it later (AbortMultipartUpload) or let it expire (24 hours without activity).`;
    if (cancelled) throw new CancelledError({ operation: 'upload', message: text, ...details, journal: p.journalPath, aborted: false, abortError: abortErr });
    throw new UploadFailedError(text, { ...details, journal: p.journalPath, aborted: false, abortError: abortErr });
  }
  await journal?.remove();
  const text = `${cancelled ? `${what} was cancelled` : `${what} failed: ${message(err)}`}. Multipart upload ${upload.uploadId} was aborted` +
    `${p.startedHere ? '' : ' (it had been started earlier)'} and its parts deleted${cancelled ? '' : '; pass leavePartsOnError: true to keep them for a resume'}.`;
  if (cancelled) throw new CancelledError({ operation: 'upload', message: text, ...details, aborted: true });
  throw new UploadFailedError(text, { ...details, aborted: true });
}
