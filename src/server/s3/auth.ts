// SigV4 for S3 requests: the same credentials and signer as the Glacier side (../sigv4.ts), with S3's
// error codes, S3's path signing (no second escaping), and the signing key aws-chunked bodies need to
// check their chunk signatures.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { expectedSignature, parseAmzDate, parseAuthorization, type ParsedAuthorization } from '../sigv4.js';
import { REGION_RE } from '../store.js';
import { S3HttpError } from './errors.js';

const AUTH_RE = /^AWS4-HMAC-SHA256 Credential=[^/\s]+\/\d{8}\/[^/\s]+\/([^/\s]+)\/aws4_request,/;

/** Routing rule: a request whose SigV4 credential scope names the service `s3` is an S3 request. */
export function signedForS3(authorization: string | undefined): boolean {
  return AUTH_RE.exec(authorization ?? '')?.[1] === 's3';
}

/** What an S3 request proved about itself: its region and, for aws-chunked bodies, the seed. */
export interface S3Auth {
  auth: ParsedAuthorization;
  region: string;
  amzDate: string;
  /** The signing key, when credentials are configured (chunk signatures are then verified). */
  signingKey?: Buffer;
}

const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

const accessDenied = (message: string) => new S3HttpError(403, 'AccessDenied', message);
const malformedAuth = (message: string, region?: string) =>
  new S3HttpError(400, 'AuthorizationHeaderMalformed', message, region ? { Region: region } : {});

function parse(req: IncomingMessage): ParsedAuthorization {
  const header = req.headers.authorization;
  if (!header) {
    throw accessDenied('Access Denied: anonymous requests are not served; sign the request with SigV4 (any AWS SDK does).');
  }
  try {
    return parseAuthorization(header);
  } catch {
    throw malformedAuth('The authorization header is malformed: expected "AWS4-HMAC-SHA256 Credential=<key>/<yyyymmdd>/<region>/s3/aws4_request, SignedHeaders=<list>, Signature=<64 hex>".');
  }
}

/** Checks the shape of every request, and with credentials its signature. */
export async function authenticate(
  req: IncomingMessage,
  rawPath: string,
  url: URL,
  credentials: { accessKeyId: string; secretAccessKey: string } | undefined,
): Promise<S3Auth> {
  const auth = parse(req);
  if (!REGION_RE.test(auth.region)) {
    throw malformedAuth(`The authorization header is malformed; the region '${auth.region}' is not a valid region name such as us-east-1.`);
  }
  const contentSha = req.headers['x-amz-content-sha256'];
  if (typeof contentSha !== 'string' || contentSha === '') {
    throw new S3HttpError(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256 (the SHA-256 of the body, UNSIGNED-PAYLOAD or a STREAMING-… value).');
  }
  const amzDate = typeof req.headers['x-amz-date'] === 'string' ? req.headers['x-amz-date'] : '';
  const result: S3Auth = { auth, region: auth.region, amzDate };
  if (!credentials) return result;
  if (auth.accessKeyId !== credentials.accessKeyId) {
    throw new S3HttpError(403, 'InvalidAccessKeyId',
      `The AWS Access Key Id you provided does not exist in our records: ${auth.accessKeyId}.`, { AWSAccessKeyId: auth.accessKeyId });
  }
  const date = parseAmzDate(amzDate);
  if (!date || !auth.signedHeaders.includes('x-amz-date')) throw accessDenied('AWS authentication requires a valid, signed X-Amz-Date header (yyyymmddThhmmssZ).');
  if (!amzDate.startsWith(auth.date)) {
    throw malformedAuth(`The authorization header is malformed; Invalid credential date "${auth.date}". This date is not the same as X-Amz-Date: "${amzDate}".`);
  }
  if (Math.abs(Date.now() - date.getTime()) > 15 * 60 * 1000) {
    throw new S3HttpError(403, 'RequestTimeTooSkewed',
      `The difference between the request time (${amzDate}) and the server's time (${new Date().toISOString()}) is too large; check the client's clock.`);
  }
  if (!auth.signedHeaders.includes('host')) throw accessDenied('The Host header must be among the SignedHeaders.');
  const unsigned = Object.keys(req.headers).filter((h) => h.startsWith('x-amz-') && !auth.signedHeaders.includes(h));
  if (unsigned.length > 0) {
    throw accessDenied(`There were headers present in the request which were not signed: ${unsigned.join(', ')}.`);
  }
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = req.headers[name];
    if (value === undefined) throw accessDenied(`Signed header "${name}" is missing from the request.`);
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string | string[]> = {};
  for (const k of new Set(url.searchParams.keys())) {
    const all = url.searchParams.getAll(k);
    query[k] = all.length === 1 ? all[0]! : all;
  }
  const expected = await expectedSignature(
    { method: req.method ?? 'GET', rawPath, query, headers: req.headers }, auth, credentials, date, headers, false);
  if (!sameHex(expected, auth.signature)) {
    throw new S3HttpError(403, 'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
  }
  return { ...result, signingKey: signingKey(credentials.secretAccessKey, auth.date, auth.region, auth.service) };
}

export function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

export const EMPTY_SHA256 = createHash('sha256').digest('hex');

/** Chained chunk signatures of STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER] bodies. */
export class ChunkSigner {
  private previous: string;
  private readonly scope: string;

  constructor(private readonly s3auth: S3Auth & { signingKey: Buffer }) {
    this.previous = s3auth.auth.signature;
    const a = s3auth.auth;
    this.scope = `${a.date}/${a.region}/${a.service}/aws4_request`;
  }

  /** Checks one chunk's signature (given its data's SHA-256) and moves the chain on. */
  chunk(dataSha256: string, signature: string): boolean {
    const toSign = ['AWS4-HMAC-SHA256-PAYLOAD', this.s3auth.amzDate, this.scope, this.previous, EMPTY_SHA256, dataSha256].join('\n');
    return this.advance(toSign, signature);
  }

  /** Checks the trailer signature over the trailing header lines ("name:value\n" each). */
  trailer(trailerText: string, signature: string): boolean {
    const digest = createHash('sha256').update(trailerText, 'utf8').digest('hex');
    const toSign = ['AWS4-HMAC-SHA256-TRAILER', this.s3auth.amzDate, this.scope, this.previous, digest].join('\n');
    return this.advance(toSign, signature);
  }

  private advance(toSign: string, signature: string): boolean {
    const expected = createHmac('sha256', this.s3auth.signingKey).update(toSign, 'utf8').digest('hex');
    this.previous = expected;
    return sameHex(expected, signature);
  }
}
