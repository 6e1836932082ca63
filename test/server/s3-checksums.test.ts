// The local S3's own checksum code (CRC32, CRC32C, CRC64NVME tables; FULL_OBJECT CRC combination)
// against published vectors and the SDK's own implementations, and the aws-chunked bodies it
// decodes: unsigned with trailers (the SDK default), signed chunks (AWS's published example and
// end to end), wrong trailers (BadDigest), bad chunk signatures, and bodies cut short.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, createHmac } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Crc32, Crc32c, Crc64Nvme } from '@aws-sdk/checksums/crc';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { startLocalGlacier, type LocalGlacier } from '../../dist/src/server/index.js';
import { ChunkSigner, signingKey } from '../../dist/src/server/s3/auth.js';
import { Crc, checksumOf, compositeChecksum, fullObjectCrc } from '../../dist/src/server/s3/checksums.js';
import { bytes, codeOf, failure, md5hex, s3client, signedS3Request, xmlCode } from './s3-helpers.js';

const SDK_CRCS = { CRC32: Crc32, CRC32C: Crc32c, CRC64NVME: Crc64Nvme } as const;

async function sdkChecksum(name: keyof typeof SDK_CRCS, data: Uint8Array): Promise<string> {
  const c = new SDK_CRCS[name]();
  c.update(data);
  return Buffer.from(await c.digest()).toString('base64');
}

describe('CRCs of the server', () => {
  it('match the published check values of "123456789"', () => {
    const check = Buffer.from('123456789');
    expect(new Crc('CRC32').update(check).value()).toBe(0xcbf43926n);
    expect(new Crc('CRC32C').update(check).value()).toBe(0xe3069283n);
    expect(new Crc('CRC64NVME').update(check).value()).toBe(0xae8b14860a799888n);
  });

  it('equal the SDK implementations on random data of many lengths, fed in pieces', async () => {
    for (const size of [0, 1, 7, 8, 255, 4096, 100_003]) {
      const data = bytes(size, size + 11);
      for (const name of ['CRC32', 'CRC32C', 'CRC64NVME'] as const) {
        const c = new Crc(name);
        for (let at = 0; at < size; at += 777) c.update(data.subarray(at, at + 777));
        expect(c.digest().toString('base64')).toBe(await sdkChecksum(name, data));
      }
    }
  });

  it('combine part CRCs into the CRC of the whole (FULL_OBJECT), and compose -N checksums', async () => {
    const parts = [bytes(5000, 1), bytes(1, 2), bytes(70_000, 3), bytes(0, 4), bytes(333, 5)];
    const whole = Buffer.concat(parts);
    for (const name of ['CRC32', 'CRC32C', 'CRC64NVME'] as const) {
      const combined = fullObjectCrc(name, parts.map((p) => ({ checksum: checksumOf(name, p), size: p.length })));
      expect(combined).toBe(await sdkChecksum(name, whole));
    }
    const sha = compositeChecksum('SHA256', parts.map((p) => createHash('sha256').update(p).digest('base64')));
    const expected = createHash('sha256');
    for (const p of parts) expected.update(createHash('sha256').update(p).digest());
    expect(sha).toBe(`${expected.digest('base64')}-5`);
  });
});

describe('chunk signatures', () => {
  it('reproduce the AWS example of STREAMING-AWS4-HMAC-SHA256-PAYLOAD (64 KiB + 1 KiB of "a")', () => {
    // docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html, "Example: PUT Object"
    const key = signingKey('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', '20130524', 'us-east-1', 's3');
    const signer = new ChunkSigner({
      auth: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', date: '20130524', region: 'us-east-1', service: 's3', signedHeaders: [], signature: '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9' },
      region: 'us-east-1', amzDate: '20130524T000000Z', signingKey: key,
    });
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(signer.chunk(sha(Buffer.alloc(65536, 'a')), 'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648')).toBe(true);
    expect(signer.chunk(sha(Buffer.alloc(1024, 'a')), '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497')).toBe(true);
    expect(signer.chunk(sha(Buffer.alloc(0)), 'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9')).toBe(true);
  });
});

/** An aws-chunked body; with `sign`, each chunk (and the trailer) signed, chained from the seed. */
function chunkedBody(data: Buffer, chunkSize: number, opts: { seed?: string; amzDate?: string; trailer?: string; corruptChunk?: number } = {}): Buffer {
  const key = signingKey('test', opts.amzDate?.slice(0, 8) ?? '', 'us-east-1', 's3');
  const scope = `${opts.amzDate?.slice(0, 8)}/us-east-1/s3/aws4_request`;
  let prev = opts.seed ?? '';
  const sign = (toSign: string) => (prev = createHmac('sha256', key).update(toSign).digest('hex'));
  const emptySha = createHash('sha256').digest('hex');
  const out: Buffer[] = [];
  const chunks: Buffer[] = [];
  for (let at = 0; at < data.length; at += chunkSize) chunks.push(data.subarray(at, at + chunkSize));
  chunks.push(Buffer.alloc(0));
  chunks.forEach((c, i) => {
    let ext = '';
    if (opts.seed) {
      let sig = sign(['AWS4-HMAC-SHA256-PAYLOAD', opts.amzDate, scope, prev, emptySha, createHash('sha256').update(c).digest('hex')].join('\n'));
      if (opts.corruptChunk === i) sig = sig.replace(/^./, sig[0] === '0' ? '1' : '0');
      ext = `;chunk-signature=${sig}`;
    }
    out.push(Buffer.from(`${c.length.toString(16)}${ext}\r\n`), c);
    if (c.length > 0) out.push(Buffer.from('\r\n'));
  });
  if (opts.trailer !== undefined) {
    out.push(Buffer.from(`${opts.trailer}\r\n`));
    if (opts.seed) {
      const sig = sign(['AWS4-HMAC-SHA256-TRAILER', opts.amzDate, scope, prev, createHash('sha256').update(`${opts.trailer}\n`).digest('hex')].join('\n'));
      out.push(Buffer.from(`x-amz-trailer-signature:${sig}\r\n`));
    }
  }
  out.push(Buffer.from('\r\n'));
  return Buffer.concat(out);
}

describe('aws-chunked bodies on the wire', () => {
  let server: LocalGlacier;
  let s3: S3Client;
  const data = bytes(200_000, 42);

  beforeAll(async () => {
    server = await startLocalGlacier({ credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    s3 = s3client(server);
    await s3.send(new CreateBucketCommand({ Bucket: 'chunked' }));
  });
  afterAll(async () => {
    s3?.destroy();
    await server?.close();
  });

  const put = (key: string, mode: string, body: (seed: string, date: string) => Buffer, extra: Record<string, string> = {}) =>
    signedS3Request(server, {
      method: 'PUT', path: `/chunked/${key}`,
      headers: { 'x-amz-content-sha256': mode, 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(data.length), ...extra },
      body: (seed, date) => {
        const b = body(seed, date);
        return b;
      },
    });

  // Content-Length must be signed and known before the body: build the body once to measure it.
  const sized = (make: (seed: string, date: string) => Buffer) => make('0'.repeat(64), '20260101T000000Z').length;

  it('accepts signed chunks (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) and stores the decoded bytes', async () => {
    const make = (seed: string, date: string) => chunkedBody(data, 65536, { seed, amzDate: date });
    const res = await put('signed', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', make, { 'content-length': String(sized(make)) });
    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe(`"${md5hex(data)}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'chunked', Key: 'signed' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(data)).toBe(true);
  });

  it('accepts signed chunks with a signed trailing checksum (…-PAYLOAD-TRAILER)', async () => {
    const crc = checksumOf('CRC32C', data);
    const make = (seed: string, date: string) => chunkedBody(data, 65536, { seed, amzDate: date, trailer: `x-amz-checksum-crc32c:${crc}` });
    const res = await put('signed-trailer', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER', make,
      { 'content-length': String(sized(make)), 'x-amz-trailer': 'x-amz-checksum-crc32c' });
    expect(res.status).toBe(200);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'chunked', Key: 'signed-trailer', ChecksumMode: 'ENABLED' }));
    expect(head.ChecksumCRC32C).toBe(crc);
  });

  it('refuses a chunk whose signature is wrong (SignatureDoesNotMatch), keeping no temporary file', async () => {
    const make = (seed: string, date: string) => chunkedBody(data, 65536, { seed, amzDate: date, corruptChunk: 1 });
    const res = await put('bad-chunk', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', make, { 'content-length': String(sized(make)) });
    expect([res.status, xmlCode(res.body)]).toEqual([403, 'SignatureDoesNotMatch']);
    expect(readdirSync(join(server.dataDir, 's3', 'tmp'))).toEqual([]);
    expect(codeOf(await failure(s3.send(new HeadObjectCommand({ Bucket: 'chunked', Key: 'bad-chunk' })))).status).toBe(404);
  });

  it('answers BadDigest for a trailing checksum that does not match (unsigned trailer, as the SDK sends)', async () => {
    const wrong = checksumOf('SHA256', Buffer.from('other bytes'));
    const make = () => chunkedBody(data, 8192, { trailer: `x-amz-checksum-sha256:${wrong}` });
    const res = await put('bad-trailer', 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', make,
      { 'content-length': String(sized(make)), 'x-amz-trailer': 'x-amz-checksum-sha256' });
    expect([res.status, xmlCode(res.body)]).toEqual([400, 'BadDigest']);
    const good = () => chunkedBody(data, 8192, { trailer: `x-amz-checksum-sha256:${checksumOf('SHA256', data)}` });
    const ok = await put('good-trailer', 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', good,
      { 'content-length': String(sized(good)), 'x-amz-trailer': 'x-amz-checksum-sha256' });
    expect(ok.status).toBe(200);
  });

  it('refuses a missing trailer, a body shorter than x-amz-decoded-content-length, and a plain body whose SHA-256 differs', async () => {
    const noTrailer = () => chunkedBody(data, 8192, { trailer: '' }).subarray(0, -2);
    const res = await put('no-trailer', 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', noTrailer,
      { 'content-length': String(sized(noTrailer)), 'x-amz-trailer': 'x-amz-checksum-crc32' });
    expect(res.status).toBe(400);
    const short = () => chunkedBody(data.subarray(0, 1000), 8192, { trailer: `x-amz-checksum-crc32:${checksumOf('CRC32', data.subarray(0, 1000))}` });
    const cut = await put('short', 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', short,
      { 'content-length': String(sized(short)), 'x-amz-trailer': 'x-amz-checksum-crc32' });
    expect([cut.status, xmlCode(cut.body)]).toEqual([400, 'IncompleteBody']);
    const plain = await signedS3Request(server, {
      method: 'PUT', path: '/chunked/plain',
      headers: { 'x-amz-content-sha256': createHash('sha256').update('not the body').digest('hex'), 'content-length': '8' },
      body: () => Buffer.from('the body'),
    });
    expect([plain.status, xmlCode(plain.body)]).toEqual([400, 'XAmzContentSHA256Mismatch']);
    expect(readdirSync(join(server.dataDir, 's3', 'tmp'))).toEqual([]);
  });
});
