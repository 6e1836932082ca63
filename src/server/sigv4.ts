// SigV4 for the local server: a shape check on every request, and, when credentials are configured,
// a full verification by re-signing the request with the SDK's own signer (@smithy/signature-v4).
import { createHash, createHmac, timingSafeEqual, type Hash, type Hmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';

/** The shapes of @smithy/types' Checksum and SourceData, restated so no transitive package is imported. */
type SourceData = string | ArrayBuffer | ArrayBufferView;
interface Checksum {
  update(chunk: Uint8Array): void;
  digest(): Promise<Uint8Array>;
  reset(): void;
}
import { GlacierHttpError } from './errors.js';

const toBuffer = (data: SourceData): Buffer =>
  typeof data === 'string' ? Buffer.from(data, 'utf8')
    : ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data as ArrayBuffer);

/** The SDK's Checksum interface over node:crypto: a plain SHA-256, or an HMAC-SHA256 with a secret. */
export class NodeSha256 implements Checksum {
  private readonly secret: Buffer | undefined;
  private hash: Hash | Hmac;

  constructor(secret?: SourceData) {
    this.secret = secret === undefined ? undefined : toBuffer(secret);
    this.hash = this.fresh();
  }

  private fresh(): Hash | Hmac {
    return this.secret ? createHmac('sha256', this.secret) : createHash('sha256');
  }

  update(data: Uint8Array): void {
    this.hash.update(data);
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }

  reset(): void {
    this.hash = this.fresh();
  }
}

export interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const AUTH_RE = /^AWS4-HMAC-SHA256 Credential=([^/\s]+)\/(\d{8})\/([^/\s]+)\/([^/\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;._-]+),\s*Signature=([0-9a-f]{64})$/;

/** Refuses requests whose Authorization header is absent or not SigV4-shaped. */
export function parseAuthorization(header: string | undefined): ParsedAuthorization {
  if (!header) {
    throw new GlacierHttpError(403, 'MissingAuthenticationTokenException',
      'Missing Authentication Token: every request must carry a SigV4 Authorization header (AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...).');
  }
  const m = AUTH_RE.exec(header);
  if (!m) {
    throw new GlacierHttpError(400, 'IncompleteSignatureException',
      `Authorization header is not a SigV4 signature: expected "AWS4-HMAC-SHA256 Credential=<key>/<yyyymmdd>/<region>/glacier/aws4_request, SignedHeaders=<list>, Signature=<64 hex>".`);
  }
  return {
    accessKeyId: m[1]!, date: m[2]!, region: m[3]!, service: m[4]!,
    signedHeaders: m[5]!.split(';'), signature: m[6]!,
  };
}

/** Parses X-Amz-Date (yyyymmddThhmmssZ). */
export function parseAmzDate(value: string | undefined): Date | undefined {
  const m = value ? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value) : null;
  if (!m) return undefined;
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

export interface SignedRequest {
  method: string;
  /** The path exactly as it came over the wire (still percent-encoded). */
  rawPath: string;
  query: Record<string, string | string[]>;
  headers: IncomingHttpHeaders;
  /** Small bodies (JSON) when no x-amz-content-sha256 header was signed; large ones use the header. */
  body?: Buffer;
}

export async function verifySignature(
  req: SignedRequest,
  auth: ParsedAuthorization,
  credentials: { accessKeyId: string; secretAccessKey: string },
): Promise<void> {
  if (auth.accessKeyId !== credentials.accessKeyId) {
    throw new GlacierHttpError(403, 'UnrecognizedClientException',
      `The security token included in the request is invalid: access key id "${auth.accessKeyId}" is not known to this server.`);
  }
  if (auth.service !== 'glacier') {
    throw new GlacierHttpError(403, 'InvalidSignatureException',
      `Credential should be scoped to correct service: 'glacier' (the request was signed for '${auth.service}').`);
  }
  const amzDate = req.headers['x-amz-date'];
  const signingDate = parseAmzDate(typeof amzDate === 'string' ? amzDate : undefined);
  if (!signingDate || !auth.signedHeaders.includes('x-amz-date')) {
    throw new GlacierHttpError(400, 'IncompleteSignatureException',
      'A signed X-Amz-Date header (yyyymmddThhmmssZ) is required by SigV4.');
  }
  if (!String(amzDate).startsWith(auth.date)) {
    throw new GlacierHttpError(403, 'InvalidSignatureException',
      `Date in Credential scope (${auth.date}) does not match the date of X-Amz-Date (${String(amzDate)}).`);
  }
  // As Amazon does, refuse signatures more than 15 minutes away from the server's clock (replays).
  const skewMs = Math.abs(Date.now() - signingDate.getTime());
  if (skewMs > 15 * 60 * 1000) {
    throw new GlacierHttpError(403, 'InvalidSignatureException',
      `Signature expired: X-Amz-Date ${String(amzDate)} is more than 15 minutes away from the server time ${new Date().toISOString()}. Check the client's clock.`);
  }
  if (!auth.signedHeaders.includes('host')) {
    throw new GlacierHttpError(400, 'IncompleteSignatureException', 'The Host header must be among the SignedHeaders.');
  }
  // As AWS does: every x-amz-* header the request carries must be signed, or it could be added or
  // changed by anyone replaying the request.
  const unsigned = Object.keys(req.headers).filter((h) => h.startsWith('x-amz-') && !auth.signedHeaders.includes(h));
  if (unsigned.length > 0) {
    throw new GlacierHttpError(403, 'AccessDeniedException',
      `There were headers present in the request which were not signed: ${unsigned.join(', ')}. Sign every x-amz-* header the request carries.`);
  }
  // Only the headers the client signed take part, exactly as received.
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = req.headers[name];
    if (value === undefined) {
      throw new GlacierHttpError(400, 'IncompleteSignatureException', `Signed header "${name}" is missing from the request.`);
    }
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const expected = await expectedSignature(req, auth, credentials, signingDate, headers, true);
  const a = Buffer.from(expected, 'hex');
  const b = Buffer.from(auth.signature, 'hex');
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new GlacierHttpError(403, 'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.');
  }
}

/**
 * The signature the SDK's own signer gives the request (only `headers`, the signed ones, take part).
 * Glacier escapes the path once more (uriEscapePath); S3 signs the path as sent.
 */
export async function expectedSignature(
  req: SignedRequest,
  auth: ParsedAuthorization,
  credentials: { accessKeyId: string; secretAccessKey: string },
  signingDate: Date,
  headers: Record<string, string>,
  uriEscapePath: boolean,
): Promise<string> {
  const signer = new SignatureV4({
    credentials,
    region: auth.region,
    service: auth.service,
    sha256: NodeSha256,
    uriEscapePath,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: req.method,
      protocol: 'http:',
      hostname: 'localhost',
      path: req.rawPath,
      query: req.query,
      headers,
      body: req.body,
    },
    {
      signingDate,
      signingRegion: auth.region,
      signingService: auth.service,
      signableHeaders: new Set(auth.signedHeaders),
    },
  );
  return /Signature=([0-9a-f]{64})/.exec(String(signed.headers['authorization']))?.[1] ?? '';
}
