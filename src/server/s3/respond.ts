// S3 answers on the wire: XML errors (Code, Message, RequestId …), XML or streamed replies.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { drain } from '../respond.js';
import type { S3Reply } from './context.js';
import type { S3HttpError } from './errors.js';
import { escapeXml } from './xml.js';

export const requestId = (): string => randomBytes(8).toString('hex').toUpperCase();

function ids(): Record<string, string> {
  return { 'x-amz-request-id': requestId(), 'x-amz-id-2': randomBytes(24).toString('base64') };
}

export async function sendS3Error(req: IncomingMessage, res: ServerResponse, err: S3HttpError, close = false): Promise<void> {
  if (!close) await drain(req);
  if (res.headersSent || res.destroyed) return;
  const head = ids();
  const extra = Object.entries(err.fields).map(([k, v]) => `<${k}>${escapeXml(v)}</${k}>`).join('');
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${err.code}</Code><Message>${escapeXml(err.message)}</Message>${extra}`
    + `<RequestId>${head['x-amz-request-id']}</RequestId><HostId>${head['x-amz-id-2']}</HostId></Error>`;
  // HEAD answers carry no body; S3 then tells the code in no header either, only the status.
  const isHead = req.method === 'HEAD';
  res.writeHead(err.status, {
    ...head,
    ...(isHead ? {} : { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) }),
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(isHead ? undefined : body);
}

export async function sendS3Reply(res: ServerResponse, reply: S3Reply): Promise<void> {
  if (res.destroyed) return;
  const headers: Record<string, string | number> = ids();
  for (const [k, v] of Object.entries(reply.headers ?? {})) if (v !== undefined) headers[k] = v;
  if (reply.xml !== undefined) {
    res.writeHead(reply.status, { ...headers, 'content-type': 'application/xml', 'content-length': Buffer.byteLength(reply.xml) });
    res.end(reply.xml);
  } else if (reply.stream) {
    res.writeHead(reply.status, headers);
    const socket = res.socket;
    await pipeline(reply.stream(), res).catch(() => res.destroy());
    if (reply.closeConnection) socket?.end();
  } else {
    res.writeHead(reply.status, { 'content-length': 0, ...headers });
    res.end();
  }
}
