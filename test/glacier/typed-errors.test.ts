// Answers that lack what the protocol promises reach the caller as the project's typed errors, not
// plain Errors: an endpoint that accepts InitiateJob (202) without an x-amz-job-id header.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createGlacierClient, GlacierMultipartError, initiateRetrievalJob, UnexpectedResponseError } from '../../dist/src/index.js';

let server: Server;
let endpoint: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(202, { 'content-length': '0' }).end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => new Promise<void>((r) => server.close(() => r())));

it('InitiateJob answered without a job id: UnexpectedResponseError naming the missing header and the fix', async () => {
  const client = createGlacierClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  try {
    const err = await initiateRetrievalJob({ client, vaultName: 'v', archiveId: 'x'.repeat(138) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnexpectedResponseError);
    expect(err).toBeInstanceOf(GlacierMultipartError);
    expect((err as Error).message).toMatch(/InitiateJob answered without an x-amz-job-id header.*Check the endpoint/);
  } finally {
    client.destroy();
  }
});
