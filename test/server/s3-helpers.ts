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

export interface RawS3Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * A hand-made S3 request signed with the SDK's own SigV4 signer (service s3, path as sent), for
 * bodies the S3 client does not produce (signed aws-chunked, wrong trailers, cut-off bodies).
 * `seedHook` receives the header signature so chunk signatures can chain from it.
 */
export async function signedS3Request(
  server: LocalGlacier,
  opts: {
    method: string; path: string; query?: Record<string, string>; headers?: Record<string, string>;
    body?: (seedSignature: string, amzDate: string) => Buffer; secret?: string;
  },
): Promise<RawS3Response> {
  const { SignatureV4 } = await import('@smithy/signature-v4');
  const { Sha256 } = await import('@aws-crypto/sha256-js');
  const { request } = await import('node:http');
  const url = new URL(server.s3Endpoint);
  const headers: Record<string, string> = { host: url.host, ...(opts.headers ?? {}) };
  const signer = new SignatureV4({
    credentials: { accessKeyId: 'test', secretAccessKey: opts.secret ?? 'test' }, region: 'us-east-1', service: 's3',
    sha256: Sha256, uriEscapePath: false, applyChecksum: false,
  });
  const signed = await signer.sign({ method: opts.method, protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: opts.path, query: opts.query ?? {}, headers });
  const seed = /Signature=([0-9a-f]{64})/.exec(String(signed.headers['authorization']))![1]!;
  const body = opts.body?.(seed, String(signed.headers['x-amz-date']));
  const qs = new URLSearchParams(opts.query ?? {}).toString();
  return new Promise((resolve, reject) => {
    const req = request(`${server.s3Endpoint}${opts.path}${qs ? `?${qs}` : ''}`, { method: opts.method, headers: signed.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The <Code> of an S3 XML error body. */
export const xmlCode = (body: string): string | undefined => /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
