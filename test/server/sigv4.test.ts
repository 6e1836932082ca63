// SigV4 verification when the server is given credentials: the SDK's signatures are accepted on
// every kind of request (path labels, query strings, headers, JSON and binary bodies); a wrong
// secret, an unknown key or a request changed after signing is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateVaultCommand, DescribeVaultCommand, GetJobOutputCommand, InitiateJobCommand, InitiateMultipartUploadCommand,
  ListPartsCommand, ListVaultsCommand, UploadMultipartPartCommand, type GlacierClient,
} from '@aws-sdk/client-glacier';
import { startLocalGlacier, type LocalGlacier } from '../../dist/src/server/index.js';
import { MiB, bytes, client, failure, raw, treeHash } from './helpers.js';

const credentials = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local/secret+key' };
let server: LocalGlacier;
let good: GlacierClient;

beforeAll(async () => {
  server = await startLocalGlacier({ credentials });
  good = client(server, { credentials });
});
afterAll(async () => {
  good?.destroy();
  await server?.close();
});

describe('SigV4', () => {
  it('accepts correctly signed requests of every shape', async () => {
    await good.send(new CreateVaultCommand({ vaultName: 'Signed.vault-1_x' }));
    const { uploadId } = await good.send(new InitiateMultipartUploadCommand({
      vaultName: 'Signed.vault-1_x', partSize: String(MiB), archiveDescription: 'a description: with (punctuation) & spaces',
    }));
    const body = bytes(MiB, 9);
    const part = await good.send(new UploadMultipartPartCommand({ vaultName: 'Signed.vault-1_x', uploadId, body, range: `bytes 0-${MiB - 1}/*` }));
    expect(part.checksum).toBe(treeHash(body));
    const parts = await good.send(new ListPartsCommand({ vaultName: 'Signed.vault-1_x', uploadId, limit: 1 }));
    expect(parts.Parts).toHaveLength(1);
    const vaults = await good.send(new ListVaultsCommand({ limit: 5 }));
    expect(vaults.VaultList?.map((v) => v.VaultName)).toContain('Signed.vault-1_x');
    const { UploadArchiveCommand } = await import('@aws-sdk/client-glacier');
    const ar = await good.send(new UploadArchiveCommand({ vaultName: 'Signed.vault-1_x', body: bytes(10) }));
    const { jobId } = await good.send(new InitiateJobCommand({ vaultName: 'Signed.vault-1_x', jobParameters: { Type: 'archive-retrieval', ArchiveId: ar.archiveId } }));
    const out = await good.send(new GetJobOutputCommand({ vaultName: 'Signed.vault-1_x', jobId, range: 'bytes=2-5' }));
    expect(Buffer.from(await out.body!.transformToByteArray()).equals(bytes(10).subarray(2, 6))).toBe(true);
  });

  it('refuses a signature made with the wrong secret (InvalidSignatureException, 403)', async () => {
    const bad = client(server, { credentials: { ...credentials, secretAccessKey: 'not-the-secret' } });
    const err = await failure(bad.send(new DescribeVaultCommand({ vaultName: 'Signed.vault-1_x' })));
    bad.destroy();
    expect(err.name).toBe('InvalidSignatureException');
    expect(err.$metadata?.httpStatusCode).toBe(403);
    expect(err.message).toMatch(/^The request signature we calculated does not match the signature you provided/);
  });

  it('refuses an unknown access key', async () => {
    const stranger = client(server, { credentials: { accessKeyId: 'AKIDSOMEONEELSE', secretAccessKey: credentials.secretAccessKey } });
    const err = await failure(stranger.send(new DescribeVaultCommand({ vaultName: 'Signed.vault-1_x' })));
    stranger.destroy();
    expect(err.name).toBe('UnrecognizedClientException');
    expect(err.$metadata?.httpStatusCode).toBe(403);
  });

  it('refuses a request changed after it was signed', async () => {
    const tampering = client(server, { credentials });
    // The deserialize step runs after signing, just before the request is sent.
    tampering.middlewareStack.add((next) => async (args) => {
      const req = args.request as { headers: Record<string, string>; query: Record<string, string> };
      if (req.headers['x-amz-archive-description']) req.headers['x-amz-archive-description'] = 'changed in transit';
      if (req.query?.['limit']) req.query['limit'] = '2';
      return next(args);
    }, { step: 'deserialize', priority: 'low' });
    const header = await failure(tampering.send(new InitiateMultipartUploadCommand({
      vaultName: 'Signed.vault-1_x', partSize: String(MiB), archiveDescription: 'original',
    })));
    expect(header.name).toBe('InvalidSignatureException');
    const query = await failure(tampering.send(new ListVaultsCommand({ limit: 1 })));
    expect(query.name).toBe('InvalidSignatureException');
    tampering.destroy();
  });

  it('refuses a signature more than 15 minutes old or scoped to another service', async () => {
    const late = client(server, { credentials, systemClockOffset: -20 * 60 * 1000 });
    const err = await failure(late.send(new DescribeVaultCommand({ vaultName: 'Signed.vault-1_x' })));
    late.destroy();
    expect(err.name).toBe('InvalidSignatureException');
    expect(err.message).toMatch(/^Signature expired: X-Amz-Date \d{8}T\d{6}Z is more than 15 minutes away/);

    const { SignatureV4 } = await import('@smithy/signature-v4');
    const { Sha256 } = await import('@aws-crypto/sha256-js');
    const host = new URL(server.endpoint).host;
    const signed = await new SignatureV4({ credentials, region: 'us-east-1', service: 's3', sha256: Sha256 }).sign({
      method: 'GET', protocol: 'http:', hostname: host, path: '/-/vaults/Signed.vault-1_x', query: {},
      headers: { host, 'x-amz-glacier-version': '2012-06-01' },
    });
    const res = await raw(server, { method: 'GET', path: '/-/vaults/Signed.vault-1_x', headers: signed.headers });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body.toString())).toMatchObject({ code: 'InvalidSignatureException', message: expect.stringMatching(/scoped to correct service: 'glacier'/) });
    // The same request signed for glacier passes, which shows the signing above is otherwise right.
    const ok = await new SignatureV4({ credentials, region: 'us-east-1', service: 'glacier', sha256: Sha256 }).sign({
      method: 'GET', protocol: 'http:', hostname: host, path: '/-/vaults/Signed.vault-1_x', query: {},
      headers: { host, 'x-amz-glacier-version': '2012-06-01' },
    });
    expect((await raw(server, { method: 'GET', path: '/-/vaults/Signed.vault-1_x', headers: ok.headers })).status).toBe(200);
  });

  it('refuses a SigV4-shaped header with a made-up signature', async () => {
    const res = await raw(server, { method: 'GET', path: '/-/vaults/Signed.vault-1_x', headers: { 'x-amz-date': '20260101T000000Z' } });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body.toString()).code).toBe('UnrecognizedClientException'); // key "test" is not ours
  });
});
