import { createHash } from 'node:crypto';
import type { GlacierClient } from '@aws-sdk/client-glacier';
import { ChecksumNotPrecomputedError } from './errors.js';

/**
 * The AWS SDK's Glacier plugin (addChecksumHeadersMiddleware) calls the client's
 * `bodyChecksumGenerator` for EVERY request with a body and, by default, hashes the whole body on
 * the calling thread (both SHA-256 and the tree hash, even when `checksum` is given), and refuses
 * non-file streams. The uploader hashes parts in its HashPool, so it registers each body object
 * with its checksums here, and the generator below just hands them back: the SDK hashes nothing.
 * Because the generator returns x-amz-content-sha256, SigV4 signing uses it as the payload hash too.
 */
export type ChecksumPair = readonly [sha256: string, treeHash: string];
type BodyChecksumGenerator = (request: { body?: unknown; method?: string; path?: string }, options: unknown) => Promise<[string, string]>;

const precomputed = new WeakMap<object, ChecksumPair>();

/** Remembers the checksums of a request body (a Uint8Array or a stream) until it is collected. */
export function registerChecksums(body: object, sha256: string, treeHash: string): void {
  precomputed.set(body, [sha256, treeHash]);
}

export function forgetChecksums(body: object): void {
  precomputed.delete(body);
}

/**
 * Bodies of the operations that carry archive data: UploadMultipartPart (PUT
 * /{account}/vaults/{vault}/multipart-uploads/{uploadId}) and UploadArchive (POST .../archives).
 */
function carriesArchiveData(request: { method?: string; path?: string }): boolean {
  const path = request.path ?? '';
  const method = (request.method ?? '').toUpperCase();
  return (method === 'PUT' && /\/multipart-uploads\/[^/]+\/?$/.test(path)) || (method === 'POST' && /\/archives\/?$/.test(path));
}

/** JSON bodies of the other operations (InitiateJob, SetVaultNotifications, ...) are small: hashed here. */
const MAX_JSON_BODY = 1024 * 1024;

function lookup(body: unknown): ChecksumPair | undefined {
  return body !== null && typeof body === 'object' ? precomputed.get(body) : undefined;
}

function jsonBody(request: { body?: unknown; method?: string; path?: string }): [string, string] | undefined {
  if (carriesArchiveData(request)) return undefined;
  const body = request.body;
  let bytes: Uint8Array | undefined;
  if (typeof body === 'string') bytes = Buffer.from(body, 'utf8');
  else if (body instanceof Uint8Array) bytes = body;
  if (!bytes || bytes.byteLength > MAX_JSON_BODY) return undefined;
  // At most 1 MiB: the tree hash is the linear SHA-256.
  const hex = createHash('sha256').update(bytes).digest('hex');
  return [hex, hex];
}

function describeBody(body: unknown): string {
  if (body === null || body === undefined) return String(body);
  if (typeof body === 'string') return `a string of ${body.length} characters`;
  if (ArrayBuffer.isView(body)) return `${body.constructor.name} of ${body.byteLength} bytes`;
  return `a ${(body as object).constructor?.name ?? typeof body}`;
}

/**
 * A bodyChecksumGenerator that only hands back precomputed checksums and fails loudly (with
 * ChecksumNotPrecomputedError) for archive data (UploadMultipartPart, UploadArchive) it was not
 * told about. The small JSON bodies of other operations (InitiateJob, ...) are hashed with node:crypto.
 */
export const precomputedChecksumGenerator: BodyChecksumGenerator = async (request) => {
  const body = request.body;
  const pair = lookup(body);
  if (pair) return [pair[0], pair[1]];
  const small = jsonBody(request);
  if (small) return small;
  throw new ChecksumNotPrecomputedError(describeBody(body));
};

interface BuildArgs { request: unknown }
type Next = (args: BuildArgs) => Promise<unknown>;
interface CommandWithStack {
  middlewareStack: {
    addRelativeTo(mw: (next: Next) => Next, options: { relation: 'before' | 'after'; toMiddleware: string; name: string }): void;
  };
}

function requestOf(args: BuildArgs): { headers: Record<string, string>; body?: unknown } | undefined {
  const r = args.request as { headers?: unknown } | undefined;
  return r && typeof r === 'object' && r.headers && typeof r.headers === 'object' ? (r as { headers: Record<string, string>; body?: unknown }) : undefined;
}

/**
 * Hands a command's precomputed checksums to the SDK without touching the client: the two
 * headers are set on this command's request, and its body is hidden from the Glacier plugin's
 * checksum middleware (which otherwise calls the client's bodyChecksumGenerator, by default
 * hashing the whole body on the main thread), then put back right after it. Works with any
 * GlacierClient, the caller's own included, whose config stays as it was.
 */
export function withPrecomputedChecksums<C>(command: C, sha256: string, treeHash: string): C {
  const stack = (command as unknown as CommandWithStack).middlewareStack;
  let hidden: unknown;
  stack.addRelativeTo((next) => async (args) => {
    const request = requestOf(args);
    if (request) {
      request.headers['x-amz-content-sha256'] = sha256;
      request.headers['x-amz-sha256-tree-hash'] = treeHash;
      hidden = request.body;
      request.body = undefined;
    }
    return next(args);
  }, { relation: 'before', toMiddleware: 'addChecksumHeadersMiddleware', name: 'glacierMultipartHideBody' });
  stack.addRelativeTo((next) => async (args) => {
    const request = requestOf(args);
    if (request && hidden !== undefined) request.body = hidden;
    return next(args);
  }, { relation: 'after', toMiddleware: 'addChecksumHeadersMiddleware', name: 'glacierMultipartRestoreBody' });
  return command;
}
