// One request: route it, inject a planned fault, check the common headers and SigV4, run the handler
// and answer.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestContext, Reply, ServerContext } from './context.js';
import { GlacierHttpError, invalidParameter, storageFailure } from './errors.js';
import type { FiredFault } from './faults.js';
import { HANDLERS } from './handlers/index.js';
import { GIB4, contentSha256Mismatch, glacierVersion, header } from './headers.js';
import { readSmallBody } from './http-util.js';
import { checkHost } from './host-check.js';
import { resetConnection, sendError, sendReply, stalledBodyTimeout } from './respond.js';
import { matchRoute } from './router.js';
import { handleS3Request, isS3Request } from './s3/dispatch.js';
import { REGION_RE } from './store.js';
import { parseAuthorization, verifySignature } from './sigv4.js';

const MAX_JSON_BODY = 64 * 1024;
const UNSIGNED = 'UNSIGNED-PAYLOAD';
/** errno codes of a data dir that cannot take more (answered as storageFailure, not logged). */
const STORAGE_ERRORS = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS', 'EFBIG']);

const FAULT_ERRORS = {
  ServiceUnavailable: () => new GlacierHttpError(500, 'ServiceUnavailableException',
    'Service is unavailable. Try your request again later (fault injected by the local Glacier server).'),
  Throttling: () => new GlacierHttpError(400, 'ThrottlingException',
    'Rate exceeded. Retry with exponential backoff (fault injected by the local Glacier server).'),
  RequestTimeout: () => new GlacierHttpError(408, 'RequestTimeoutException',
    'Request timed out before the body was received. Retry the request (fault injected by the local Glacier server).'),
};

/** Faults answered before the request is even looked at; true when the request was consumed. */
async function injectEarlyFault(server: ServerContext, req: IncomingMessage, res: ServerResponse, op: string, fault: FiredFault): Promise<boolean> {
  if (fault.kind === 'ConnectionReset') {
    server.stats.bump(`${op}:${fault.kind}`);
    await resetConnection(req);
    return true;
  }
  if (fault.kind in FAULT_ERRORS) {
    server.stats.bump(`${op}:${fault.kind}`);
    await sendError(req, res, FAULT_ERRORS[fault.kind as keyof typeof FAULT_ERRORS]());
    return true;
  }
  return false;
}

/** Checks account, API version, body hash and (with credentials) the signature; reads small bodies. */
async function admit(ctx: RequestContext, rawPath: string, closeAfterError: () => void): Promise<void> {
  const { req, route } = ctx;
  ctx.region = parseAuthorization(header(req, 'authorization')).region;
  // The region names a directory (vaults are kept per account and region): only region-shaped names.
  if (!REGION_RE.test(ctx.region)) {
    throw new GlacierHttpError(403, 'InvalidSignatureException',
      `Credential should be scoped to a valid region, not "${ctx.region}": use a region name such as us-east-1.`);
  }
  if (route.accountId !== '-' && !/^\d{12}$/.test(route.accountId)) {
    throw invalidParameter(`Invalid account id: ${route.accountId}. Use '-' (the signer's account) or a 12-digit account id.`);
  }
  ctx.accountId = route.accountId === '-' ? ctx.config.accountId : route.accountId;
  glacierVersion(req);
  const streaming = route.operation === 'UploadMultipartPart' || route.operation === 'UploadArchive';
  if (streaming) {
    const length = Number(header(req, 'content-length') ?? 0);
    if (length > GIB4) {
      closeAfterError(); // do not swallow more than 4 GiB just to answer politely
      throw invalidParameter(`Request body of ${length} bytes exceeds the limit of 4 GiB (4294967296 bytes) per request.`);
    }
  } else {
    // Small requests: read the body now, so the payload hash and the signature can be checked.
    ctx.body = await readSmallBody(req, MAX_JSON_BODY, stalledBodyTimeout(ctx));
    const sent = header(req, 'x-amz-content-sha256');
    if (sent !== undefined && sent !== UNSIGNED) {
      const actual = createHash('sha256').update(ctx.body).digest('hex');
      if (actual !== sent) throw contentSha256Mismatch(actual, sent);
    }
  }
  if (ctx.config.credentials) {
    // The signature must always cover the body: its hash comes from the header (checked against
    // the body: here for small bodies, as they arrive for uploads) or, when absent, from the body.
    if (header(req, 'x-amz-content-sha256') === UNSIGNED) {
      throw new GlacierHttpError(403, 'InvalidSignatureException',
        'x-amz-content-sha256: UNSIGNED-PAYLOAD is not accepted: the signature must cover the body. Send the SHA-256 of the body (64 hex digits), or omit the header on JSON operations.');
    }
    await verifySignature(
      {
        method: req.method ?? 'GET', rawPath,
        query: Object.fromEntries([...ctx.url.searchParams.keys()].map((k) => {
          const all = ctx.url.searchParams.getAll(k);
          return [k, all.length === 1 ? all[0]! : all];
        })),
        headers: req.headers,
        ...(ctx.body !== undefined ? { body: ctx.body } : {}),
      },
      parseAuthorization(header(req, 'authorization')),
      ctx.config.credentials,
    );
  }
}

/** Runs the handler; an unexpected failure becomes a 500, a vanished client nothing at all. */
async function run(ctx: RequestContext, rawPath: string): Promise<{ reply?: Reply; error?: GlacierHttpError; close: boolean }> {
  const { req, route } = ctx;
  let close = false;
  try {
    await admit(ctx, rawPath, () => { close = true; });
    const reply = await HANDLERS[route.operation](ctx);
    if (ctx.fault?.kind === 'ListPartsRangeQuirk') ctx.stats.bump(`${route.operation}:${ctx.fault.kind}`);
    return { reply, close };
  } catch (err) {
    if (err instanceof GlacierHttpError) return { error: err, close };
    // The client went away mid-body (req.socket is null once Node detached a destroyed socket).
    if (ctx.res.destroyed || !req.socket || req.socket.destroyed) return { close };
    if (STORAGE_ERRORS.has((err as NodeJS.ErrnoException).code ?? '')) return { error: storageFailure(err as Error), close };
    console.error(`local Glacier server: ${route.operation} failed:`, err);
    return {
      error: new GlacierHttpError(500, 'ServiceUnavailableException', `Internal error in the local Glacier server: ${(err as Error).message}`),
      close,
    };
  }
}

export async function handleRequest(server: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    checkHost(header(req, 'host'), server.config);
  } catch (err) {
    server.stats.bump('RefusedHost');
    await sendError(req, res, err as GlacierHttpError, true);
    return;
  }
  const rawUrl = req.url ?? '/';
  const qIndex = rawUrl.indexOf('?');
  const rawPath = qIndex < 0 ? rawUrl : rawUrl.slice(0, qIndex);
  if (isS3Request(req, rawPath)) {
    await handleS3Request(server, req, res, rawUrl, rawPath);
    return;
  }
  const method = req.method ?? 'GET';
  const route = matchRoute(method, rawPath);
  if (!route) {
    server.stats.bump('Unknown');
    await sendError(req, res, new GlacierHttpError(400, 'UnknownOperationException',
      `No Glacier operation of the local server answers ${method} ${rawPath} (it speaks the 16 vault, multipart, archive and job operations).`));
    return;
  }
  const op = route.operation;
  server.stats.bump(op);
  const fault = server.faults.next(op);
  if (fault && await injectEarlyFault(server, req, res, op, fault)) return;

  const ctx: RequestContext = { ...server, req, res, route, url: new URL(rawUrl, 'http://localhost'), region: '', accountId: '', fault };
  const outcome = await run(ctx, rawPath);
  if (!outcome.reply && !outcome.error) return;
  if (fault?.kind === 'Slow') {
    server.stats.bump(`${op}:Slow`);
    await server.delays.wait(fault.delayMs);
  }
  if (outcome.error) await sendError(req, res, outcome.error, outcome.close);
  else await sendReply(res, outcome.reply!);
}
