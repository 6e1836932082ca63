// Glacier's answers are checked, not trusted: a proxy between the SDK and the local server rewrites
// the x-amz-sha256-tree-hash of selected answers, and the uploader must fail, never succeed.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListMultipartUploadsCommand } from '@aws-sdk/client-glacier';
import { ChecksumMismatchError, HashPool, UploadFailedError, createGlacierClient, uploadArchive } from 'glacier-multipart';
import { MiB, credentials, randomData, setup, type Env } from './helpers.js';

let env: Env;
let proxy: Server;
let pool: HashPool;
/** Which answers to corrupt: (method, path) of the request. */
let corrupt: (method: string, path: string) => boolean = () => false;
let corrupted = 0;

beforeAll(async () => {
  env = await setup();
  pool = new HashPool({ threads: 1 });
  const target = new URL(env.server.endpoint);
  proxy = createServer((req, res) => {
    // Forwarded unchanged (Host included), so the SigV4 signature still verifies upstream.
    const up = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      const headers = { ...answer.headers };
      if (headers['x-amz-sha256-tree-hash'] && corrupt(req.method!, req.url!)) {
        corrupted++;
        headers['x-amz-sha256-tree-hash'] = 'f'.repeat(64);
      }
      res.writeHead(answer.statusCode!, headers);
      answer.pipe(res);
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await pool?.destroy();
  await new Promise((resolve) => proxy?.close(resolve));
  await env?.close();
});

function proxiedClient() {
  return createGlacierClient({ endpoint: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, region: 'us-east-1', credentials });
}

describe('verification of Glacier’s checksums', () => {
  it('a part whose tree hash Glacier reports differently fails the upload (and aborts it)', async () => {
    const client = proxiedClient();
    corrupted = 0;
    corrupt = (method, path) => method === 'PUT' && path.includes('/multipart-uploads/') && !path.includes('?');
    try {
      const err = await uploadArchive({ vaultName: env.vaultName, client, pool, source: randomData(3 * MiB), partSize: MiB, concurrency: 1, readAhead: 0 })
        .catch((e: unknown) => e) as UploadFailedError;
      expect(err).toBeInstanceOf(UploadFailedError);
      // Each error keeps its own code (issue 10): the cause says what failed.
      expect(err.code).toBe('UPLOAD_FAILED');
      expect((err.cause as ChecksumMismatchError).code).toBe('CHECKSUM_MISMATCH');
      expect(err.cause).toBeInstanceOf(ChecksumMismatchError);
      expect((err.cause as ChecksumMismatchError).partIndex).toBe(0);
      expect(err.message).toMatch(/Part 0 .*Glacier computed tree hash f{64}/);
      expect(err.aborted).toBe(true);
      expect(corrupted).toBe(1);
    } finally {
      client.destroy();
    }
  });

  it('an archive whose tree hash Complete reports differently is an error naming the archive', async () => {
    const client = proxiedClient();
    corrupted = 0;
    corrupt = (method, path) => method === 'POST' && /\/multipart-uploads\/[^/?]+$/.test(path);
    try {
      const err = await uploadArchive({ vaultName: env.vaultName, client, pool, source: randomData(2 * MiB), partSize: MiB })
        .catch((e: unknown) => e) as UploadFailedError;
      expect(err).toBeInstanceOf(UploadFailedError);
      expect(err.code).toBe('UPLOAD_FAILED');
      const cause = err.cause as ChecksumMismatchError;
      expect(cause.code).toBe('CHECKSUM_MISMATCH');
      expect(cause.archiveId).toBeTruthy();
      expect(err.message).toContain(`delete archive ${cause.archiveId}`);
      expect(corrupted).toBe(1);
      const open = await env.client.send(new ListMultipartUploadsCommand({ accountId: '-', vaultName: env.vaultName }));
      expect(open.UploadsList ?? []).toHaveLength(0);
    } finally {
      client.destroy();
    }
  });
});
