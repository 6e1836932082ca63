// Shared helpers for the local server tests. Expected hashes are computed here with node:crypto,
// independently of both the server and the WebAssembly core.
import { request } from 'node:http';
import { GlacierClient } from '@aws-sdk/client-glacier';
import type { LocalGlacier } from '../../dist/src/server/index.js';

import { MiB } from '../oracle.js';

export { MiB, oracleSha256 as sha256, oracleTreeHash as treeHash } from '../oracle.js';

/** Deterministic pseudo-random bytes (so a test's data differs by seed and never by chance). */
export function bytes(size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

export function client(server: LocalGlacier, extra: Partial<ConstructorParameters<typeof GlacierClient>[0]> = {}): GlacierClient {
  return new GlacierClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    ...extra,
  });
}

/** Catches the error a promise rejects with (fails the test if it resolves). */
export async function failure(p: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { $metadata?: { httpStatusCode?: number } };
  }
  throw new Error('expected the request to fail, but it succeeded');
}

export const FAKE_AUTH =
  'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/glacier/aws4_request, SignedHeaders=host;x-amz-date, Signature=' + '0'.repeat(64);

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A hand-made HTTP request, for what the SDK will not send (missing headers, odd bodies). */
export function raw(
  server: LocalGlacier,
  opts: { method: string; path: string; headers?: Record<string, string | number | undefined>; body?: Buffer },
): Promise<RawResponse> {
  const headers: Record<string, string | number> = {
    authorization: FAKE_AUTH,
    'x-amz-glacier-version': '2012-06-01',
  };
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    if (v === undefined) delete headers[k];
    else headers[k] = v;
  }
  return new Promise((resolve, reject) => {
    const req = request(`${server.endpoint}${opts.path}`, { method: opts.method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}
