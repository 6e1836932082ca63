// Receiving an object or part body: plain (Content-Length) or aws-chunked, streamed to a temporary
// file while MD5, the declared checksum and any others are computed; checked against Content-MD5,
// x-amz-content-sha256 and the declared checksum (header or trailer) before it counts. Memory stays
// at about one socket chunk plus a 1 MiB write batch; on any failure the temporary file is removed.
import { createHash, type Hash } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { ChunkSigner, type S3Auth } from './auth.js';
import { AwsChunkedDecoder } from './chunked.js';
import { checksumHeader, digester, type ChecksumAlgorithm, type Digester } from './checksums.js';
import { S3HttpError, badDigest, notImplemented } from './errors.js';
import { contentMd5, header, type DeclaredChecksum } from './request.js';

export const GiB = 1024 * 1024 * 1024;
/** S3's limit for one PutObject or UploadPart body. */
export const MAX_BODY = 5 * GiB;
const BATCH = 1024 * 1024;

export interface ReceivedBody {
  size: number;
  /** hex */
  md5: string;
  /** base64, per algorithm computed. */
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
}

type PayloadMode = { kind: 'plain'; sha256?: string } | { kind: 'chunked'; signed: boolean; trailer: boolean };

function payloadMode(req: IncomingMessage): PayloadMode {
  const v = header(req, 'x-amz-content-sha256') ?? '';
  if (/^[0-9a-f]{64}$/.test(v)) return { kind: 'plain', sha256: v };
  if (v === 'UNSIGNED-PAYLOAD') return { kind: 'plain' };
  if (v === 'STREAMING-UNSIGNED-PAYLOAD-TRAILER') return { kind: 'chunked', signed: false, trailer: true };
  if (v === 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD') return { kind: 'chunked', signed: true, trailer: false };
  if (v === 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER') return { kind: 'chunked', signed: true, trailer: true };
  if (v.startsWith('STREAMING-AWS4-ECDSA')) throw notImplemented(`x-amz-content-sha256: ${v} (SigV4a)`);
  throw new S3HttpError(400, 'InvalidArgument', `x-amz-content-sha256 must be the hex SHA-256 of the body, UNSIGNED-PAYLOAD or a STREAMING-… value; got "${v.slice(0, 80)}".`,
    { ArgumentName: 'x-amz-content-sha256', ArgumentValue: v.slice(0, 80) });
}

/** The body's (decoded) length, checked before a byte is read. */
function declaredLength(req: IncomingMessage, mode: PayloadMode): number {
  const name = mode.kind === 'chunked' ? 'x-amz-decoded-content-length' : 'content-length';
  const raw = header(req, name);
  if (raw === undefined) {
    throw new S3HttpError(411, 'MissingContentLength', `You must provide the ${name === 'content-length' ? 'Content-Length' : 'x-amz-decoded-content-length'} HTTP header.`);
  }
  if (!/^\d{1,13}$/.test(raw)) throw new S3HttpError(400, 'InvalidArgument', `Invalid ${name}: ${raw}.`, { ArgumentName: name, ArgumentValue: raw });
  const n = Number(raw);
  if (n > MAX_BODY) {
    throw new S3HttpError(400, 'EntityTooLarge', `Your proposed upload of ${n} bytes exceeds the maximum allowed size of 5 GiB (5368709120 bytes) per request; use a multipart upload.`,
      { ProposedSize: raw, MaxSizeAllowed: String(MAX_BODY) });
  }
  return n;
}

/** Checks what can be checked before the body is read; returns the length it promises. */
export function checkBodyHeaders(req: IncomingMessage): number {
  const mode = payloadMode(req);
  contentMd5(req);
  return declaredLength(req, mode);
}

export class BodyIdle extends Error {}

/**
 * Streams the body to `path` (created exclusively), computing MD5 and `algorithms` (which must
 * include the declared one). Throws S3HttpError for a body that fails a check.
 */
export async function receiveBody(
  req: IncomingMessage,
  path: string,
  opts: { auth: S3Auth; declared: DeclaredChecksum | undefined; algorithms: ChecksumAlgorithm[]; idleMs: number },
): Promise<ReceivedBody> {
  const mode = payloadMode(req);
  const expected = declaredLength(req, mode);
  const md5Sent = contentMd5(req);
  const md5 = createHash('md5');
  const sha256: Hash | undefined = mode.kind === 'plain' && mode.sha256 ? createHash('sha256') : undefined;
  const digesters = new Map<ChecksumAlgorithm, Digester>([...new Set(opts.algorithms)].map((a) => [a, digester(a)]));
  const decoder = mode.kind === 'chunked'
    ? new AwsChunkedDecoder({
      signed: mode.signed, trailer: mode.trailer,
      ...(mode.signed && opts.auth.signingKey ? { signer: new ChunkSigner({ ...opts.auth, signingKey: opts.auth.signingKey }) } : {}),
    })
    : undefined;
  const fh = await open(path, 'wx');
  const idle = setTimeout(() => req.destroy(new BodyIdle(`no byte of the body arrived for ${opts.idleMs} ms`)), opts.idleMs);
  idle.unref();
  let size = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  try {
    for await (const raw of req as AsyncIterable<Buffer>) {
      idle.refresh();
      for (const chunk of decoder ? decoder.push(raw) : [raw]) {
        size += chunk.length;
        if (size > expected) throw incompleteBody(`the body is longer than the ${expected} bytes its length header promised`);
        md5.update(chunk);
        sha256?.update(chunk);
        for (const d of digesters.values()) d.update(chunk);
        pending.push(chunk);
        pendingBytes += chunk.length;
      }
      if (pendingBytes >= BATCH) {
        await fh.writev(pending);
        pending = [];
        pendingBytes = 0;
      }
    }
    if (pendingBytes > 0) await fh.writev(pending);
    decoder?.finish();
    if (size !== expected) throw incompleteBody(`the body ended after ${size} of the ${expected} bytes its length header promised`);
    const result: ReceivedBody = { size, md5: md5.digest('hex'), checksums: {} };
    for (const [a, d] of digesters) result.checksums[a] = d.digest().toString('base64');
    if (sha256 && mode.kind === 'plain' && sha256.digest('hex') !== mode.sha256) {
      throw new S3HttpError(400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.",
        { ClientComputedContentSHA256: mode.sha256! });
    }
    if (md5Sent && !md5Sent.equals(Buffer.from(result.md5, 'hex'))) {
      throw badDigest('The Content-MD5 you specified did not match what we received.');
    }
    checkDeclared(opts.declared, decoder?.trailers, result);
    await fh.sync();
    return result;
  } catch (err) {
    await fh.close();
    await rm(path, { force: true });
    throw err;
  } finally {
    clearTimeout(idle);
    await fh.close().catch(() => undefined);
  }
}

const incompleteBody = (why: string) => new S3HttpError(400, 'IncompleteBody',
  `You did not provide the number of bytes specified by the length header: ${why}.`);

function checkDeclared(declared: DeclaredChecksum | undefined, trailers: Map<string, string> | undefined, got: ReceivedBody): void {
  if (!declared) return;
  let value = declared.value;
  if (declared.trailer !== undefined) {
    value = trailers?.get(declared.trailer);
    if (value === undefined) {
      throw new S3HttpError(400, 'MalformedTrailerError', `The request body did not carry the ${declared.trailer} trailer its x-amz-trailer header announced.`);
    }
  }
  const computed = got.checksums[declared.algorithm];
  if (value !== computed) {
    throw badDigest(`The ${declared.algorithm} you specified (${checksumHeader(declared.algorithm)}: ${value}) did not match the calculated checksum (${computed}).`);
  }
}
