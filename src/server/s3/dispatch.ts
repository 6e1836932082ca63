// One S3 request: route it (path-style), inject a planned fault, check SigV4, run the handler and
// answer in S3's XML. Requests reach here when their credential scope names the service s3 (see
// isS3Request), so one server and one port answer both Glacier and S3.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerContext } from '../context.js';
import type { FiredFault } from '../faults.js';
import { resetConnection } from '../respond.js';
import { matchRoute } from '../router.js';
import { authenticate, signedForS3 } from './auth.js';
import { BodyIdle } from './body.js';
import type { S3Reply, S3RequestContext } from './context.js';
import { S3HttpError, internalError, notImplemented } from './errors.js';
import { S3_HANDLERS } from './handlers/index.js';
import { matchS3Route } from './operations.js';
import { sendS3Error, sendS3Reply } from './respond.js';

/**
 * The routing rule: a request carrying x-amz-glacier-version (every Glacier request must) is
 * Glacier's; otherwise S3 when the SigV4 credential scope says s3. Without a usable Authorization
 * header, S3 unless the path has a Glacier shape (/<account>/vaults…), so unsigned requests still
 * get the right protocol's refusal.
 */
export function isS3Request(req: IncomingMessage, rawPath: string): boolean {
  if (req.headers['x-amz-glacier-version'] !== undefined) return false;
  const auth = req.headers.authorization;
  if (signedForS3(auth)) return true;
  if (auth && /Credential=[^/\s]+\/\d{8}\/[^/\s]+\/[^/\s]+\/aws4_request/.test(auth)) return false;
  return !matchRoute(req.method ?? 'GET', rawPath);
}

const FAULT_ERRORS: Partial<Record<FiredFault['kind'], () => S3HttpError>> = {
  InternalError: () => internalError('We encountered an internal error. Please try again (fault injected by the local S3 server).'),
  ServiceUnavailable: () => new S3HttpError(503, 'ServiceUnavailable', 'Service is unable to handle request (fault injected by the local S3 server).'),
  SlowDown: () => new S3HttpError(503, 'SlowDown', 'Please reduce your request rate (fault injected by the local S3 server).'),
  Throttling: () => new S3HttpError(503, 'SlowDown', 'Please reduce your request rate (fault injected by the local S3 server).'),
  RequestTimeout: () => new S3HttpError(400, 'RequestTimeout',
    'Your socket connection to the server was not read from or written to within the timeout period (fault injected by the local S3 server).'),
};

async function run(ctx: Omit<S3RequestContext, 'auth'>, rawPath: string): Promise<{ reply?: S3Reply; error?: S3HttpError; close: boolean }> {
  const { req, route } = ctx;
  try {
    const auth = await authenticate(req, rawPath, ctx.url, ctx.server.config.credentials);
    const reply = await S3_HANDLERS[route.operation]({ ...ctx, auth });
    return { reply, close: false };
  } catch (err) {
    if (err instanceof S3HttpError) {
      // A body refused before it was read (too large, bad headers) is not swallowed: close instead.
      const unread = !req.complete && (err.code === 'EntityTooLarge' || err.status === 411);
      return { error: err, close: unread };
    }
    if (err instanceof BodyIdle || ctx.res.destroyed || req.socket.destroyed) return { close: true };
    console.error(`local S3 server: ${route.operation} failed:`, err);
    return { error: internalError(`Internal error in the local S3 server: ${(err as Error).message}`), close: false };
  }
}

export async function handleS3Request(server: ServerContext, req: IncomingMessage, res: ServerResponse, rawUrl: string, rawPath: string): Promise<void> {
  const url = new URL(rawUrl, 'http://localhost');
  const route = matchS3Route(req.method ?? 'GET', rawPath, url.searchParams);
  if (typeof route === 'string') {
    server.stats.bump('s3:Unknown');
    await sendS3Error(req, res, notImplemented(route));
    return;
  }
  const op = `s3:${route.operation}` as const;
  server.stats.bump(op);
  const fault = server.faults.next(op);
  if (fault?.kind === 'ConnectionReset') {
    server.stats.bump(`${op}:${fault.kind}`);
    await resetConnection(req);
    return;
  }
  const early = fault ? FAULT_ERRORS[fault.kind] : undefined;
  if (early) {
    server.stats.bump(`${op}:${fault!.kind}`);
    await sendS3Error(req, res, early());
    return;
  }
  const outcome = await run({ server, s3: server.s3, req, res, route, url, fault }, rawPath);
  if (!outcome.reply && !outcome.error) {
    if (!req.socket.destroyed) req.socket.destroy();
    return;
  }
  if (fault?.kind === 'Slow') {
    server.stats.bump(`${op}:Slow`);
    await server.delays.wait(fault.delayMs);
  }
  if (outcome.error) await sendS3Error(req, res, outcome.error, outcome.close);
  else await sendS3Reply(res, outcome.reply!);
}
