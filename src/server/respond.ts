// Response plumbing: errors as Glacier's JSON, replies (JSON, empty or streamed), dropped connections.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Reply } from './context.js';
import { GlacierHttpError } from './errors.js';
import type { BodyIdle } from './http-util.js';
import { header } from './headers.js';

/**
 * Reads and discards what is left of a request body. Errors are answered only after the whole
 * body arrived: an answer sent mid-body lets the client's request finish while its socket is
 * still writing, and a later reset of that socket then surfaces as an unhandled client error.
 */
export async function drain(req: IncomingMessage): Promise<void> {
  if (req.complete || req.readableEnded || req.destroyed) return;
  await new Promise<void>((done) => {
    req.once('end', done);
    req.once('close', done);
    req.once('error', () => done());
    req.resume();
  });
}

export async function sendError(req: IncomingMessage, res: ServerResponse, err: GlacierHttpError, close = false): Promise<void> {
  if (!close) await drain(req);
  if (res.headersSent || res.destroyed) return;
  const body = JSON.stringify({ code: err.code, message: err.message, type: err.type });
  res.writeHead(err.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-amzn-errortype': err.code,
    'x-amzn-requestid': randomUUID(),
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(body);
}

export async function sendReply(res: ServerResponse, reply: Reply): Promise<void> {
  if (res.destroyed) return;
  const headers: Record<string, string | number> = { 'x-amzn-requestid': randomUUID(), ...reply.headers };
  if (reply.json !== undefined) {
    const body = JSON.stringify(reply.json);
    res.writeHead(reply.status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  } else if (reply.stream) {
    res.writeHead(reply.status, headers);
    const socket = res.socket; // detached from res once it finishes
    await pipeline(reply.stream(), res).catch(() => res.destroy());
    // After the last byte left (pipeline waits for 'finish'): a FIN, so the client sees the short body.
    if (reply.closeConnection) socket?.end();
  } else {
    res.writeHead(reply.status, { ...headers, 'content-length': 0 });
    res.end();
  }
}

/** Reads a little of the body (when there is one), then drops the connection without answering. */
export async function resetConnection(req: IncomingMessage): Promise<void> {
  const length = Number(header(req, 'content-length') ?? 0);
  if (length > 0) {
    await new Promise<void>((done) => {
      req.once('data', () => done());
      req.once('end', () => done());
      req.once('error', () => done());
    });
  }
  req.socket.destroy();
}

/**
 * A body that stalls for bodyIdleTimeoutMs is answered as Glacier does, 408 RequestTimeoutException
 * (retryable), on a connection then closed; ending the request makes its reader remove its temp file.
 */
export function stalledBodyTimeout(ctx: { req: IncomingMessage; res: ServerResponse; config: { bodyIdleTimeoutMs: number } }): BodyIdle {
  const { req, res } = ctx;
  const ms = ctx.config.bodyIdleTimeoutMs;
  return {
    ms,
    onIdle: (cause) => {
      if (res.headersSent || res.destroyed) {
        req.destroy(cause);
        return;
      }
      res.once('finish', () => req.destroy(cause));
      void sendError(req, res, new GlacierHttpError(408, 'RequestTimeoutException',
        `No byte of the request body arrived for ${ms} ms, so the request timed out and the connection is closed. Retry the request.`), true);
    },
  };
}
