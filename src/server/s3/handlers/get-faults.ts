// Faults on GetObject bodies, like the Glacier side's on GetJobOutput: a body cut in half, one byte
// flipped (the checksum headers stay the true ones), or half the body then a stall.
import { Readable } from 'node:stream';
import type { S3RequestContext } from '../context.js';

export function faultyStream(ctx: S3RequestContext, open: () => Readable, length: number): { stream: () => Readable; closeConnection: boolean } {
  const kind = ctx.fault?.kind;
  if (kind !== 'TruncatedBody' && kind !== 'FlippedByte' && kind !== 'StalledBody') return { stream: open, closeConnection: false };
  ctx.server.stats.bump(`s3:GetObject:${kind}`);
  const half = Math.floor(length / 2);
  const delayMs = ctx.fault!.delayMs;
  const delays = ctx.server.delays;
  async function* body(): AsyncGenerator<Buffer> {
    let sent = 0;
    for await (const raw of open()) {
      let chunk = raw as Buffer;
      if (kind === 'TruncatedBody' && sent + chunk.length >= half) {
        yield chunk.subarray(0, half - sent);
        return;
      }
      if (kind === 'FlippedByte' && sent <= half && half < sent + chunk.length) {
        chunk = Buffer.from(chunk);
        chunk[half - sent] ^= 0xff;
      }
      if (kind === 'StalledBody' && sent <= half && half < sent + chunk.length) {
        yield chunk.subarray(0, half - sent);
        await delays.wait(delayMs);
        chunk = chunk.subarray(half - sent);
      }
      sent += raw.length;
      yield chunk;
    }
  }
  return { stream: () => Readable.from(body()), closeConnection: kind === 'TruncatedBody' };
}
