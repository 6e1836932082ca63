// A request body that stalls is answered as Glacier does: 408 RequestTimeoutException (which the
// SDK retries), the connection then closed and the partial temporary file removed.
import { readdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CreateVaultCommand, InitiateMultipartUploadCommand } from '@aws-sdk/client-glacier';
import { startLocalGlacier, type LocalGlacier } from '../../dist/src/server/index.js';
import { FAKE_AUTH, MiB, bytes, client, sha256, treeHash } from './helpers.js';

const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** Sends `head` and the first `sent` bytes of `body`, then nothing; resolves with all it got back once closed. */
function stall(server: LocalGlacier, head: string, body: Buffer, sent: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(server.port, '127.0.0.1', () => {
      s.write(head);
      s.write(body.subarray(0, sent));
    });
    let got = '';
    s.on('data', (d: Buffer) => { got += d.toString('latin1'); });
    s.on('error', reject);
    s.on('close', () => resolve(got));
    cleanup.push(() => s.destroy());
  });
}

function headers(lines: string[], body: Buffer): string {
  return [...lines, 'Host: 127.0.0.1', `Authorization: ${FAKE_AUTH}`, 'x-amz-glacier-version: 2012-06-01',
    `x-amz-content-sha256: ${sha256(body)}`, `x-amz-sha256-tree-hash: ${treeHash(body)}`, `Content-Length: ${body.length}`, '', ''].join('\r\n');
}

function expect408(answer: string): void {
  expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  expect(answer).toMatch(/\r\nconnection: close\r\n/i);
  const json = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { code: string; message: string; type: string };
  expect(json.code).toBe('RequestTimeoutException');
  expect(json.type).toBe('Client');
  expect(json.message).toMatch(/No byte of the request body arrived for 400 ms/);
}

describe('a stalled request body', () => {
  it('UploadArchive and UploadMultipartPart: 408 RequestTimeoutException, connection closed, no temp file left', async () => {
    const server = await startLocalGlacier({ bodyIdleTimeoutMs: 400 });
    cleanup.push(() => server.close());
    const glacier = client(server);
    cleanup.push(() => glacier.destroy());
    await glacier.send(new CreateVaultCommand({ vaultName: 'stall' }));
    const body = bytes(MiB, 9);
    expect408(await stall(server, headers(['POST /-/vaults/stall/archives HTTP/1.1'], body), body, 300 * 1024));
    const { uploadId } = await glacier.send(new InitiateMultipartUploadCommand({ vaultName: 'stall', partSize: String(MiB) }));
    expect408(await stall(server, headers([`PUT /-/vaults/stall/multipart-uploads/${uploadId} HTTP/1.1`, `Content-Range: bytes 0-${MiB - 1}/*`], body), body, 1000));
    // The handler removes its temp file once its read loop sees the closed request (just after the answer).
    for (let i = 0; i < 100 && (await readdir(join(server.dataDir, 'tmp'))).length > 0; i++) await new Promise((ok) => setTimeout(ok, 50));
    expect(await readdir(join(server.dataDir, 'tmp'))).toEqual([]);
    expect(server.stats['UploadArchive']).toBe(1);
  });

  it('a JSON body (InitiateJob) that stalls gets the same 408', async () => {
    const server = await startLocalGlacier({ bodyIdleTimeoutMs: 400 });
    cleanup.push(() => server.close());
    const glacier = client(server);
    cleanup.push(() => glacier.destroy());
    await glacier.send(new CreateVaultCommand({ vaultName: 'json' }));
    const body = Buffer.from(JSON.stringify({ Type: 'inventory-retrieval' }));
    expect408(await stall(server, headers(['POST /-/vaults/json/jobs HTTP/1.1'], body), body, 5));
  });
});
