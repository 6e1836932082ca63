/**
 * Multipart uploads this migration left open (a run stopped between CreateMultipartUpload and the
 * state record, or an archive that failed): every open upload under the prefix whose key is one of
 * this shard's keys and which no archive in flight still resumes is aborted. Other uploads (another
 * shard's, another tool's) are never touched.
 */
import { AbortMultipartUploadCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import type { CopyContext } from './copy-context.js';
import { sendS3, type S3Target } from './copy-to-s3.js';
import type { IdTable } from './id-table.js';

export async function abortLeftoverUploads(ctx: CopyContext, t: S3Target, prefix: string, keys: IdTable, keep: Set<string>): Promise<number> {
  let aborted = 0;
  let keyMarker: string | undefined;
  let uploadMarker: string | undefined;
  do {
    const page = await sendS3(ctx, (abortSignal) => t.s3.send(new ListMultipartUploadsCommand({
      Bucket: t.bucket, ...(prefix ? { Prefix: prefix } : {}), ...(keyMarker ? { KeyMarker: keyMarker } : {}), ...(uploadMarker ? { UploadIdMarker: uploadMarker } : {}),
    }), { abortSignal }));
    for (const u of page.Uploads ?? []) {
      if (!u.Key || !u.UploadId || keep.has(u.UploadId) || !keys.get(u.Key)) continue;
      await sendS3(ctx, (abortSignal) => t.s3.send(new AbortMultipartUploadCommand({ Bucket: t.bucket, Key: u.Key!, UploadId: u.UploadId! }), { abortSignal }));
      aborted++;
    }
    const more = page.IsTruncated;
    keyMarker = more ? page.NextKeyMarker : undefined;
    uploadMarker = more ? page.NextUploadIdMarker : undefined;
  } while (keyMarker);
  return aborted;
}
