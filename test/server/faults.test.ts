// Fault injection: every kind, the nth / every / seeded-probability selectors, '*', setFaults, and
// the stats a test can use to assert exactly what a client sent.
import { afterEach, describe, expect, it } from 'vitest';
import {
  CreateVaultCommand, DescribeVaultCommand, InitiateMultipartUploadCommand, ListPartsCommand,
  UploadMultipartPartCommand, type GlacierClient,
} from '@aws-sdk/client-glacier';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { LocalGlacierOptionsError, startLocalGlacier, type FaultPlan, type LocalGlacier } from '../../dist/src/server/index.js';
import { MiB, bytes, client, failure, treeHash } from './helpers.js';

const opened: { server: LocalGlacier; clients: GlacierClient[] }[] = [];

async function setup(faults: FaultPlan = [], maxAttempts = 1) {
  const server = await startLocalGlacier({ faults });
  const glacier = client(server, { maxAttempts });
  opened.push({ server, clients: [glacier] });
  server.setFaults([]);
  await glacier.send(new CreateVaultCommand({ vaultName: 'f' }));
  server.setFaults(faults);
  server.resetStats();
  return { server, glacier };
}

afterEach(async () => {
  for (const { server, clients } of opened.splice(0)) {
    clients.forEach((c) => c.destroy());
    await server.close();
  }
});

async function initiate(glacier: GlacierClient): Promise<string> {
  return (await glacier.send(new InitiateMultipartUploadCommand({ vaultName: 'f', partSize: String(MiB) }))).uploadId!;
}

const describeVault = (glacier: GlacierClient) => glacier.send(new DescribeVaultCommand({ vaultName: 'f' }));

describe('fault kinds', () => {
  it('ServiceUnavailable: 500 ServiceUnavailableException on the nth request only', async () => {
    const { server, glacier } = await setup([{ operation: 'UploadMultipartPart', kind: 'ServiceUnavailable', nth: 1 }]);
    const id = await initiate(glacier);
    const body = bytes(1000);
    const send = () => glacier.send(new UploadMultipartPartCommand({ vaultName: 'f', uploadId: id, range: 'bytes 0-999/*', body }));
    const err = await failure(send());
    expect(err.name).toBe('ServiceUnavailableException');
    expect(err.$metadata?.httpStatusCode).toBe(500);
    expect((await send()).checksum).toBe(treeHash(body));
    expect(server.stats).toMatchObject({
      InitiateMultipartUpload: 1, UploadMultipartPart: 2, 'UploadMultipartPart:ServiceUnavailable': 1, 'UploadMultipartPart:bytes': 1000,
    });
  });

  it('Throttling: 400 ThrottlingException on every kth request', async () => {
    const { server, glacier } = await setup([{ operation: 'DescribeVault', kind: 'Throttling', every: 2 }]);
    const outcomes: string[] = [];
    for (let i = 0; i < 5; i++) {
      try {
        await describeVault(glacier);
        outcomes.push('ok');
      } catch (err) {
        outcomes.push((err as Error).name);
        expect((err as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(400);
      }
    }
    expect(outcomes).toEqual(['ok', 'ThrottlingException', 'ok', 'ThrottlingException', 'ok']);
    expect(server.stats).toEqual({ DescribeVault: 5, 'DescribeVault:Throttling': 2 });
  });

  it('RequestTimeout: 408 RequestTimeoutException', async () => {
    const { server, glacier } = await setup([{ operation: 'ListParts', kind: 'RequestTimeout', nth: [2] }]);
    const id = await initiate(glacier);
    await glacier.send(new ListPartsCommand({ vaultName: 'f', uploadId: id }));
    const err = await failure(glacier.send(new ListPartsCommand({ vaultName: 'f', uploadId: id })));
    expect(err.name).toBe('RequestTimeoutException');
    expect(err.$metadata?.httpStatusCode).toBe(408);
    expect(server.stats['ListParts:RequestTimeout']).toBe(1);
  });

  it('ConnectionReset: the socket is destroyed mid-body; nothing is stored; an SDK retry succeeds', async () => {
    const { server, glacier } = await setup([{ operation: 'UploadMultipartPart', kind: 'ConnectionReset', nth: 1 }]);
    const id = await initiate(glacier);
    const body = bytes(MiB, 3);
    const err = await failure(glacier.send(new UploadMultipartPartCommand({ vaultName: 'f', uploadId: id, range: `bytes 0-${MiB - 1}/*`, body })));
    expect(`${(err as { code?: string }).code} ${err.message}`).toMatch(/ECONNRESET|EPIPE|socket hang up/);
    expect((await glacier.send(new ListPartsCommand({ vaultName: 'f', uploadId: id }))).Parts).toEqual([]);
    expect(server.stats['UploadMultipartPart:ConnectionReset']).toBe(1);
    expect(server.stats['UploadMultipartPart:bytes']).toBeUndefined();

    server.setFaults([{ operation: 'UploadMultipartPart', kind: 'ConnectionReset', nth: 1 }]);
    const retrying = client(server, { maxAttempts: 3 });
    opened[opened.length - 1]!.clients.push(retrying);
    const out = await retrying.send(new UploadMultipartPartCommand({ vaultName: 'f', uploadId: id, range: `bytes 0-${MiB - 1}/*`, body }));
    expect(out.checksum).toBe(treeHash(body));
    expect(server.stats['UploadMultipartPart']).toBe(3);
    expect(server.stats['UploadMultipartPart:ConnectionReset']).toBe(2);
    expect(server.stats['UploadMultipartPart:bytes']).toBe(MiB);
  });

  it('Slow: the right answer, delayMs late (a client with a short timeout gives up)', async () => {
    const { server, glacier } = await setup([{ operation: 'DescribeVault', kind: 'Slow', nth: [1, 2], delayMs: 1500 }]);
    const impatient = client(server, { requestHandler: new NodeHttpHandler({ requestTimeout: 200, throwOnRequestTimeout: true }) });
    opened[opened.length - 1]!.clients.push(impatient);
    const err = await failure(describeVault(impatient));
    expect(err.name).toBe('TimeoutError');
    const out = await describeVault(glacier);
    expect(out.VaultName).toBe('f');
    expect(server.stats['DescribeVault:Slow']).toBe(2);
  });

  it('ListPartsRangeQuirk: RangeInBytes one byte too long on the chosen answers', async () => {
    const { server, glacier } = await setup([{ operation: 'ListParts', kind: 'ListPartsRangeQuirk', nth: 2 }]);
    const id = await initiate(glacier);
    const body = bytes(MiB);
    await glacier.send(new UploadMultipartPartCommand({ vaultName: 'f', uploadId: id, range: `bytes 0-${MiB - 1}/*`, body }));
    const ranges = [];
    for (let i = 0; i < 3; i++) {
      ranges.push((await glacier.send(new ListPartsCommand({ vaultName: 'f', uploadId: id }))).Parts![0]!.RangeInBytes);
    }
    expect(ranges).toEqual([`0-${MiB - 1}`, `0-${MiB}`, `0-${MiB - 1}`]);
    expect(server.stats['ListParts:ListPartsRangeQuirk']).toBe(1);
  });
});

describe('fault answers and large bodies', () => {
  it('an error answer to a large part comes after its whole body, so closing the server right after is clean', async () => {
    const { server, glacier } = await setup([{ operation: 'UploadMultipartPart', kind: 'Throttling', nth: 2 }]);
    const uploadId = (await glacier.send(new InitiateMultipartUploadCommand({ vaultName: 'f', partSize: String(64 * MiB) }))).uploadId!;
    const body = Buffer.alloc(64 * MiB, 8);
    const send = () => glacier.send(new UploadMultipartPartCommand({ vaultName: 'f', uploadId, body, range: `bytes 0-${body.length - 1}/*` }));
    expect((await send()).checksum).toBe(treeHash(body));
    expect((await failure(send())).name).toBe('ThrottlingException');
    // Had the answer come mid-body, closing now would reset a socket the client is still writing
    // to, and the test process would see an unhandled ECONNRESET.
    await server.close();
    expect(server.stats['UploadMultipartPart:bytes']).toBe(64 * MiB);
  });
});

describe('fault selection', () => {
  it('a seeded probability injects the same faults on every run, and another seed differs', async () => {
    const run = async (seed: number) => {
      const { glacier } = await setup([{ operation: 'DescribeVault', kind: 'ServiceUnavailable', probability: 0.5, seed }]);
      const pattern: boolean[] = [];
      for (let i = 0; i < 32; i++) pattern.push(await describeVault(glacier).then(() => true, () => false));
      return pattern;
    };
    const a = await run(42);
    const b = await run(42);
    const c = await run(7);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const failures = a.filter((ok) => !ok).length;
    expect(failures).toBeGreaterThan(4);
    expect(failures).toBeLessThan(28);
  });

  it("'*' counts every operation; a rule without selector fires on every request", async () => {
    const { server, glacier } = await setup([{ operation: '*', kind: 'Throttling', nth: 2 }]);
    await describeVault(glacier);
    const err = await failure(initiate(glacier));
    expect(err.name).toBe('ThrottlingException');
    await initiate(glacier);
    server.setFaults([{ operation: 'DescribeVault', kind: 'ServiceUnavailable' }]);
    for (let i = 0; i < 3; i++) expect((await failure(describeVault(glacier))).name).toBe('ServiceUnavailableException');
    expect(server.stats).toMatchObject({
      DescribeVault: 4, InitiateMultipartUpload: 2, 'InitiateMultipartUpload:Throttling': 1, 'DescribeVault:ServiceUnavailable': 3,
    });
  });

  it('setFaults replaces the plan and restarts its counters; resetStats clears the stats', async () => {
    const { server, glacier } = await setup([{ operation: 'DescribeVault', kind: 'Throttling', nth: 1 }]);
    expect((await failure(describeVault(glacier))).name).toBe('ThrottlingException');
    await describeVault(glacier);
    server.setFaults([{ operation: 'DescribeVault', kind: 'Throttling', nth: 1 }]);
    expect((await failure(describeVault(glacier))).name).toBe('ThrottlingException');
    server.setFaults([]);
    await describeVault(glacier);
    expect(server.stats).toEqual({ DescribeVault: 4, 'DescribeVault:Throttling': 2 });
    server.resetStats();
    expect(server.stats).toEqual({});
  });

  it.each(['ServiceUnavailable', 'Throttling', 'RequestTimeout', 'ConnectionReset'] as const)(
    'the SDK treats %s as retryable, and the stats show every attempt', async (kind) => {
      const { server, glacier } = await setup([{ operation: 'DescribeVault', kind, nth: [1, 2] }], 3);
      const out = await describeVault(glacier);
      expect(out.$metadata.attempts).toBe(3);
      expect(server.stats).toEqual({ DescribeVault: 3, [`DescribeVault:${kind}`]: 2 });
    });

  it('refuses a malformed plan with a typed error', async () => {
    await expect(startLocalGlacier({ faults: [{ operation: 'Upload' as never, kind: 'Slow' }] }))
      .rejects.toThrow(LocalGlacierOptionsError);
    const { server } = await setup();
    expect(() => server.setFaults([{ operation: '*', kind: 'Throttling', nth: 0 }])).toThrow(/nth must hold integers >= 1/);
    expect(() => server.setFaults([{ operation: '*', kind: 'Boom' as never }])).toThrow(/kind "Boom" is unknown/);
    expect(() => server.setFaults([{ operation: '*', kind: 'Slow', probability: 2 }])).toThrow(/probability must be between 0 and 1/);
  });
});
