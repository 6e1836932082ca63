// The retry rule by HTTP status, through the real SDK client against a plain HTTP server: 500, 502,
// 503 and 504 are retried; 501 (what a web server that is not Glacier answers to POST) is not.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MultipartUpload, createGlacierClient } from 'glacier-multipart';

describe('retries by HTTP status (glacier-rules: 500/502/503/504 yes, others no)', () => {
  let web: Server;
  let status = 501;
  let requests = 0;
  beforeAll(async () => {
    web = createServer((req, res) => {
      requests++;
      req.resume();
      req.on('end', () => {
        res.writeHead(status, { 'content-type': 'text/html', 'x-amzn-requestid': 'x' });
        res.end('<html>nope</html>');
      });
    });
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => web.close(resolve));
  });

  for (const [code, attempts] of [[501, 1], [505, 1], [503, 3], [502, 3]] as const) {
    it(`HTTP ${code}: ${attempts} attempt${attempts === 1 ? '' : 's'} of 3`, async () => {
      status = code;
      requests = 0;
      const client = createGlacierClient({
        endpoint: `http://127.0.0.1:${(web.address() as AddressInfo).port}`, region: 'us-east-1',
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      });
      try {
        await expect(MultipartUpload.start({ client, vaultName: 'v', partSize: 1024 * 1024, maxAttempts: 3 })).rejects.toThrow();
        expect(requests).toBe(attempts);
      } finally {
        client.destroy();
      }
    });
  }
});
