// Shared helpers for the local S3 tests: a real @aws-sdk/client-s3 over HTTP (path-style), and
// expected checksums computed here with node:crypto and the SDK's own checksum packages.
import { createHash } from 'node:crypto';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { LocalGlacier } from '../../dist/src/server/index.js';

export { bytes, failure, MiB } from './helpers.js';

export function s3client(server: LocalGlacier, extra: Partial<S3ClientConfig> = {}): S3Client {
  return new S3Client({
    endpoint: server.s3Endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    ...extra,
  });
}

export const md5hex = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');
export const sha256b64 = (b: Uint8Array): string => createHash('sha256').update(b).digest('base64');

/** S3's multipart ETag: the MD5 of the parts' binary MD5s, -N. */
export function multipartEtag(parts: Uint8Array[]): string {
  const h = createHash('md5');
  for (const p of parts) h.update(createHash('md5').update(p).digest());
  return `"${h.digest('hex')}-${parts.length}"`;
}

/** The error code and HTTP status an SDK call failed with. */
export function codeOf(err: Error & { $metadata?: { httpStatusCode?: number }; Code?: string }): { name: string; status: number | undefined } {
  return { name: err.name, status: err.$metadata?.httpStatusCode };
}
