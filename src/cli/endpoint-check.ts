/**
 * Is the endpoint Glacier? A web server or a proxy's error page answers with HTML, or with an
 * empty 200 the SDK happily reads as success ("created vault v"). An answer counts as Glacier's
 * when it carries x-amzn-RequestId or x-amzn-ErrorType, or is a JSON error body naming a Glacier
 * error code (some emulators send no such headers). Anything else is refused where it arrives,
 * before the SDK reads it, and never retried. When an endpoint that answers like Glacier lacks one
 * operation (an emulator without multipart routes, say), the error names that operation instead of
 * blaming --endpoint. `--no-endpoint-check` switches all of this off.
 */
import { ListVaultsCommand } from '@aws-sdk/client-glacier';
import { NotGlacierError } from './client.js';
import { OperationNotImplementedError } from './errors.js';

/** The error codes of the Glacier API reference, and the common AWS ones every service answers with. */
const GLACIER_ERROR_CODES = new Set([
  'ResourceNotFoundException', 'InvalidParameterValueException', 'MissingParameterValueException', 'RequestTimeoutException',
  'ServiceUnavailableException', 'LimitExceededException', 'PolicyEnforcedException', 'InsufficientCapacityException',
  'AccessDeniedException', 'UnrecognizedClientException', 'InvalidSignatureException', 'IncompleteSignature',
  'MissingAuthenticationTokenException', 'ExpiredTokenException', 'ThrottlingException', 'ValidationException',
  'SignatureDoesNotMatch', 'InternalFailure', 'SerializationException',
]);

interface RawResponse {
  statusCode?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((h) => h.toLowerCase() === name);
}

async function readBody(body: unknown): Promise<Uint8Array> {
  if (body instanceof Uint8Array) return body;
  const chunks: Buffer[] = [];
  let size = 0;
  // Error bodies are small; a huge one is not an error body of Glacier's.
  for await (const chunk of body as AsyncIterable<Buffer>) {
    chunks.push(Buffer.from(chunk));
    size += chunk.length;
    if (size > 64 * 1024) break;
  }
  return Buffer.concat(chunks);
}

/** The Glacier error code of a JSON error body (`code`, `__type` or `Code`), if it names one. */
function glacierErrorCode(bytes: Uint8Array): string | undefined {
  try {
    const body = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
    const code = String(body.code ?? body.__type ?? body.Code ?? '').split('#').pop()!;
    return GLACIER_ERROR_CODES.has(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

/** 'glacier', 'foreign', or 'missing' (Glacier's headers on an error that names no Glacier error: a route it lacks). */
async function classify(response: RawResponse): Promise<'glacier' | 'foreign' | 'missing'> {
  const headers = response.headers ?? {};
  const aws = hasHeader(headers, 'x-amzn-requestid') || hasHeader(headers, 'x-amzn-errortype');
  const status = response.statusCode ?? 0;
  if (status < 400 || response.body === undefined) return aws ? 'glacier' : 'foreign';
  const bytes = await readBody(response.body);
  // Read once here: the SDK's error parser reads it again from the buffer.
  response.body = bytes;
  const code = glacierErrorCode(bytes);
  if (code !== undefined || (aws && hasHeader(headers, 'x-amzn-errortype'))) return 'glacier';
  if (aws) return [404, 405, 501].includes(status) ? 'missing' : 'glacier';
  return 'foreign';
}

type Client = { middlewareStack: { add: (mw: any, opts: any) => void }; send: (command: any) => Promise<unknown> };

export function requireGlacierAnswers(client: Client, endpoint: string | undefined): void {
  let answeredLikeGlacier = false;
  let probing = false;
  // Has the endpoint ever answered like Glacier? Asked once, on the first foreign answer: a cheap ListVaults.
  const glacierElsewhere = async (): Promise<boolean> => {
    if (answeredLikeGlacier || probing) return answeredLikeGlacier;
    probing = true;
    try {
      await client.send(new ListVaultsCommand({ accountId: '-', limit: 1 }));
    } catch {
      // a refusal from Glacier (credentials) still set the flag below
    } finally {
      probing = false;
    }
    return answeredLikeGlacier;
  };
  client.middlewareStack.add(
    (next: (args: unknown) => Promise<{ response: RawResponse }>, context: { commandName?: string }) => async (args: unknown) => {
      const out = await next(args);
      const kind = await classify(out.response ?? {});
      const status = out.response?.statusCode;
      const operation = (context.commandName ?? 'the request').replace(/Command$/, '');
      if (kind === 'glacier') {
        answeredLikeGlacier = true;
        return out;
      }
      if (kind === 'missing') throw new OperationNotImplementedError(endpoint, operation, status);
      if (!probing && status !== undefined && [400, 403, 404, 405, 501].includes(status) && (await glacierElsewhere())) {
        throw new OperationNotImplementedError(endpoint, operation, status);
      }
      throw new NotGlacierError(endpoint, status);
    },
    { step: 'deserialize', priority: 'low', name: 'glacierMultipartRequireGlacier' },
  );
}
